import { describe, expect, it } from 'vitest';
import { erlangAMetrics, erlangB, erlangC, erlangCMetrics } from '../src/sim/erlang.ts';
import { simulate } from '../src/sim/simulator.ts';

describe('Erlang formulas', () => {
  it('match values worked out by hand', () => {
    // B(3, 2) = (2³/3!) / (1 + 2 + 2²/2 + 2³/3!) = (4/3) / (19/3) = 4/19; C(3, 2) = 3·B / (3 − 2(1 − B)) = 4/9.
    expect(erlangB(3, 2)).toBeCloseTo(4 / 19, 12);
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 12);
    // M/M/1 (N = 1): P(wait) = ρ; ASA = ρ/(1−ρ)·AHT; SL(t) = 1 − ρ·e^(−(1−ρ)t/AHT).
    const mm1 = erlangCMetrics(1, 30, 60, 10); // ρ = 0.5, AHT 60 s
    expect(mm1.probabilityOfWaiting).toBeCloseTo(0.5, 12);
    expect(mm1.asaSeconds).toBeCloseTo(60, 9);
    expect(mm1.serviceLevel).toBeCloseTo(1 - 0.5 * Math.exp(-0.5 * 10 / 60), 12);
    expect(erlangC(5, 5)).toBe(1);
  });

  it('Erlang A tends to Erlang C as patience grows', () => {
    const c = erlangCMetrics(20, 300, 180, 20);
    const a = erlangAMetrics(20, 300, 180, 1e9, 20);
    expect(a.probabilityOfWaiting).toBeCloseTo(c.probabilityOfWaiting, 5);
    expect(a.serviceLevel).toBeCloseTo(c.serviceLevel, 5);
    expect(a.asaSeconds).toBeCloseTo(c.asaSeconds, 3);
    expect(a.abandonRate).toBeLessThan(1e-6);
  });

  it('Erlang A with patience equal to handle time is the M/M/∞ Poisson count', () => {
    // θ = μ: departures are n·μ in every state, so the number in system is Poisson(A).
    const A = 8;
    const N = 6;
    let below = 0;
    let term = Math.exp(-A);
    for (let n = 0; n < N; n += 1) {
      below += term;
      term *= A / (n + 1);
    }
    const result = erlangAMetrics(N, (A * 3600) / 120, 120, 120, 30);
    expect(result.probabilityOfWaiting).toBeCloseTo(1 - below, 9);
    // Every contact leaves at rate μ = θ whatever it does, so the abandoned share equals the waiting work share:
    // abandon rate = E[(n−N)⁺]·θ / λ.
    let excess = 0;
    term = Math.exp(-A);
    for (let n = 0; n < 400; n += 1) {
      if (n > N) excess += (n - N) * term;
      term *= A / (n + 1);
    }
    expect(result.abandonRate).toBeCloseTo(excess / A, 9);
  });
});

describe('the simulator agrees with queueing theory (one FIFO queue)', () => {
  const within = (simulated: number, theory: number, standardError: number) => {
    // Four batch-means standard errors: a false alarm about once in 15,000 runs.
    expect(Math.abs(simulated - theory)).toBeLessThanOrEqual(4 * standardError + 1e-9);
  };

  it.each([
    { agents: 20, callsPerHour: 300, ahtSeconds: 180, seed: 1 },
    { agents: 10, callsPerHour: 170, ahtSeconds: 180, seed: 7 },
    { agents: 5, callsPerHour: 80, ahtSeconds: 120, seed: 3 },
  ])('Erlang C without abandonment: $agents agents, $callsPerHour calls/h, AHT $ahtSeconds s', (load) => {
    const sim = simulate({ ...load, hours: 200, slThresholdSeconds: 20 });
    const theory = erlangCMetrics(load.agents, load.callsPerHour, load.ahtSeconds, 20);
    expect(sim.abandoned).toBe(0);
    expect(sim.answered).toBe(sim.offered);
    expect(sim.offered / 200).toBeGreaterThan(load.callsPerHour * 0.97);
    within(sim.service_level, theory.serviceLevel, sim.standard_error.service_level);
    within(sim.asa_seconds, theory.asaSeconds, sim.standard_error.asa_seconds);
    expect(Math.abs(sim.occupancy - theory.occupancy)).toBeLessThan(0.02);
  });

  it.each([
    { agents: 20, callsPerHour: 380, ahtSeconds: 180, patienceSeconds: 120, seed: 2 },
    { agents: 8, callsPerHour: 200, ahtSeconds: 150, patienceSeconds: 60, seed: 5 },
  ])('Erlang A with exponential patience: $agents agents, $callsPerHour calls/h, patience $patienceSeconds s', (load) => {
    const sim = simulate({ ...load, hours: 200, slThresholdSeconds: 20 });
    const theory = erlangAMetrics(load.agents, load.callsPerHour, load.ahtSeconds, load.patienceSeconds, 20);
    expect(sim.abandoned).toBeGreaterThan(0);
    within(sim.abandon_rate, theory.abandonRate, sim.standard_error.abandon_rate);
    within(sim.service_level, theory.serviceLevel, sim.standard_error.service_level);
    within(sim.asa_seconds, theory.asaSeconds, sim.standard_error.asa_seconds);
    expect(Math.abs(sim.occupancy - theory.occupancy)).toBeLessThan(0.02);
  });

  it('is deterministic for a seed', () => {
    const a = simulate({ agents: 4, callsPerHour: 60, ahtSeconds: 180, hours: 20, slThresholdSeconds: 20, seed: 42 });
    const b = simulate({ agents: 4, callsPerHour: 60, ahtSeconds: 180, hours: 20, slThresholdSeconds: 20, seed: 42 });
    const c = simulate({ agents: 4, callsPerHour: 60, ahtSeconds: 180, hours: 20, slThresholdSeconds: 20, seed: 43 });
    expect(a).toEqual(b);
    expect(c.offered).not.toBe(a.offered);
  });
});

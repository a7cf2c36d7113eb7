/**
 * Queueing theory for one queue of identical agents, FIFO, Poisson arrivals and exponential handle
 * times: Erlang C (nobody abandons) and Erlang A (exponential patience, Palm's M/M/N+M).
 */

/** Erlang B by the stable recursion B(0)=1, B(n) = A·B(n−1) / (n + A·B(n−1)). */
export function erlangB(agents: number, trafficErlangs: number): number {
  let b = 1;
  for (let n = 1; n <= agents; n += 1) b = (trafficErlangs * b) / (n + trafficErlangs * b);
  return b;
}

/** Probability that a contact waits at all (Erlang C); 1 when the agents cannot keep up. */
export function erlangC(agents: number, trafficErlangs: number): number {
  if (trafficErlangs >= agents) return 1;
  const b = erlangB(agents, trafficErlangs);
  return (agents * b) / (agents - trafficErlangs * (1 - b));
}

export interface ErlangCResult {
  trafficErlangs: number;
  probabilityOfWaiting: number;
  /** Share of contacts answered within the threshold. */
  serviceLevel: number;
  /** Mean wait over all contacts (Erlang C has no abandonment, so all are answered). */
  asaSeconds: number;
  occupancy: number;
}

export function erlangCMetrics(agents: number, callsPerHour: number, ahtSeconds: number, thresholdSeconds: number): ErlangCResult {
  const a = (callsPerHour * ahtSeconds) / 3600;
  const c = erlangC(agents, a);
  const stable = a < agents;
  return {
    trafficErlangs: a,
    probabilityOfWaiting: c,
    serviceLevel: stable ? 1 - c * Math.exp((-(agents - a) * thresholdSeconds) / ahtSeconds) : 0,
    asaSeconds: stable ? (c * ahtSeconds) / (agents - a) : Infinity,
    occupancy: Math.min(1, a / agents),
  };
}

export interface ErlangAResult {
  probabilityOfWaiting: number;
  abandonRate: number;
  /** Answered within the threshold ÷ offered (abandons count against it). */
  serviceLevel: number;
  /** Mean wait of answered contacts. */
  asaSeconds: number;
  occupancy: number;
}

/**
 * Erlang A. The number in system is a birth–death chain (arrivals λ; departures min(n,N)·μ plus
 * (n−N)⁺·θ). A contact arriving to j others waiting is served after j+1 "line moves", the i-th at
 * rate N·μ + i·θ, unless its own patience (rate θ) runs out first. The threshold probability is
 * computed exactly by uniformization of that small chain.
 */
export function erlangAMetrics(agents: number, callsPerHour: number, ahtSeconds: number, patienceSeconds: number, thresholdSeconds: number): ErlangAResult {
  const lambda = callsPerHour / 3600;
  const mu = 1 / ahtSeconds;
  const theta = 1 / patienceSeconds;
  const N = agents;

  // Stationary distribution, computed in log space relative to π_0 and truncated when negligible.
  const logTerms: number[] = [0];
  for (let n = 1; ; n += 1) {
    const death = Math.min(n, N) * mu + Math.max(n - N, 0) * theta;
    logTerms.push(logTerms[n - 1]! + Math.log(lambda / death));
    if (n > N && logTerms[n]! < logTerms.reduce((m, x) => Math.max(m, x), -Infinity) - 50) break;
    if (n > N + 100_000) break;
  }
  const maxLog = Math.max(...logTerms);
  const weights = logTerms.map((l) => Math.exp(l - maxLog));
  const total = weights.reduce((s, w) => s + w, 0);
  const pi = weights.map((w) => w / total);

  let pWait = 0;
  let pServedAfterWait = 0;
  let servedWaitSum = 0;
  let busyServers = 0;
  for (let n = 0; n < pi.length; n += 1) {
    busyServers += pi[n]! * Math.min(n, N);
    if (n < N) continue;
    const j = n - N; // waiting ahead of an arrival in this state (PASTA)
    pWait += pi[n]!;
    let pServed = 1;
    let meanGivenServed = 0;
    for (let i = 0; i <= j; i += 1) {
      const rate = N * mu + i * theta;
      pServed *= rate / (rate + theta);
      meanGivenServed += 1 / (rate + theta);
    }
    pServedAfterWait += pi[n]! * pServed;
    servedWaitSum += pi[n]! * pServed * meanGivenServed;
  }
  const pAnswered = 1 - pWait + pServedAfterWait;

  // P(served within t | arrival state) by uniformization: states "i ahead" (0…J), Served, Abandoned.
  const J = pi.length - N;
  const uniform = N * mu + J * theta + theta;
  const ahead = new Float64Array(Math.max(J, 1));
  for (let j = 0; j < J; j += 1) ahead[j] = pi[N + j]!;
  let served = 0;
  const lt = uniform * thresholdSeconds;
  const kMax = Math.ceil(lt + 12 * Math.sqrt(lt) + 30);
  let poisson = Math.exp(-lt);
  let withinThreshold = poisson * served;
  for (let k = 1; k <= kMax; k += 1) {
    // One uniformized step: from i, move one place ahead (or into service from 0) w.p. r_i/Λ, abandon w.p. θ/Λ.
    const nextAhead = new Float64Array(ahead.length);
    for (let i = 0; i < ahead.length; i += 1) {
      const mass = ahead[i]!;
      if (mass === 0) continue;
      const move = (N * mu + i * theta) / uniform;
      const stay = 1 - move - theta / uniform;
      nextAhead[i] = nextAhead[i]! + mass * stay;
      if (i === 0) served += mass * move;
      else nextAhead[i - 1] = nextAhead[i - 1]! + mass * move;
    }
    ahead.set(nextAhead);
    poisson *= lt / k;
    withinThreshold += poisson * served;
  }
  return {
    probabilityOfWaiting: pWait,
    abandonRate: 1 - pAnswered,
    serviceLevel: 1 - pWait + withinThreshold,
    asaSeconds: servedWaitSum / pAnswered,
    occupancy: busyServers / N,
  };
}

import type { AcdEvent } from '@cc/ingest';
import { AcdEngine } from '../engine/acd-engine.ts';
import { VirtualClock } from '../engine/clock.ts';
import { TimerHeap } from '../engine/timer-heap.ts';
import type { StrategyName } from '../model/types.ts';
import { Random } from './random.ts';

export interface SimulationOptions {
  agents: number;
  callsPerHour: number;
  ahtSeconds: number;
  hours: number;
  slThresholdSeconds: number;
  seed: number;
  /** Mean customer patience (exponential); none means nobody abandons. */
  patienceSeconds?: number;
  handleTime?: 'exponential' | 'lognormal';
  /** Coefficient of variation for lognormal handle times. */
  handleCv?: number;
  /** Discarded from the statistics so the run starts from a loaded, steady queue. */
  warmupHours?: number;
  strategy?: StrategyName;
  /** Batches for the batch-means standard errors. */
  batches?: number;
}

export interface SimulationResult {
  offered: number;
  answered: number;
  abandoned: number;
  /** Answered within the threshold ÷ offered. */
  service_level: number;
  /** Mean wait of answered contacts. */
  asa_seconds: number;
  abandon_rate: number;
  /** Busy time ÷ staffed time. */
  occupancy: number;
  /** Batch-means standard errors: the simulator's own statistical error. */
  standard_error: { service_level: number; asa_seconds: number; abandon_rate: number };
  routing_decisions: number;
}

type SimEvent = { kind: 'arrival' } | { kind: 'abandon'; contactId: string } | { kind: 'complete'; contactId: string };

interface Tracked {
  arrivedAt: number;
  answeredAt?: number;
  abandoned?: boolean;
  counted: boolean;
  batch: number;
}

/**
 * Drives the real AcdEngine on a virtual clock: Poisson arrivals, exponential or lognormal handle
 * times, exponential patience. Agents answer offers at once, so waiting time is the routing's doing.
 */
export function simulate(options: SimulationOptions): SimulationResult {
  const random = new Random(options.seed);
  const clock = new VirtualClock(0);
  const offers: { contactId: string; agentId: string }[] = [];
  let decisions = 0;
  const engine = new AcdEngine({
    clock,
    trace: false,
    emit: (event: AcdEvent) => {
      if (event.type === 'contact.offered') offers.push({ contactId: event.contactId, agentId: event.agentId });
      else if (event.type === 'routing.decision') decisions += 1;
    },
  });
  engine.upsertQueue({
    id: 'q',
    channels: ['voice'],
    strategy: options.strategy ?? 'longest-idle',
    serviceLevel: { thresholdSeconds: options.slThresholdSeconds, targetPercent: 80 },
    wrapUpSeconds: 0,
    classificationRequired: false,
    priority: 50,
    offerTimeoutSeconds: 365 * 24 * 3600,
    notReadyOnNoAnswer: false,
  });
  engine.upsertServiceRole({ id: 'role', memberships: [{ queueId: 'q', priority: 1 }] });
  for (let i = 0; i < options.agents; i += 1) {
    engine.upsertAgent({ id: `a${i}`, skills: {}, serviceRoleId: 'role' });
    engine.setAgentStatus(`a${i}`, { status: 'available' });
  }

  const warmup = (options.warmupHours ?? 1) * 3600_000;
  const end = warmup + options.hours * 3600_000;
  const batches = options.batches ?? 20;
  const batchLength = (end - warmup) / batches;
  const meanInterarrival = 3600_000 / options.callsPerHour;
  const handle = () =>
    (options.handleTime === 'lognormal' ? random.lognormal(options.ahtSeconds, options.handleCv ?? 1) : random.exponential(options.ahtSeconds)) * 1000;

  const timeline = new TimerHeap<SimEvent>();
  const contacts = new Map<string, Tracked>();
  let busyMs = 0;
  let next = 0;
  timeline.push(random.exponential(meanInterarrival), { kind: 'arrival' });

  const answerOffers = (now: number) => {
    while (offers.length > 0) {
      const { contactId, agentId } = offers.shift()!;
      engine.accept(agentId, contactId);
      const tracked = contacts.get(contactId)!;
      tracked.answeredAt = now;
      const done = now + handle();
      timeline.push(done, { kind: 'complete', contactId });
      // Occupancy counts busy time inside the measured window only.
      busyMs += Math.max(0, Math.min(done, end) - Math.max(now, warmup));
    }
  };

  for (let event = timeline.pop(); event; event = timeline.pop()) {
    const now = event.at;
    engine.advanceTo(now);
    clock.set(now);
    const what = event.payload;
    if (what.kind === 'arrival') {
      if (now < end) {
        const id = `c${next++}`;
        const counted = now >= warmup;
        contacts.set(id, { arrivedAt: now, counted, batch: counted ? Math.min(batches - 1, Math.floor((now - warmup) / batchLength)) : -1 });
        engine.enqueue({ id, channel: 'voice', queueId: 'q' });
        if (options.patienceSeconds) timeline.push(now + random.exponential(options.patienceSeconds) * 1000, { kind: 'abandon', contactId: id });
        timeline.push(now + random.exponential(meanInterarrival), { kind: 'arrival' });
      }
    } else if (what.kind === 'abandon') {
      const tracked = contacts.get(what.contactId)!;
      if (tracked.answeredAt === undefined && !tracked.abandoned) {
        tracked.abandoned = true;
        engine.endContact(what.contactId);
      }
    } else {
      engine.endContact(what.contactId);
    }
    answerOffers(now);
  }

  // Statistics over contacts that arrived inside the window, overall and per batch.
  const perBatch = Array.from({ length: batches }, () => ({ offered: 0, answered: 0, within: 0, abandoned: 0, waitSum: 0 }));
  for (const c of contacts.values()) {
    if (!c.counted) continue;
    const b = perBatch[c.batch]!;
    b.offered += 1;
    if (c.answeredAt !== undefined) {
      const wait = c.answeredAt - c.arrivedAt;
      b.answered += 1;
      b.waitSum += wait;
      if (wait <= options.slThresholdSeconds * 1000) b.within += 1;
    } else {
      b.abandoned += 1;
    }
  }
  const sum = (f: (b: (typeof perBatch)[number]) => number) => perBatch.reduce((s, b) => s + f(b), 0);
  const offered = sum((b) => b.offered);
  const answered = sum((b) => b.answered);
  const abandoned = sum((b) => b.abandoned);
  const standardError = (values: number[]) => {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
    return Math.sqrt(variance / values.length);
  };
  return {
    offered,
    answered,
    abandoned,
    service_level: sum((b) => b.within) / offered,
    asa_seconds: sum((b) => b.waitSum) / answered / 1000,
    abandon_rate: abandoned / offered,
    occupancy: busyMs / (options.agents * (end - warmup)),
    standard_error: {
      service_level: standardError(perBatch.map((b) => b.within / b.offered)),
      asa_seconds: standardError(perBatch.map((b) => b.waitSum / Math.max(1, b.answered) / 1000)),
      abandon_rate: standardError(perBatch.map((b) => b.abandoned / b.offered)),
    },
    routing_decisions: decisions,
  };
}

import type { AcdEvent, Channel } from '@cc/ingest';
import { AcdEngine, VirtualClock } from '../src/index.ts';
import { Random } from '../src/sim/random.ts';

// npm run bench:acd — routing-decision latency and throughput at 10,000 agents and 5,000 queues.
const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const QUEUES = Number(process.env.BENCH_QUEUES ?? 5_000);
const QUEUES_PER_AGENT = 10;
const INITIAL_CONTACTS = Number(process.env.BENCH_CONTACTS ?? 40_000);
const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 100_000);
const SKILLS = 10;

const random = new Random(2026);
const clock = new VirtualClock(Date.UTC(2026, 11, 7, 8));
const offers: { contactId: string; agentId: string }[] = [];
let decisions = 0;
let events = 0;
const TRACE = process.env.BENCH_TRACE !== '0';
const engine = new AcdEngine({
  clock,
  trace: TRACE,
  emit: (event: AcdEvent) => {
    events += 1;
    if (event.type === 'routing.decision') decisions += 1;
    else if (event.type === 'contact.offered') offers.push({ contactId: event.contactId, agentId: event.agentId });
  },
});

const channels: Channel[] = ['voice', 'chat', 'email'];
const strategies = ['longest-idle', 'longest-idle', 'round-robin', 'least-occupied', 'best-skill', 'fewest-contacts'] as const;
for (let q = 0; q < QUEUES; q += 1) {
  engine.upsertQueue({
    id: `q${q}`,
    channels,
    strategy: strategies[q % strategies.length]!,
    serviceLevel: { thresholdSeconds: 20, targetPercent: 80 },
    wrapUpSeconds: 0,
    classificationRequired: false,
    priority: 50,
    offerTimeoutSeconds: 3600,
    notReadyOnNoAnswer: false,
  });
}
for (let a = 0; a < AGENTS; a += 1) {
  const queues = new Set<number>();
  while (queues.size < QUEUES_PER_AGENT) queues.add(random.integer(QUEUES));
  engine.upsertServiceRole({ id: `r${a}`, memberships: [...queues].map((q, i) => ({ queueId: `q${q}`, priority: 1 + (i % 3) })) });
  const skills: Record<string, number> = {};
  for (let s = 0; s < 3; s += 1) skills[`s${random.integer(SKILLS)}`] = 1 + random.integer(5);
  engine.upsertAgent({ id: `a${a}`, skills, serviceRoleId: `r${a}` });
  engine.setAgentStatus(`a${a}`, { status: 'available' });
}

let nextContact = 0;
const connected: string[] = [];
const newContact = () => {
  const id = `c${nextContact++}`;
  const needsSkill = random.next() < 0.3;
  engine.enqueue({
    id,
    channel: random.next() < 0.6 ? 'voice' : random.next() < 0.7 ? 'chat' : 'email',
    queueId: `q${random.integer(QUEUES)}`,
    priority: random.next() < 0.05 ? 5 : 0,
    requiredSkills: needsSkill ? [{ skillId: `s${random.integer(SKILLS)}`, minProficiency: 2 + random.integer(3) }] : [],
    relaxation: needsSkill ? [{ afterSeconds: 60, minProficiency: 1 }] : [],
  });
};
const answer = () => {
  for (const { contactId, agentId } of offers.splice(0)) {
    engine.accept(agentId, contactId);
    connected.push(contactId);
  }
};

const setupStart = performance.now();
for (let i = 0; i < INITIAL_CONTACTS; i += 1) {
  newContact();
  answer();
}
const setupSeconds = (performance.now() - setupStart) / 1000;
let waiting = 0;
for (let q = 0; q < QUEUES; q += 1) waiting += engine.queueSnapshot(`q${q}`).waiting;
console.log(`setup: ${AGENTS} agents, ${QUEUES} queues, ${INITIAL_CONTACTS} contacts (${connected.length} connected, ${waiting} waiting) in ${setupSeconds.toFixed(1)} s`);

// Measured: a connected contact ends (the agent picks the next waiting contact across their
// queues) and a new contact arrives (it looks for a free agent among its queue's members).
// Two clocks: the decision itself (the engine's two decision functions, trace and offer included)
// and the whole command around it (contact records, timers, events).
const decisionMs: number[] = [];
const commandMs: number[] = [];
let decisionNs = 0n;
let commandNs = 0n;
let measuring = false;
const internals = engine as unknown as Record<'routeContact' | 'routeAgent', (...args: unknown[]) => unknown>;
for (const name of ['routeContact', 'routeAgent'] as const) {
  const original = internals[name]!.bind(engine);
  internals[name] = (...args: unknown[]) => {
    if (!measuring) return original(...args);
    const before = decisions;
    const start = process.hrtime.bigint();
    const result = original(...args);
    const elapsed = process.hrtime.bigint() - start;
    if (decisions > before) {
      decisionMs.push(Number(elapsed) / 1e6);
      decisionNs += elapsed;
    }
    return result;
  };
}
let commandDecisions = 0;
const time = (action: () => void) => {
  const before = decisions;
  const start = process.hrtime.bigint();
  action();
  const elapsed = process.hrtime.bigint() - start;
  const made = decisions - before;
  if (made > 0) {
    for (let i = 0; i < made; i += 1) commandMs.push(Number(elapsed) / made / 1e6);
    commandDecisions += made;
    commandNs += elapsed;
  }
};
measuring = true;
for (let i = 0; i < OPERATIONS; i += 1) {
  clock.set(clock.now() + 50);
  const index = random.integer(connected.length);
  const contactId = connected[index]!;
  connected[index] = connected[connected.length - 1]!;
  connected.pop();
  time(() => engine.endContact(contactId));
  answer();
  time(newContact);
  answer();
}
measuring = false;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(4));
};
const result = {
  agents: AGENTS,
  queues: QUEUES,
  waiting_contacts: waiting,
  decisions: decisionMs.length,
  p50_ms: percentile(decisionMs, 50),
  p99_ms: percentile(decisionMs, 99),
  decisions_per_second: Math.round(decisionMs.length / (Number(decisionNs) / 1e9)),
  command_p50_ms: percentile(commandMs, 50),
  command_p99_ms: percentile(commandMs, 99),
  command_decisions_per_second: Math.round(commandDecisions / (Number(commandNs) / 1e9)),
  events_emitted: events,
  trace: TRACE,
};
console.log(`routing decisions: ${result.decisions} (traces ${TRACE ? 'on' : 'off'}), one core`);
console.log(`  decision itself:   p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, ${result.decisions_per_second} decisions/s`);
console.log(`  whole command:     p50 ${result.command_p50_ms} ms, p99 ${result.command_p99_ms} ms, ${result.command_decisions_per_second} decisions/s`);
console.log(JSON.stringify(result));

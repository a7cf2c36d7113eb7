import type { AcdEvent, AcdEventType } from '@cc/ingest';
import { AcdEngine, VirtualClock, type AgentConfig, type QueueConfig, type ServiceRoleConfig } from '../src/index.ts';

/** Monday 7 December 2026, 10:00 in Helsinki (08:00 UTC): inside office hours. */
export const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);

export function queueConfig(id: string, overrides: Partial<QueueConfig> = {}): QueueConfig {
  return {
    id,
    channels: ['voice', 'chat', 'email', 'feedback', 'callback', 'task'],
    strategy: 'longest-idle',
    serviceLevel: { thresholdSeconds: 20, targetPercent: 80 },
    wrapUpSeconds: 0,
    classificationRequired: false,
    priority: 50,
    offerTimeoutSeconds: 15,
    notReadyOnNoAnswer: true,
    ...overrides,
  };
}

type EventOf<T extends AcdEventType> = Extract<AcdEvent, { type: T }>;

/** A readable scenario on a virtual clock: build queues and agents, act, move time, read events. */
export function scenario() {
  const clock = new VirtualClock(T0);
  const events: AcdEvent[] = [];
  const engine = new AcdEngine({ clock, emit: (event) => events.push(event) });
  let mark = 0;

  const api = {
    engine,
    clock,
    events,
    /** Seconds since T0. */
    get seconds() {
      return (clock.now() - T0) / 1000;
    },
    queue(id: string, overrides: Partial<QueueConfig> = {}) {
      engine.upsertQueue(queueConfig(id, overrides));
      return api;
    },
    role(config: ServiceRoleConfig) {
      engine.upsertServiceRole(config);
      return api;
    },
    /** An agent in one service role made of these queues (priority 1 each unless given), signed in and available. */
    agent(id: string, queues: (string | [string, number])[], options: Partial<AgentConfig> & { available?: boolean } = {}) {
      const roleId = `role-${id}`;
      engine.upsertServiceRole({ id: roleId, memberships: queues.map((q) => (typeof q === 'string' ? { queueId: q, priority: 1 } : { queueId: q[0], priority: q[1] })) });
      engine.upsertAgent({ id, skills: {}, serviceRoleId: roleId, ...options });
      if (options.available !== false) engine.setAgentStatus(id, { status: 'available' });
      return api;
    },
    /** Moves the virtual clock to T0 + seconds, firing timers on the way. */
    at(seconds: number) {
      const time = T0 + seconds * 1000;
      engine.advanceTo(time);
      clock.set(time);
      return api;
    },
    after(seconds: number) {
      return api.at(api.seconds + seconds);
    },
    /** Forget events so far: the next reads see only what follows. */
    mark() {
      mark = events.length;
      return api;
    },
    since<T extends AcdEventType>(type: T): EventOf<T>[] {
      return events.slice(mark).filter((e): e is EventOf<T> => e.type === type);
    },
    all<T extends AcdEventType>(type: T): EventOf<T>[] {
      return events.filter((e): e is EventOf<T> => e.type === type);
    },
    /** Who each contact was offered to, in order, since the mark: "c1→a2". */
    offers(): string[] {
      return api.since('contact.offered').map((e) => `${e.contactId}→${e.agentId}`);
    },
    lastDecision(contactId?: string) {
      const decisions = events.filter((e): e is EventOf<'routing.decision'> => e.type === 'routing.decision' && (!contactId || e.contactId === contactId));
      return decisions.at(-1)!;
    },
    /** Offer and accept in one step (the agent answers at once). */
    answer(agentId: string, contactId: string) {
      engine.accept(agentId, contactId);
      return api;
    },
  };
  return api;
}

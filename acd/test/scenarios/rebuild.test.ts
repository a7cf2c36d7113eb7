import { describe, expect, it } from 'vitest';
import { AcdEngine, VirtualClock } from '../../src/index.ts';
import { queueConfig, scenario, T0 } from '../harness.ts';

/** A second engine, as after a restart, with the same queue and agents signed out. */
function restarted(at: number, queueOverrides = {}) {
  const clock = new VirtualClock(at);
  const events: { type: string; contactId?: string; agentId?: string }[] = [];
  const engine = new AcdEngine({ clock, emit: (e) => events.push(e as never) });
  engine.upsertQueue(queueConfig('q', queueOverrides));
  engine.upsertServiceRole({ id: 'r', memberships: [{ queueId: 'q', priority: 1 }] });
  for (const id of ['a1', 'a2']) engine.upsertAgent({ id, skills: {}, serviceRoleId: 'r' });
  // Registering agents is configuration; the rebuild's own events are what these tests read.
  events.length = 0;
  return { engine, clock, events };
}

describe('rebuild after a restart', () => {
  it('waiting contacts come back in their original order and emit no enqueue again', () => {
    const before = scenario().queue('q').agent('a1', ['q'], { available: false });
    before.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    before.at(3).engine.enqueue({ id: 'c2', channel: 'chat', queueId: 'q', priority: 5 });
    before.at(4).engine.enqueue({ id: 'c3', channel: 'chat', queueId: 'q' });
    expect(before.engine.line('q')).toEqual(['c2', 'c1', 'c3']);

    const after = restarted(T0 + 60_000);
    // Restored in whatever order the store returns them: the line is rebuilt from priority and enqueue time.
    after.engine.restoreContact({ id: 'c3', channel: 'chat', queueId: 'q', enqueuedAt: T0 + 4000, since: T0 + 4000, phase: 'waiting' });
    after.engine.restoreContact({ id: 'c1', channel: 'chat', queueId: 'q', enqueuedAt: T0, since: T0, phase: 'waiting' });
    after.engine.restoreContact({ id: 'c2', channel: 'chat', queueId: 'q', enqueuedAt: T0 + 3000, since: T0 + 3000, phase: 'waiting', priority: 5 });
    expect(after.engine.line('q')).toEqual(['c2', 'c1', 'c3']);
    expect(after.events.filter((e) => e.type === 'contact.enqueued')).toEqual([]);
    expect(after.engine.queueSnapshot('q')).toMatchObject({ waiting: 3, oldestWaitMs: 60_000 });

    // Routing resumes when an agent comes back: offers are new facts and are emitted.
    after.engine.setAgentStatus('a1', { status: 'available' });
    expect(after.events.filter((e) => e.type === 'contact.offered').map((e) => `${e.contactId}→${e.agentId}`)).toEqual(['c2→a1', 'c1→a1', 'c3→a1']);
  });

  it('a connected chat stays with its agent, holds capacity, and ends into wrap-up as before', () => {
    const after = restarted(T0 + 60_000, { wrapUpSeconds: 30, classificationRequired: true });
    after.engine.restoreAgent('a1', { status: 'available', reason: null, channelsEnabled: ['chat', 'voice'] });
    after.engine.restoreContact({ id: 'c1', channel: 'chat', queueId: 'q', enqueuedAt: T0, since: T0 + 10_000, phase: 'connected', agentId: 'a1' });
    expect(after.engine.agentView('a1')).toMatchObject({ status: 'available', state: 'busy', connected: ['c1'], channelsEnabled: ['chat', 'voice'] });
    expect(after.events.filter((e) => e.type.startsWith('agent.'))).toEqual([]);

    // The seed's conflict rule still holds for the restored chat: no voice offer while it lasts.
    after.engine.enqueue({ id: 'v1', channel: 'voice', queueId: 'q' });
    expect(after.events.filter((e) => e.type === 'contact.offered')).toEqual([]);
    after.engine.endContact('c1');
    expect(after.engine.agentView('a1')).toMatchObject({ state: 'wrap-up', wrapUps: ['c1'] });
    after.engine.completeWrapUp('a1', 'c1', 'order-status');
    expect(after.events.filter((e) => e.type === 'contact.offered').map((e) => `${e.contactId}→${e.agentId}`)).toEqual(['v1→a1']);
  });

  it('a wrap-up in progress is restored with its remaining timer', () => {
    const after = restarted(T0 + 20_000, { wrapUpSeconds: 30 });
    after.engine.restoreAgent('a1', { status: 'available', reason: null });
    after.engine.restoreContact({ id: 'c1', channel: 'chat', queueId: 'q', enqueuedAt: T0, since: T0 + 10_000, phase: 'wrap-up', agentId: 'a1' });
    expect(after.engine.agentView('a1').state).toBe('wrap-up');
    expect(after.engine.nextTimerAt()).toBe(T0 + 40_000);
    after.engine.advanceTo(T0 + 40_000);
    expect(after.events.map((e) => e.type)).toEqual(['contact.wrap_up_ended', 'contact.closed', 'agent.state_changed']);
  });

  it('a VIP still waiting for their account manager keeps the rest of the preferred-agent wait', () => {
    const after = restarted(T0 + 10_000);
    after.engine.restoreAgent('a1', { status: 'not-ready', reason: 'break' });
    after.engine.restoreAgent('a2', { status: 'available', reason: null });
    after.engine.restoreContact({ id: 'c1', channel: 'chat', queueId: 'q', since: T0, phase: 'waiting', preferredAgentId: 'a1', preferredAgentTimeoutSeconds: 30 });
    expect(after.events.filter((e) => e.type === 'contact.offered')).toEqual([]);
    after.engine.advanceTo(T0 + 30_000);
    after.clock.set(T0 + 30_000);
    expect(after.events.filter((e) => e.type === 'contact.offered').map((e) => e.agentId)).toEqual(['a2']);
  });
});

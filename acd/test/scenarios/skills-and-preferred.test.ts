import { describe, expect, it } from 'vitest';
import { scenario } from '../harness.ts';

describe('skills, relaxation and the preferred agent', () => {
  const swedish = [{ skillId: 'sv', minProficiency: 4 }];
  const relaxation = [{ afterSeconds: 30, minProficiency: 2 }, { afterSeconds: 90, anyMember: true }];

  it('relaxes skill requirements step by step as the contact waits', () => {
    const s = scenario().queue('q');
    s.agent('fluent', ['q'], { skills: { sv: 5 } }).agent('some', ['q'], { skills: { sv: 2 } }).agent('none', ['q']);
    s.engine.setAgentStatus('fluent', { status: 'not-ready', reason: 'break' });
    s.engine.setAgentStatus('some', { status: 'not-ready', reason: 'break' });
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q', requiredSkills: swedish, relaxation });
    expect(s.offers()).toEqual([]);
    const waiting = s.lastDecision('c1');
    expect(waiting.relaxationStep).toBe(-1);
    expect(waiting.candidates.find((c) => c.agentId === 'none')).toMatchObject({ eligible: false, reason: 'skill' });

    s.engine.setAgentStatus('some', { status: 'available' });
    expect(s.offers()).toEqual([]); // level 2 < 4
    s.at(29.999);
    expect(s.offers()).toEqual([]);
    s.engine.setAgentStatus('some', { status: 'not-ready', reason: 'break' });
    s.at(30);
    expect(s.lastDecision('c1')).toMatchObject({ trigger: 'relaxation-step', relaxationStep: 0, chosenAgentIds: [] });
    s.at(90);
    // Step 2: any member of the queue.
    expect(s.offers()).toEqual(['c1→none']);
    expect(s.lastDecision('c1')).toMatchObject({ trigger: 'relaxation-step', relaxationStep: 1 });
  });

  it('at step one a level-2 agent qualifies', () => {
    const s = scenario().queue('q');
    s.agent('some', ['q'], { skills: { sv: 2 } });
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q', requiredSkills: swedish, relaxation });
    expect(s.offers()).toEqual([]);
    s.at(30);
    expect(s.offers()).toEqual(['c1→some']);
  });

  it('a VIP goes first to their account manager, even with other agents idle, then to the queue after the timeout', () => {
    const s = scenario().queue('vip');
    s.agent('manager', []).agent('a1', ['vip']).agent('a2', ['vip']);
    s.engine.enqueue({ id: 'busy-call', channel: 'voice', queueId: 'vip', preferredAgentId: 'manager', preferredAgentTimeoutSeconds: 20 });
    // The manager (signed in, in no queue at all) takes it first.
    expect(s.offers()).toEqual(['busy-call→manager']);
    s.answer('manager', 'busy-call');

    s.mark().engine.enqueue({ id: 'vip-call', channel: 'voice', queueId: 'vip', preferredAgentId: 'manager', preferredAgentTimeoutSeconds: 20 });
    expect(s.offers()).toEqual([]);
    const decision = s.lastDecision('vip-call');
    expect(decision.candidates).toEqual([{ agentId: 'manager', contactId: 'vip-call', queueId: 'vip', eligible: false, reason: 'interrupt' }]);
    expect(decision.tieBreak).toMatch(/^preferred agent manager first/);
    s.at(19);
    expect(s.offers()).toEqual([]);
    s.at(20);
    expect(s.offers()).toEqual(['vip-call→a1']);
    expect(s.lastDecision('vip-call').trigger).toBe('preferred-timeout');
  });

  it('the preferred agent who frees up in time gets the VIP', () => {
    const s = scenario().queue('vip');
    s.agent('manager', ['vip']).agent('a1', ['vip']);
    s.engine.enqueue({ id: 'first', channel: 'voice', queueId: 'vip', preferredAgentId: 'manager', preferredAgentTimeoutSeconds: 30 });
    s.answer('manager', 'first');
    s.engine.enqueue({ id: 'vip', channel: 'voice', queueId: 'vip', preferredAgentId: 'manager', preferredAgentTimeoutSeconds: 30 });
    s.at(10).mark().engine.endContact('first');
    expect(s.offers()).toEqual(['vip→manager']);
  });

  it('a preferred agent who is signed out is not waited for', () => {
    const s = scenario().queue('vip');
    s.agent('manager', ['vip'], { available: false }).agent('a1', ['vip']);
    s.engine.enqueue({ id: 'vip', channel: 'voice', queueId: 'vip', preferredAgentId: 'manager', preferredAgentTimeoutSeconds: 60 });
    expect(s.offers()).toEqual(['vip→a1']);
  });
});

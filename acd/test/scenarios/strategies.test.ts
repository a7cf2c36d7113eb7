import { describe, expect, it } from 'vitest';
import { scenario } from '../harness.ts';

describe('strategies', () => {
  it('longest idle: the agent free longest gets the call; the trace says why', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']).at(10).agent('a2', ['q']).at(20).agent('a3', ['q']).at(30);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c1→a1']);
    expect(s.lastDecision('c1').tieBreak).toBe('idle 30.0 s > 20.0 s');
    s.answer('a1', 'c1');
    s.after(5).engine.endContact('c1'); // a1 is now the most recently active
    s.mark().engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c2→a2']);
  });

  it('round robin with memory: each contact goes to the next member after the last one offered', () => {
    const s = scenario().queue('q', { strategy: 'round-robin' });
    s.agent('a1', ['q']).agent('a2', ['q']).agent('a3', ['q']);
    for (const id of ['c1', 'c2', 'c3', 'c4']) {
      s.engine.enqueue({ id, channel: 'chat', queueId: 'q' });
    }
    // Chats: each agent has room for three, so rotation is the only thing deciding.
    expect(s.offers()).toEqual(['c1→a1', 'c2→a2', 'c3→a3', 'c4→a1']);
    expect(s.lastDecision('c4').tieBreak).toBe('next after a3 in rotation: a1');
  });

  it('sequential hunt: always from the top; a no-answer moves to the next in the set order', () => {
    const s = scenario().queue('q', { strategy: 'sequential', huntOrder: ['a3', 'a1', 'a2'], offerTimeoutSeconds: 10, notReadyOnNoAnswer: false });
    s.agent('a1', ['q']).agent('a2', ['q']).agent('a3', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c1→a3']);
    s.at(10);
    expect(s.offers()).toEqual(['c1→a3', 'c1→a1']);
    expect(s.since('contact.offer_timed_out').map((e) => e.agentId)).toEqual(['a3']);
    s.engine.reject('a1', 'c1');
    expect(s.offers()).toEqual(['c1→a3', 'c1→a1', 'c1→a2']);
    // The next contact starts from the top again.
    s.answer('a2', 'c1').mark().engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c2→a3']);
  });

  it('ring-all: every free agent rings; the first to accept wins and the others are withdrawn', () => {
    const s = scenario().queue('q', { strategy: 'ring-all' });
    s.agent('a1', ['q']).agent('a2', ['q']).agent('a3', ['q']).agent('busy', ['q']);
    s.engine.setAgentStatus('busy', { status: 'not-ready', reason: 'lunch' });
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c1→a1', 'c1→a2', 'c1→a3']);
    expect(s.since('contact.offered').every((e) => e.ringAll)).toBe(true);
    s.after(3).answer('a2', 'c1');
    expect(s.since('contact.offer_withdrawn').map((e) => [e.agentId, e.reason])).toEqual([
      ['a1', 'accepted-elsewhere'],
      ['a3', 'accepted-elsewhere'],
    ]);
    expect(s.engine.agentView('a1').state).toBe('idle');
    expect(s.engine.agentView('a2').state).toBe('busy');
    expect(() => s.engine.accept('a3', 'c1')).toThrow(/no offer/);
  });

  it('least occupied: the agent with the least load goes first', () => {
    const s = scenario().queue('q', { strategy: 'least-occupied' });
    s.agent('a1', ['q']).agent('a2', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    s.answer('a1', 'c1');
    s.engine.setAgentStatus('a1', { status: 'not-ready', reason: 'coaching' });
    s.engine.enqueue({ id: 'c2', channel: 'chat', queueId: 'q' });
    s.answer('a2', 'c2');
    s.engine.enqueue({ id: 'c3', channel: 'chat', queueId: 'q' });
    s.answer('a2', 'c3');
    s.engine.setAgentStatus('a1', { status: 'available' });
    s.mark().engine.enqueue({ id: 'c4', channel: 'email', queueId: 'q' });
    // a1: one chat (20/60); a2: two chats (40/60).
    expect(s.offers()).toEqual(['c4→a1']);
    expect(s.lastDecision('c4').tieBreak).toBe('load 33 % / busy 0 s today < 67 % / 0 s');
  });

  it('fewest contacts today: the agent who has handled the fewest goes first', () => {
    // a1 handles two calls while a2 is in a meeting.
    const s = scenario().queue('q', { strategy: 'fewest-contacts' });
    s.agent('a1', ['q']).at(1).agent('a2', ['q']);
    s.engine.setAgentStatus('a2', { status: 'not-ready', reason: 'meeting' });
    for (const id of ['c1', 'c2']) {
      s.engine.enqueue({ id, channel: 'voice', queueId: 'q' });
      s.answer('a1', id).after(60);
      s.engine.endContact(id);
    }
    s.engine.setAgentStatus('a2', { status: 'available' });
    s.after(60).mark().engine.enqueue({ id: 'c3', channel: 'voice', queueId: 'q' });
    // a1 has been idle longer (it finished c2 before a2 came back), yet a2 has fewer contacts today.
    expect(s.offers()).toEqual(['c3→a2']);
    expect(s.lastDecision('c3').tieBreak).toBe('0 contacts today < 2');
  });

  it('best skill match: the highest levels in the required skills win', () => {
    const s = scenario().queue('q', { strategy: 'best-skill' });
    s.agent('a1', ['q'], { skills: { fi: 3, billing: 5 } })
      .agent('a2', ['q'], { skills: { fi: 5, billing: 4 } })
      .agent('a3', ['q'], { skills: { fi: 5, billing: 2 } });
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q', requiredSkills: [{ skillId: 'fi', minProficiency: 3 }, { skillId: 'billing', minProficiency: 1 }] });
    expect(s.offers()).toEqual(['c1→a2']);
    expect(s.lastDecision('c1').tieBreak).toBe('skill sum 9 > 8');
  });
});

import { describe, expect, it } from 'vitest';
import { scenario } from '../harness.ts';

/** An agent whose console is gone for a moment (a reload) keeps their contacts but gets no new offers. */
describe('console away within the reconnect grace', () => {
  it('withdraws a pending offer to someone else at once, offers nothing new, and routes again on return', () => {
    const s = scenario().queue('q').agent('a1', ['q']).agent('a2', ['q'], { available: false });
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    expect(s.engine.contactView('c1').offeredTo).toEqual(['a1']);
    s.engine.setAgentStatus('a2', { status: 'available' });

    s.engine.setAway('a1', true);
    // The offer a1 cannot see goes to a2 now, not after the offer timeout; a1's status is untouched.
    expect(s.since('contact.offer_withdrawn').map((e) => [e.contactId, e.agentId, e.reason])).toEqual([['c1', 'a1', 'agent-unavailable']]);
    expect(s.engine.contactView('c1').offeredTo).toEqual(['a2']);
    expect(s.engine.agentView('a1')).toMatchObject({ status: 'available', away: true, freeFor: [] });
    expect(s.all('agent.status_changed').filter((e) => e.agentId === 'a1' && e.status !== 'available')).toEqual([]);

    s.engine.enqueue({ id: 'c2', channel: 'chat', queueId: 'q' });
    expect(s.engine.contactView('c2').offeredTo).toEqual(['a2']);
    s.engine.setAgentStatus('a2', { status: 'not-ready', reason: 'break' });
    s.engine.enqueue({ id: 'c3', channel: 'email', queueId: 'q' });
    expect(s.engine.contactView('c3').offeredTo).toEqual([]);
    expect(s.lastDecision('c3').candidates.find((c) => c.agentId === 'a1')).toMatchObject({ eligible: false, reason: 'console-away' });

    s.engine.setAway('a1', false);
    expect(s.engine.contactView('c3').offeredTo).toEqual(['a1']);
  });
});

import { describe, expect, it } from 'vitest';
import { scenario } from '../harness.ts';

describe('offers, no-answer and wrap-up', () => {
  it('no answer: the offer times out, goes to the next agent, and the silent agent goes not-ready', () => {
    const s = scenario().queue('q', { offerTimeoutSeconds: 12 });
    s.agent('a1', ['q']).at(5).agent('a2', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c1→a1']);
    s.at(16.999);
    expect(s.since('contact.offer_timed_out')).toEqual([]);
    s.at(17);
    const offered = s.since('contact.offered')[0]!;
    expect(s.since('contact.offer_timed_out').map((e) => [e.agentId, e.at - offered.at])).toEqual([['a1', 12_000]]);
    expect(s.offers()).toEqual(['c1→a1', 'c1→a2']);
    expect(s.engine.agentView('a1')).toMatchObject({ status: 'not-ready', notReadyReason: 'no-answer', state: 'idle' });
    expect(s.since('agent.status_changed').at(-1)).toMatchObject({ agentId: 'a1', status: 'not-ready', reason: 'no-answer' });
  });

  it('no answer without auto-not-ready: the agent stays available but is passed over for that contact', () => {
    const s = scenario().queue('q', { offerTimeoutSeconds: 10, notReadyOnNoAnswer: false });
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    s.at(10);
    expect(s.engine.agentView('a1').status).toBe('available');
    expect(s.lastDecision('c1').candidates).toEqual([{ agentId: 'a1', contactId: 'c1', queueId: 'q', eligible: false, reason: 'declined-before' }]);
    s.mark().engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual(['c2→a1']);
  });

  it('a rejected offer goes to the next agent at once; the rejecting agent stays available', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']).at(1).agent('a2', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    s.engine.reject('a1', 'c1');
    expect(s.offers()).toEqual(['c1→a1', 'c1→a2']);
    expect(s.engine.agentView('a1').status).toBe('available');
  });

  it('wrap-up blocks new offers until its timer ends', () => {
    const s = scenario().queue('q', { wrapUpSeconds: 30 });
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    s.answer('a1', 'c1').at(60);
    s.engine.endContact('c1');
    expect(s.engine.agentView('a1').state).toBe('wrap-up');
    s.engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    expect(s.lastDecision('c2').candidates[0]).toMatchObject({ reason: 'wrap-up' });
    s.mark().at(89.999);
    expect(s.offers()).toEqual([]);
    s.at(90);
    expect(s.since('contact.wrap_up_ended')).toMatchObject([{ contactId: 'c1', classification: null, reason: 'timer' }]);
    expect(s.since('contact.closed')).toMatchObject([{ contactId: 'c1', reason: 'handled', agentId: 'a1' }]);
    expect(s.offers()).toEqual(['c2→a1']);
  });

  it('classifying ends wrap-up early', () => {
    const s = scenario().queue('q', { wrapUpSeconds: 120 });
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    s.answer('a1', 'c1').at(30);
    s.engine.endContact('c1');
    s.engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    s.at(45).mark().engine.completeWrapUp('a1', 'c1', 'invoice');
    expect(s.since('contact.wrap_up_ended')).toMatchObject([{ classification: 'invoice', reason: 'classified' }]);
    expect(s.offers()).toEqual(['c2→a1']);
  });

  it('mandatory classification: wrap-up lasts until classified, and cannot end without a code', () => {
    const s = scenario().queue('q', { wrapUpSeconds: 20, classificationRequired: true });
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    s.answer('a1', 'c1').after(60);
    s.engine.endContact('c1');
    expect(s.since('contact.wrap_up_started')).toMatchObject([{ endsAt: null }]);
    s.after(3600);
    expect(s.engine.agentView('a1').state).toBe('wrap-up');
    expect(() => s.engine.completeWrapUp('a1', 'c1', null)).toThrow(expect.objectContaining({ code: 'CLASSIFICATION_REQUIRED' }));
    expect(s.engine.agentView('a1').state).toBe('wrap-up');
    s.engine.completeWrapUp('a1', 'c1', 'complaint');
    expect(s.engine.agentView('a1').state).toBe('idle');
  });

  it('a customer who hangs up while waiting or ringing is abandoned', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'ringing', channel: 'voice', queueId: 'q' });
    s.engine.enqueue({ id: 'waiting', channel: 'voice', queueId: 'q' });
    s.at(8).engine.endContact('waiting');
    s.engine.endContact('ringing');
    expect(s.since('contact.abandoned').map((e) => [e.contactId, e.waitedMs, e.wasOffered])).toEqual([
      ['waiting', 8000, false],
      ['ringing', 8000, true],
    ]);
    expect(s.since('contact.offer_withdrawn')).toMatchObject([{ agentId: 'a1', reason: 'contact-ended' }]);
    expect(s.engine.agentView('a1').state).toBe('idle');
  });
});

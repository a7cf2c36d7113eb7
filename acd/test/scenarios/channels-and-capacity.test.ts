import { describe, expect, it } from 'vitest';
import { scenario } from '../harness.ts';

describe("the seed's conflict rules and the capacity model", () => {
  it('an agent in a chat is not offered a call; offered it when the chat ends', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'chat', channel: 'chat', queueId: 'q' });
    s.answer('a1', 'chat');
    s.mark().engine.enqueue({ id: 'call', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual([]);
    expect(s.lastDecision('call').candidates).toEqual([{ agentId: 'a1', contactId: 'call', queueId: 'q', eligible: false, reason: 'interrupt' }]);
    expect(s.engine.agentView('a1').freeFor).not.toContain('voice');
    s.after(120).engine.endContact('chat');
    expect(s.offers()).toEqual(['call→a1']);
  });

  it('an agent on a call is neither offered nor shown as free for chat', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    expect(s.engine.agentView('a1').freeFor.sort()).toEqual(['callback', 'chat', 'email', 'feedback', 'task', 'voice']);
    s.engine.enqueue({ id: 'call', channel: 'voice', queueId: 'q' });
    expect(s.engine.agentView('a1').freeFor).toEqual([]); // ringing already holds the agent
    s.answer('a1', 'call');
    s.engine.enqueue({ id: 'chat', channel: 'chat', queueId: 'q' });
    expect(s.engine.agentView('a1')).toMatchObject({ state: 'busy', freeFor: [] });
    expect(s.engine.queueSnapshot('q').freeFor).toMatchObject({ chat: 0, voice: 0 });
    expect(s.engine.contactView('chat').phase).toBe('waiting');
  });

  it('several chats at once within capacity, and no more', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    for (const id of ['c1', 'c2', 'c3', 'c4']) s.engine.enqueue({ id, channel: 'chat', queueId: 'q' });
    expect(s.offers()).toEqual(['c1→a1', 'c2→a1', 'c3→a1']);
    expect(s.lastDecision('c4').candidates[0]).toMatchObject({ agentId: 'a1', reason: 'capacity' });
    s.answer('a1', 'c1').answer('a1', 'c2').answer('a1', 'c3');
    s.mark().engine.endContact('c2');
    expect(s.offers()).toEqual(['c4→a1']);
  });

  it('mixes chats and emails by weight against the total', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    for (const id of ['e1', 'e2']) s.engine.enqueue({ id, channel: 'email', queueId: 'q' }); // 12 + 12
    for (const id of ['c1', 'c2']) s.engine.enqueue({ id, channel: 'chat', queueId: 'q' }); // + 20 = 44, + 20 = 64 > 60
    expect(s.offers()).toEqual(['e1→a1', 'e2→a1', 'c1→a1']);
    expect(s.lastDecision('c2').candidates[0]).toMatchObject({ reason: 'capacity' });
    s.engine.enqueue({ id: 'e3', channel: 'email', queueId: 'q' }); // 44 + 12 = 56 ≤ 60
    expect(s.offers()).toEqual(['e1→a1', 'e2→a1', 'c1→a1', 'e3→a1']);
    expect(s.engine.agentView('a1').load).toEqual({ email: 3, chat: 1 });
  });

  it('a channel lock keeps an agent on one channel at a time', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q'], {
      capacity: {
        maxPerChannel: { voice: 1, callback: 1, chat: 4, email: 4, feedback: 4, task: 4 },
        weight: { voice: 1, callback: 1, chat: 1, email: 1, feedback: 1, task: 1 },
        total: 4,
        interrupts: {},
        channelLock: true,
      },
    });
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    s.engine.enqueue({ id: 'e1', channel: 'email', queueId: 'q' });
    s.engine.enqueue({ id: 'c2', channel: 'chat', queueId: 'q' });
    expect(s.offers()).toEqual(['c1→a1', 'c2→a1']);
    expect(s.lastDecision('e1').candidates[0]).toMatchObject({ reason: 'channel-lock' });
  });

  it('per-channel toggles: an agent who switched chat off is not offered chats', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    s.engine.setChannelEnabled('a1', 'chat', false);
    s.engine.enqueue({ id: 'c1', channel: 'chat', queueId: 'q' });
    expect(s.lastDecision('c1').candidates[0]).toMatchObject({ reason: 'channel-disabled' });
    s.engine.setChannelEnabled('a1', 'chat', true);
    expect(s.offers()).toEqual(['c1→a1']);
  });
});

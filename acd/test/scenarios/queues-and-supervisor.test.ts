import { describe, expect, it } from 'vitest';
import { scenario } from '../harness.ts';

const helsinkiOffice = {
  timeZone: 'Europe/Helsinki',
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '08:00', close: '18:00' })),
  holidays: [{ date: '2026-12-24', name: 'Jouluaatto' }, { date: '2026-12-31', name: 'Uudenvuodenaatto', open: '08:00', close: '14:00' }],
};

describe('queues: admission, order, position', () => {
  it('a full queue refuses the next contact, or overflows it to the target', () => {
    const s = scenario().queue('q', { maxQueueLength: 2 }).queue('backup');
    s.agent('b1', ['backup']);
    expect(s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' }).status).toBe('queued');
    expect(s.engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' }).position).toBe(2);
    expect(s.engine.enqueue({ id: 'c3', channel: 'voice', queueId: 'q' })).toMatchObject({ status: 'refused', reason: 'queue-full' });
    expect(s.all('contact.closed')).toMatchObject([{ contactId: 'c3', reason: 'queue-full' }]);
    expect(s.engine.enqueue({ id: 'c4', channel: 'voice', queueId: 'q', overflowQueueId: 'backup' })).toMatchObject({ status: 'overflowed', queueId: 'backup' });
    expect(s.all('contact.overflowed')).toMatchObject([{ contactId: 'c4', queueId: 'q', toQueueId: 'backup', reason: 'queue-full' }]);
    expect(s.offers()).toEqual(['c4→b1']);
  });

  it('business hours: closed outside hours and on holidays, shorter on New Year’s Eve', () => {
    const s = scenario().queue('q', { businessHours: helsinkiOffice });
    s.agent('a1', ['q']);
    const at = (iso: string, id: string) => {
      s.at((Date.parse(iso) - s.events[0]!.at) / 1000);
      return s.engine.enqueue({ id, channel: 'chat', queueId: 'q' });
    };
    expect(at('2026-12-07T08:00:00Z', 'monday-10').status).toBe('queued'); // 10:00 in Helsinki
    s.engine.endContact('monday-10');
    expect(at('2026-12-07T16:00:00Z', 'monday-18')).toMatchObject({ status: 'refused', reason: 'closed-hours' }); // 18:00
    expect(at('2026-12-12T10:00:00Z', 'saturday')).toMatchObject({ status: 'refused', reason: 'closed-hours' });
    expect(at('2026-12-24T09:00:00Z', 'christmas-eve')).toMatchObject({ status: 'refused', reason: 'closed-hours' });
    expect(at('2026-12-31T11:59:00Z', 'nye-13-59').status).toBe('queued');
    s.engine.endContact('nye-13-59');
    expect(at('2026-12-31T12:00:00Z', 'nye-14-00')).toMatchObject({ status: 'refused', reason: 'closed-hours' });
  });

  it('business hours turn conversations away but let in what is answered later: e-mail, feedback, tasks, callbacks', () => {
    const s = scenario().queue('q', { businessHours: helsinkiOffice });
    s.agent('a1', ['q'], { available: false });
    s.at((Date.parse('2026-12-12T10:00:00Z') - s.events[0]!.at) / 1000); // Saturday: closed
    expect(s.engine.enqueue({ id: 'chat', channel: 'chat', queueId: 'q' })).toMatchObject({ status: 'refused', reason: 'closed-hours' });
    expect(s.engine.enqueue({ id: 'voice', channel: 'voice', queueId: 'q' })).toMatchObject({ status: 'refused', reason: 'closed-hours' });
    for (const channel of ['email', 'feedback', 'task', 'callback'] as const) expect(s.engine.enqueue({ id: channel, channel, queueId: 'q' }).status).toBe('queued');
    expect(s.engine.line('q')).toEqual(['email', 'feedback', 'task', 'callback']);
  });

  it('a callback keeps the enqueue time of the contact it replaces, so it keeps its place in line', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'busy', channel: 'voice', queueId: 'q' });
    s.answer('a1', 'busy');
    s.engine.enqueue({ id: 'call-1', channel: 'voice', queueId: 'q' }); // t=0
    s.at(60).engine.enqueue({ id: 'call-2', channel: 'voice', queueId: 'q' });
    s.at(120).engine.enqueue({ id: 'call-3', channel: 'voice', queueId: 'q' });
    // call-1 hangs up and asks for a callback: it keeps t=0.
    s.at(150).engine.endContact('call-1');
    const result = s.engine.enqueue({ id: 'callback-1', channel: 'callback', queueId: 'q', enqueuedAt: s.events[0]!.at });
    expect(result.position).toBe(1);
    expect(s.engine.line('q')).toEqual(['callback-1', 'call-2', 'call-3']);
    s.mark().engine.endContact('busy');
    expect(s.offers()).toEqual(['callback-1→a1']);
  });

  it('across shared queues: priority first, then the agent’s membership priority, then queue priority, then the oldest', () => {
    const s = scenario().queue('sales', { priority: 50 }).queue('support', { priority: 50 }).queue('vip', { priority: 90 });
    s.agent('a1', [['sales', 1], ['support', 2], ['vip', 2]], { available: false });
    s.engine.enqueue({ id: 'support-old', channel: 'voice', queueId: 'support' });
    s.at(10).engine.enqueue({ id: 'vip-new', channel: 'voice', queueId: 'vip' });
    s.at(20).engine.enqueue({ id: 'sales-newest', channel: 'voice', queueId: 'sales' });
    s.at(30).engine.enqueue({ id: 'support-urgent', channel: 'voice', queueId: 'support', priority: 5 });
    const order: string[] = [];
    s.engine.setAgentStatus('a1', { status: 'available' });
    for (let i = 0; i < 4; i += 1) {
      const offered = s.since('contact.offered').at(-1)!.contactId;
      order.push(offered);
      s.mark().answer('a1', offered).after(1);
      s.engine.endContact(offered);
    }
    // priority 5 > membership 1 (sales) > queue priority 90 (vip) > oldest (support).
    expect(order).toEqual(['support-urgent', 'sales-newest', 'vip-new', 'support-old']);
  });

  it('a cross-queue delay lets another queue’s contacts of the same rank go first', () => {
    const s = scenario().queue('email', { crossQueueDelaySeconds: 600 }).queue('chat');
    s.agent('a1', ['email', 'chat'], { available: false });
    s.engine.enqueue({ id: 'mail', channel: 'email', queueId: 'email' });
    s.at(300).engine.enqueue({ id: 'chat', channel: 'chat', queueId: 'chat' });
    s.engine.setAgentStatus('a1', { status: 'available' });
    expect(s.offers()).toEqual(['chat→a1', 'mail→a1']);
  });

  it('an agent who disconnects gets their contacts re-queued at the original position', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q']);
    s.engine.enqueue({ id: 'first', channel: 'chat', queueId: 'q' }); // t=0
    s.answer('a1', 'first');
    s.engine.setAgentStatus('a1', { status: 'not-ready', reason: 'x' });
    s.at(30).engine.enqueue({ id: 'second', channel: 'chat', queueId: 'q' });
    s.at(60).engine.disconnectAgent('a1');
    expect(s.since('contact.requeued')).toMatchObject([{ contactId: 'first', fromAgentId: 'a1', reason: 'agent-disconnected' }]);
    expect(s.engine.line('q')).toEqual(['first', 'second']);
    expect(s.engine.agentView('a1')).toMatchObject({ status: 'offline', state: 'offline', connected: [] });
    s.agent('a2', ['q']);
    expect(s.since('contact.offered').map((e) => `${e.contactId}→${e.agentId}`)).toEqual(['first→a1', 'first→a2', 'second→a2']);
  });

  it('max wait overflows to the target queue keeping the original enqueue time', () => {
    const s = scenario().queue('q').queue('overflow');
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q', maxWaitSeconds: 120, overflowQueueId: 'overflow' });
    s.engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q', maxWaitSeconds: 120 });
    s.at(30).engine.enqueue({ id: 'local', channel: 'voice', queueId: 'overflow' });
    s.at(120);
    expect(s.all('contact.overflowed')).toMatchObject([{ contactId: 'c1', toQueueId: 'overflow', reason: 'max-wait' }]);
    expect(s.all('contact.closed')).toMatchObject([{ contactId: 'c2', reason: 'max-wait' }]);
    expect(s.engine.line('overflow')).toEqual(['c1', 'local']);
  });
});

describe('supervisor operations take effect on the next decision', () => {
  it('changes an agent’s status', () => {
    const s = scenario().queue('q');
    s.agent('a1', ['q'], { available: false });
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    expect(s.lastDecision('c1').candidates[0]).toMatchObject({ reason: 'offline' });
    s.engine.setAgentStatus('a1', { status: 'available' });
    expect(s.offers()).toEqual(['c1→a1']);
  });

  it('assigns a service role', () => {
    const s = scenario().queue('sales').queue('support');
    s.role({ id: 'sales-role', memberships: [{ queueId: 'sales', priority: 1 }] });
    s.agent('a1', ['support']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'sales' });
    expect(s.offers()).toEqual([]);
    s.engine.setServiceRole('a1', 'sales-role');
    expect(s.all('agent.memberships_changed').at(-1)).toMatchObject({ agentId: 'a1', serviceRoleId: 'sales-role', queueIds: ['sales'], by: 'service-role' });
    expect(s.offers()).toEqual(['c1→a1']);
  });

  it('adds and removes an agent to and from a queue', () => {
    const s = scenario().queue('q').queue('other');
    s.agent('a1', ['other']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    expect(s.lastDecision('c1').candidates).toEqual([]);
    s.engine.addToQueue('a1', 'q');
    expect(s.offers()).toEqual(['c1→a1']);
    s.answer('a1', 'c1').engine.removeFromQueue('a1', 'q');
    s.engine.endContact('c1');
    s.mark().engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    expect(s.offers()).toEqual([]);
    expect(s.engine.agentView('a1').memberships).toEqual({ other: 1 });
  });

  it('raises a waiting contact’s priority to the front of the line', () => {
    const s = scenario().queue('q');
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    s.engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'q' });
    s.engine.enqueue({ id: 'c3', channel: 'voice', queueId: 'q' });
    s.engine.setContactPriority('c3', 10);
    expect(s.engine.line('q')).toEqual(['c3', 'c1', 'c2']);
    s.agent('a1', ['q']);
    expect(s.offers()).toEqual(['c3→a1']);
  });

  it('transfers a connected call to another queue and to a named agent first', () => {
    const s = scenario().queue('q').queue('billing');
    s.agent('a1', ['q']).agent('b1', ['billing']).agent('b2', ['billing']);
    s.engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'q' });
    s.answer('a1', 'c1').after(30);
    s.mark().engine.transfer('c1', { queueId: 'billing', agentId: 'b2' });
    expect(s.since('contact.transferred')).toMatchObject([{ fromAgentId: 'a1', toQueueId: 'billing', toAgentId: 'b2' }]);
    expect(s.offers()).toEqual(['c1→b2']);
    expect(s.engine.agentView('a1').state).toBe('idle');
  });
});

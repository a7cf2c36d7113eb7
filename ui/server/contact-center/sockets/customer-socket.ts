import type { WebSocket } from '@fastify/websocket';
import type { Kysely } from 'kysely';
import type { AcdEvent } from '@cc/ingest';
import { AppError } from '../../errors.ts';
import type { Database } from '../../stores/oltp/schema.ts';
import { contactErrors } from '../contact-errors.ts';
import { resolveCustomer, routingAttributes, type CustomerResolution } from '../customers.ts';
import type { LiveAcd } from '../live-acd.ts';
import type { LiveOrganisation, Logger, Notice } from '../live-organisation.ts';
import { parseCustomerMessage } from '../protocol.ts';
import { newResumeToken, resumeHash } from '../resume-token.ts';
import { SocketSession } from './socket-session.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** How long after its end a conversation can still be resumed (to rate it, or ask for the transcript). */
const RESUMABLE_AFTER_END_MS = 30 * 60_000;

/** Whether anyone could serve this queue now: an agent in it who is signed in (available or not ready). */
export function staffed(org: LiveOrganisation, queueId: string): boolean {
  return org.engine.isStaffed(queueId);
}

export interface CustomerSocketDeps {
  live: LiveAcd;
  db: Kysely<Database>;
  log: Logger;
  now: () => number;
  starts: RateLimiter;
  ip: string;
  /** Whether calls through the browser run on this server (the SFU started). */
  voiceEnabled: () => boolean;
}

/**
 * The customer's side of one conversation (the widget). Anonymous; the socket binds to one contact
 * through `start` (a new chat) or `resume` (the resume token the widget kept), so a reload or a
 * network change continues the same chat.
 */
export function customerSocket(socket: WebSocket, deps: CustomerSocketDeps): void {
  const session = new SocketSession(socket, deps.log);
  let org: LiveOrganisation | null = null;
  let contactId: string | null = null;
  let queueId: string | null = null;
  let unsubscribe = () => {};
  let lastQueueStatus = '';
  let ended = false;
  const endOnce = (by: 'agent' | 'customer' | 'system', reason?: string) => {
    if (ended) return;
    ended = true;
    session.send({ type: 'ended', by, ...(reason ? { reason } : {}) });
  };

  const sendQueueStatus = () => {
    if (!org || !contactId) return;
    const contact = org.engine.inspect().contacts.get(contactId);
    if (!contact || (contact.phase !== 'waiting' && contact.phase !== 'offered')) return;
    const position = contact.phase === 'waiting' ? org.engine.contactView(contactId).position : 1;
    const estimate = org.engine.estimatedWaitSeconds(contact.queueId, position);
    const status = { type: 'queue', position, estimatedWaitSeconds: Number.isFinite(estimate) ? estimate : -1 };
    const key = JSON.stringify(status);
    if (key === lastQueueStatus) return;
    lastQueueStatus = key;
    session.send(status);
  };

  const onEvent = (event: AcdEvent) => {
    if (event.type === 'routing.decision' || !('contactId' in event)) return;
    if (event.contactId !== contactId) {
      // Someone ahead moved: our place in line may have changed.
      if ('queueId' in event && event.queueId === queueId) sendQueueStatus();
      return;
    }
    switch (event.type) {
      case 'contact.connected':
        // Out of the line: the queue's comings and goings no longer concern this customer.
        unsubscribeQueue();
        unsubscribeQueue = () => {};
        queueId = null;
        session.send({ type: 'agent', name: firstName(org!.config.agentInfo.get(event.agentId)?.displayName ?? '') });
        break;
      case 'contact.transferred':
      case 'contact.requeued':
        followQueue(event.type === 'contact.transferred' ? event.toQueueId : event.queueId);
        lastQueueStatus = '';
        session.send({ type: 'waiting', reason: event.type === 'contact.requeued' ? 'agent-disconnected' : 'transferred' });
        sendQueueStatus();
        break;
      case 'contact.offered':
        // An agent's console is ringing (a call shows "ringing"; a chat just waits on).
        sendQueueStatus();
        session.send({ type: 'ringing' });
        break;
      case 'contact.held':
        session.send({ type: 'hold', on: true });
        break;
      case 'contact.resumed':
        session.send({ type: 'hold', on: false });
        break;
      case 'contact.wrap_up_started':
        endOnce('agent');
        break;
      case 'contact.closed':
        endOnce(event.reason === 'handled' ? 'agent' : event.reason === 'abandoned' ? 'customer' : 'system', event.reason);
        break;
      default:
        // Priority changed, offer ended, …: the place in line may differ now.
        sendQueueStatus();
        break;
    }
  };

  const onNotice = (notice: Notice) => {
    if (notice.kind === 'acd') for (const event of notice.events) onEvent(event);
    else if (notice.kind === 'message' && notice.message.contactId === contactId) session.send({ type: 'message', message: publicMessage(notice.message) });
    else if (notice.kind === 'typing' && notice.contactId === contactId && notice.from === 'agent') session.send({ type: 'typing' });
    else if (notice.kind === 'config') sendQueueStatus();
  };
  let unsubscribeQueue = () => {};
  /** Follows the queue the contact waits in (for its place in line); a transfer moves it. */
  const followQueue = (queue: string) => {
    if (queue === queueId && org) return;
    unsubscribeQueue();
    queueId = queue;
    unsubscribeQueue = org!.subscribeTo('queue', queue, onNotice);
  };
  const bind = (o: LiveOrganisation, id: string, queue: string) => {
    org = o;
    contactId = id;
    const offContact = o.subscribeTo('contact', id, onNotice);
    queueId = null;
    followQueue(queue);
    o.attachCustomer(id);
    unsubscribe = () => {
      offContact();
      unsubscribeQueue();
      o.detachCustomer(id);
    };
  };
  socket.on('close', () => unsubscribe());

  /** While this widget stays open, an agent may ring the callback it asked for; it hears when that call is over. */
  const followedCallbacks: (() => void)[] = [];
  const followCallback = (o: LiveOrganisation, id: string) => {
    const off = o.subscribeTo('contact', id, (notice) => {
      if (notice.kind === 'ring') session.send({ type: 'incoming-call', contactId: id });
      else if (notice.kind === 'acd' && notice.events.some((e) => 'contactId' in e && e.contactId === id && (e.type === 'contact.wrap_up_started' || e.type === 'contact.closed'))) {
        session.send({ type: 'call-ended', contactId: id });
      }
    });
    followedCallbacks.push(off);
  };
  socket.on('close', () => {
    for (const stop of followedCallbacks.splice(0)) stop();
  });

  const bound = () => {
    if (!org || !contactId) throw contactErrors.resumeInvalid('Start or resume a conversation first');
    return { org, contactId };
  };

  socket.on('message', (data: Buffer) => {
    const parsed = parseCustomerMessage(data.toString('utf8'));
    if (!parsed.ok) return session.refuse(parsed.error);
    const m = parsed.message;
    session.run(m.ref, async () => {
      switch (m.type) {
        case 'start': {
          if (contactId) throw contactErrors.alreadyStarted();
          const o = deps.live.byQueue(m.queueId);
          const channel = m.channel ?? 'chat';
          if (channel === 'voice' && !deps.voiceEnabled()) throw new AppError('VOICE_UNAVAILABLE', 503, 'Calls through the browser are not available right now');
          if (!deps.starts.take(deps.ip)) throw contactErrors.tooManyContacts();
          if (!staffed(o, m.queueId)) {
            // "A chat nobody answers is shouting into the wind": say so, and offer a callback or feedback instead.
            session.send({ type: 'unavailable', reason: 'nobody-staffed' });
            return;
          }
          let customer: CustomerResolution = { customerId: null, name: m.name?.trim() || '', segment: null, preferredAgentId: null, language: m.language ?? null };
          if (m.token) customer = await resolveCustomer(deps.db, o, m.token, deps.now(), deps.log, customer);
          else if (m.email) customer = await resolveCustomer(deps.db, o, null, deps.now(), deps.log, { ...customer, email: m.email });
          const resumeToken = newResumeToken();
          const { contactId: id, result } = await o.startContact({
            channel,
            queueId: m.queueId,
            customerId: customer.customerId,
            customerName: customer.name,
            customerLanguage: customer.language ?? m.language ?? 'fi',
            subject: (m.text ?? '').slice(0, 120),
            attributes: routingAttributes(customer),
            priority: customer.segment === 'vip' ? 10 : 0,
            preferredAgentId: customer.preferredAgentId,
            resumeHash: resumeHash(resumeToken),
            firstMessage: m.text,
          });
          if (result.status === 'refused') {
            session.send({ type: 'unavailable', reason: result.reason === 'closed-hours' ? 'closed' : 'queue-full' });
            return;
          }
          bind(o, id, result.queueId);
          session.send({ type: 'started', contactId: id, resumeToken, channel });
          if (m.text) session.send({ type: 'messages', messages: (await o.messages(id)).map(publicMessage) });
          sendQueueStatus();
          // Offered in the same instant it was queued: the console already rings.
          if (o.phaseOf(id) === 'offered') session.send({ type: 'ringing' });
          onConnectedAlready(o, id);
          return;
        }
        case 'resume': {
          if (contactId) throw contactErrors.alreadyStarted();
          const row = await deps.db
            .selectFrom('contacts')
            .select(['id', 'org_id', 'queue_id', 'status', 'closed_at', 'rating', 'agent_user_id', 'channel'])
            .where('resume_hash', '=', resumeHash(m.resumeToken))
            .executeTakeFirst();
          if (!row || (row.status === 'closed' && deps.now() - Number(row.closed_at) > RESUMABLE_AFTER_END_MS)) throw contactErrors.resumeInvalid();
          const o = deps.live.org(row.org_id);
          bind(o, row.id, row.queue_id);
          const phase = o.phaseOf(row.id);
          ended = phase === 'closed' || phase === 'wrap-up';
          const agentName = row.agent_user_id ? firstName(o.config.agentInfo.get(row.agent_user_id)?.displayName ?? '') : null;
          session.send({ type: 'resumed', contactId: row.id, channel: row.channel, phase: phase === 'closed' || phase === 'wrap-up' ? 'ended' : phase, agentName, rated: row.rating !== null });
          session.send({ type: 'messages', messages: (await o.messages(row.id)).map(publicMessage) });
          sendQueueStatus();
          return;
        }
        case 'send': {
          const b = bound();
          const phase = b.org.phaseOf(b.contactId);
          if (phase === 'closed' || phase === 'wrap-up') throw contactErrors.notEnded('The conversation has ended');
          await b.org.postMessage(b.contactId, 'customer', null, m.text);
          return;
        }
        case 'typing': {
          const b = bound();
          b.org.typing(b.contactId, 'customer');
          return;
        }
        case 'leave': {
          const b = bound();
          const phase = b.org.phaseOf(b.contactId);
          if (phase === 'closed' || phase === 'wrap-up') return;
          await b.org.apply(() => b.org.engine.endContact(b.contactId));
          endOnce('customer');
          return;
        }
        case 'rate': {
          const b = bound();
          const survey = m.kind ?? 'csat';
          await b.org.rate(b.contactId, m.score, survey);
          session.send({ type: 'rated', score: m.score, survey });
          return;
        }
        case 'request': {
          // A callback or feedback instead of a chat nobody would answer: stored now, routed by the callbacks and feedback workflow.
          const o = deps.live.byQueue(m.queueId);
          if (!m.phone && !m.email && m.kind === 'callback') throw new AppError('VALIDATION_FAILED', 400, 'A callback needs a phone number or an e-mail address', 'phone');
          if (!m.text?.trim() && m.kind === 'feedback') throw new AppError('VALIDATION_FAILED', 400, 'Feedback needs a text', 'text');
          if (!deps.starts.take(deps.ip)) throw contactErrors.tooManyContacts();
          if (m.kind === 'callback' && o.config.queueInfo.get(m.queueId)?.channels.includes('callback')) {
            // A callback is a contact of the queue: in line from now (at any hour), offered to an agent with room for a call.
            const customer = await resolveCustomer(deps.db, o, m.token ?? null, deps.now(), deps.log, {
              customerId: null,
              name: m.name?.trim() || m.phone || m.email || '',
              segment: null,
              preferredAgentId: null,
              language: null,
              ...(m.email ? { email: m.email } : {}),
              ...(m.phone ? { phone: m.phone } : {}),
            });
            const attributes: Record<string, string> = routingAttributes(customer);
            if (m.phone) attributes.phone = m.phone;
            if (m.email) attributes.email = m.email;
            if (m.preferredTime) attributes.preferredTime = m.preferredTime;
            // A token for the browser call back, should the customer still be on the page when an agent calls.
            const callToken = newResumeToken();
            const { contactId: id, result } = await o.startContact({
              channel: 'callback',
              queueId: m.queueId,
              customerId: customer.customerId,
              customerName: customer.name,
              customerLanguage: customer.language ?? 'fi',
              subject: (m.text ?? '').slice(0, 120),
              attributes,
              priority: customer.segment === 'vip' ? 10 : 0,
              preferredAgentId: customer.preferredAgentId,
              resumeHash: resumeHash(callToken),
              ...(m.text ? { firstMessage: m.text } : {}),
            });
            followCallback(o, id);
            session.send({ type: 'requested', kind: m.kind, contactId: id, position: result.position, callToken });
            return;
          }
          if (m.kind === 'feedback') {
            if (!m.text?.trim()) throw new AppError('VALIDATION_FAILED', 400, 'Feedback needs a text', 'text');
            const customer = await resolveCustomer(deps.db, o, m.token ?? null, deps.now(), deps.log, {
              customerId: null,
              name: m.name?.trim() || m.email || '',
              segment: null,
              preferredAgentId: null,
              language: null,
              ...(m.email ? { email: m.email } : {}),
            });
            const { contactId: id } = await o.startFeedback({
              topic: m.topic ?? 'other',
              text: m.text.trim(),
              customerId: customer.customerId,
              customerName: customer.name,
              customerLanguage: customer.language ?? 'fi',
              email: m.email ?? null,
              segment: customer.segment,
            });
            session.send({ type: 'requested', kind: m.kind, contactId: id });
            return;
          }
          // A callback to a queue that takes none is kept as a request.
          const id = await o.recordRequest({ kind: m.kind, queueId: m.queueId, name: m.name ?? '', phone: m.phone ?? null, email: m.email ?? null, text: m.text ?? '', preferredTime: m.preferredTime ?? null });
          session.send({ type: 'requested', kind: m.kind, contactId: id });
          return;
        }
        case 'transcript': {
          const b = bound();
          session.send({ type: 'transcript', status: await b.org.requestTranscript(b.contactId, m.email) });
          return;
        }
      }
    });
  });

  // An agent may have taken the chat in the same instant it was queued.
  function onConnectedAlready(o: LiveOrganisation, id: string) {
    const contact = o.engine.inspect().contacts.get(id);
    if (contact?.phase === 'connected' && contact.agentId) session.send({ type: 'agent', name: firstName(o.config.agentInfo.get(contact.agentId)?.displayName ?? '') });
  }
}

/** What the customer sees of a message: no internal sender ids. */
function publicMessage(m: { id: string; seq: number; at: number; from: string; text: string }) {
  return { id: m.id, seq: m.seq, at: m.at, from: m.from, text: m.text };
}

/** Customers see the agent's first name only. */
function firstName(displayName: string): string {
  return displayName.split(/\s+/)[0] ?? '';
}

import type { WebSocket } from '@fastify/websocket';
import type { AcdEvent } from '@cc/ingest';
import { AppError } from '../../errors.ts';
import { contactErrors } from '../contact-errors.ts';
import type { EmailChannel } from '../email/email-channel.ts';
import type { LiveOrganisation, Logger, Notice } from '../live-organisation.ts';
import { NOT_READY_REASONS, parseAgentMessage } from '../protocol.ts';
import { agentState } from '../views.ts';
import { SocketSession } from './socket-session.ts';

const involves = (event: AcdEvent, agentId: string, mine: Set<string>) => {
  const e = event as { agentId?: string | null; fromAgentId?: string | null; toAgentId?: string | null; contactId?: string | null; chosenAgentIds?: string[] };
  if (event.type === 'routing.decision') return false;
  return e.agentId === agentId || e.fromAgentId === agentId || e.toAgentId === agentId || (e.contactId != null && mine.has(e.contactId));
};

/**
 * An agent's console connection: one per open console (several tabs are fine). The first message
 * out is the whole state with every open chat's messages, so a reload resumes where it was.
 */
export function agentSocket(socket: WebSocket, org: LiveOrganisation, agentId: string, log: Logger, email: EmailChannel): void {
  const session = new SocketSession(socket, log);
  if (!org.config.agentInfo.has(agentId)) {
    session.fail(contactErrors.notAnAgent(), undefined);
    socket.close(4403, 'not an agent');
    return;
  }
  org.attachAgent(agentId);

  /** Contacts this console shows (offered, connected, in wrap-up): which events and messages concern it. */
  let mine = new Set<string>();
  const withMessages = new Set<string>();
  let stateQueued = false;

  const pushState = () => {
    if (!session.open || !org.engine.inspect().agents.has(agentId)) return;
    const state = agentState(org, agentId);
    mine = new Set([...state.offers.map((o) => o.contactId), ...state.contacts.map((c) => c.contactId)]);
    session.send({ type: 'state', ...state, notReadyReasons: NOT_READY_REASONS, at: Date.now() });
    // A contact newly in the console brings its conversation so far.
    for (const contact of state.contacts) {
      if (withMessages.has(contact.contactId)) continue;
      withMessages.add(contact.contactId);
      void org.messages(contact.contactId).then(
        (messages) => session.send({ type: 'messages', contactId: contact.contactId, messages }),
        (error: unknown) => session.fail(error, undefined),
      );
    }
    for (const id of withMessages) if (!state.contacts.some((c) => c.contactId === id)) withMessages.delete(id);
  };
  const scheduleState = () => {
    if (stateQueued) return;
    stateQueued = true;
    queueMicrotask(() => {
      stateQueued = false;
      pushState();
    });
  };

  const unsubscribe = org.subscribeTo('agent', agentId, (notice: Notice) => {
    switch (notice.kind) {
      case 'acd':
        if (notice.events.some((e) => involves(e, agentId, mine))) scheduleState();
        break;
      case 'message':
        if (withMessages.has(notice.message.contactId)) session.send({ type: 'message', message: notice.message });
        break;
      case 'typing':
        if (notice.from === 'customer' && withMessages.has(notice.contactId)) session.send({ type: 'typing', contactId: notice.contactId });
        break;
      case 'presence':
        if (notice.agentId === agentId) scheduleState();
        break;
      case 'config':
        scheduleState();
        break;
      case 'rated':
        if (mine.has(notice.contactId)) session.send({ type: 'rated', contactId: notice.contactId, score: notice.score, survey: notice.survey });
        break;
    }
  });
  socket.on('close', () => {
    unsubscribe();
    org.detachAgent(agentId);
  });

  /** The contact must be with this agent (connected, or in wrap-up for wrap-up commands). */
  const ownContact = (contactId: string, phases: string[]) => {
    const contact = org.engine.inspect().contacts.get(contactId);
    if (!contact) throw contactErrors.unknownContact();
    if (contact.agentId !== agentId) throw contactErrors.notYourContact();
    if (!phases.includes(contact.phase)) throw new AppError('CONTACT_NOT_ACTIVE', 409, `The contact is ${contact.phase}`);
    return contact;
  };

  socket.on('message', (data: Buffer) => {
    const parsed = parseAgentMessage(data.toString('utf8'));
    if (!parsed.ok) return session.refuse(parsed.error);
    const m = parsed.message;
    session.run(m.ref, async () => {
      switch (m.type) {
        case 'hello':
          return pushState();
        case 'set-status':
          return org.setStatus(agentId, m);
        case 'set-channel':
          return org.setChannel(agentId, m.channel, m.enabled);
        case 'accept':
          return org.apply(() => org.engine.accept(agentId, m.contactId));
        case 'reject':
          return org.apply(() => org.engine.reject(agentId, m.contactId));
        case 'send': {
          const contact = ownContact(m.contactId, ['connected', 'held']);
          // An e-mail's answer goes out by mail, in its thread; a chat's straight to the customer.
          if (contact.channel === 'email' || contact.channel === 'feedback') return email.reply(org.orgId, m.contactId, agentId, { text: m.text, cc: m.cc, attachments: m.attachments });
          if (m.attachments) throw new AppError('VALIDATION_FAILED', 400, 'Only an e-mail has attachments', 'attachments');
          if (m.cc) throw new AppError('VALIDATION_FAILED', 400, 'Only an e-mail has copies', 'cc');
          return org.postMessage(m.contactId, 'agent', agentId, m.text);
        }
        case 'typing':
          ownContact(m.contactId, ['connected', 'held']);
          return org.typing(m.contactId, 'agent');
        case 'end':
          ownContact(m.contactId, ['connected', 'held']);
          return org.apply(() => org.engine.endContact(m.contactId));
        case 'wrap-up': {
          const contact = ownContact(m.contactId, ['wrap-up']);
          const choices = org.config.queueInfo.get(contact.queueId)?.classifications ?? [];
          const chosen = m.classificationId === null ? null : choices.find((c) => c.id === m.classificationId);
          if (chosen === undefined) throw new AppError('UNKNOWN_CLASSIFICATION', 400, 'That classification is not one of this queue', 'classificationId');
          // Kept by id in the store (the event carries the code, which reports group by), before the
          // contact closes, so what is written back about the closed contact names it.
          if (chosen) await org.recordClassification(m.contactId, chosen.id);
          await org.apply(() => org.engine.completeWrapUp(agentId, m.contactId, chosen?.code ?? null));
          return;
        }
        case 'callback-outcome': {
          const contact = ownContact(m.contactId, ['connected', 'held']);
          if (contact.channel !== 'callback') throw new AppError('NOT_A_CALLBACK', 409, 'Only a callback has an outcome', 'contactId');
          return org.callbackOutcome(m.contactId, agentId, m.outcome);
        }
        case 'hold':
        case 'resume': {
          const contact = ownContact(m.contactId, m.type === 'hold' ? ['connected'] : ['held']);
          if (contact.channel !== 'voice') throw new AppError('NOT_A_CALL', 409, 'Only a call is put on hold', 'contactId');
          return org.apply(() => (m.type === 'hold' ? org.engine.hold(m.contactId) : org.engine.resume(m.contactId)));
        }
        case 'ring': {
          // A callback whose customer is still on the page: their widget rings, and the call goes through the SFU.
          const contact = ownContact(m.contactId, ['connected']);
          if (contact.channel !== 'callback') throw new AppError('NOT_A_CALLBACK', 409, 'Only a callback is called back in the browser', 'contactId');
          if (!org.ringCallback(m.contactId)) throw new AppError('CUSTOMER_NOT_ONLINE', 409, 'The customer’s page is no longer open: call the number instead', 'contactId');
          return;
        }
        case 'transfer': {
          ownContact(m.contactId, ['connected', 'held']);
          // To a colleague: offered to them first (for the engine's preferred-agent time), then to the queue.
          if (m.agentId !== undefined && (m.agentId === agentId || !org.config.agentInfo.has(m.agentId))) {
            throw new AppError('UNKNOWN_AGENT', 404, 'No such colleague to transfer to', 'agentId');
          }
          return org.apply(() => org.engine.transfer(m.contactId, { queueId: m.queueId, ...(m.agentId ? { agentId: m.agentId } : {}) }));
        }
      }
    });
  });
  pushState();
}

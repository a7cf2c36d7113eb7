import type { WebSocket } from '@fastify/websocket';
import type { Kysely } from 'kysely';
import { MediaError, type ConsumerInfo, type MediasoupTypes, type SupervisorMode } from '@cc/media';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AuthContext } from '../auth/session-store.ts';
import { AppError } from '../errors.ts';
import type { LiveAcd } from '../contact-center/live-acd.ts';
import type { Logger } from '../contact-center/live-organisation.ts';
import { compile, id, message } from '../contact-center/protocol.ts';
import { resumeHash } from '../contact-center/resume-token.ts';
import { Reply, SocketSession } from '../contact-center/sockets/socket-session.ts';
import type { Database } from '../stores/oltp/schema.ts';
import type { CallBridge, MediaPeer } from './call-bridge.ts';

/** mediasoup checks these in depth; here only their outer shape and size (the frame is at most 64 KB). */
const mediaObject = { type: 'object', maxProperties: 20 };
const MODES = ['listen', 'whisper', 'barge'] as const;
/** Contacts that have a call: a voice contact, and a callback the agent rings in the customer's browser. */
const CALL_CHANNELS = new Set(['voice', 'callback']);

/** The media signalling protocol (version 1), the same for customers, agents and supervisors. */
const schemas = {
  hello: message('hello'),
  join: message('join', { contactId: id, resumeToken: { type: 'string', minLength: 20, maxLength: 100 }, mode: { enum: MODES }, rtpCapabilities: mediaObject }, ['rtpCapabilities']),
  'connect-transport': message('connect-transport', { transportId: id, dtlsParameters: mediaObject }, ['transportId', 'dtlsParameters']),
  produce: message('produce', { transportId: id, rtpParameters: mediaObject }, ['transportId', 'rtpParameters']),
  'consumer-ready': message('consumer-ready', { consumerId: id }, ['consumerId']),
  mute: message('mute', { muted: { type: 'boolean' } }, ['muted']),
  mode: message('mode', { mode: { enum: MODES } }, ['mode']),
  recording: message('recording', { paused: { type: 'boolean' } }, ['paused']),
  leave: message('leave'),
};

type Command = { ref?: string } & (
  | { type: 'hello' | 'leave' }
  | { type: 'join'; contactId?: string; resumeToken?: string; mode?: SupervisorMode; rtpCapabilities: MediasoupTypes.RtpCapabilities }
  | { type: 'connect-transport'; transportId: string; dtlsParameters: MediasoupTypes.DtlsParameters }
  | { type: 'produce'; transportId: string; rtpParameters: MediasoupTypes.RtpParameters }
  | { type: 'consumer-ready'; consumerId: string }
  | { type: 'mute'; muted: boolean }
  | { type: 'mode'; mode: SupervisorMode }
  | { type: 'recording'; paused: boolean }
);

const parse = compile<Command>(schemas);

export type MediaCaller = { kind: 'staff'; auth: AuthContext; ip: string } | { kind: 'customer'; ip: string };

export interface MediaSocketDeps {
  live: LiveAcd;
  db: Kysely<Database>;
  bridge(orgId: string): CallBridge;
  /** The SFU's capabilities, or null when voice is off. */
  rtpCapabilities(): MediasoupTypes.RtpCapabilities | null;
  voiceOffReason(): string;
  audit: AuditLog;
  log: Logger;
}

/** Media's coded errors as the API's (the socket session and the HTTP error handler send their code and message). */
export function mediaToApp(error: unknown): unknown {
  return error instanceof MediaError ? new AppError(error.code, error.status, error.message) : error;
}

/**
 * One participant's media signalling: `hello` (the router's capabilities), `join` (a customer with
 * their resume token; an agent with their own contact; a supervisor with a live call and a mode),
 * then the transports, the microphone and the streams. A socket that closes without `leave` is a
 * participant gone (their browser died): the call carries on without them.
 */
export function mediaSocket(socket: WebSocket, caller: MediaCaller, deps: MediaSocketDeps): void {
  const session = new SocketSession(socket, deps.log);
  let joined: { orgId: string; contactId: string; participantId: string; role: 'customer' | 'agent' | 'supervisor' } | null = null;
  let left = false;

  const peer: MediaPeer = {
    consume: (info: ConsumerInfo) => session.send({ type: 'consume', ...info }),
    consumerClosed: (consumerId: string) => session.send({ type: 'consumer-closed', consumerId }),
    ended: (reason: string) => {
      left = true;
      session.send({ type: 'ended', reason });
      socket.close(1000, reason);
    },
    recording: (state) => session.send({ type: 'recording', ...state }),
  };

  const inCall = () => {
    if (!joined) throw new AppError('NOT_IN_CALL', 409, 'Join the call first');
    return { ...joined, bridge: deps.bridge(joined.orgId) };
  };

  socket.on('close', () => {
    if (joined && !left) void deps.bridge(joined.orgId).leave(joined.contactId, joined.participantId, 'lost');
  });

  socket.on('message', (data: Buffer) => {
    const parsed = parse(data.toString('utf8'));
    if (!parsed.ok) return session.refuse(parsed.error);
    const m = parsed.message;
    session.run(m.ref, async () => {
      try {
        return await handle(m);
      } catch (error) {
        throw mediaToApp(error);
      }
    });
  });

  async function handle(m: Command): Promise<unknown> {
    switch (m.type) {
      case 'hello': {
        // Every router has the same codecs: the browser loads its Device with them before joining.
        const rtpCapabilities = deps.rtpCapabilities();
        if (!rtpCapabilities) throw new AppError('VOICE_UNAVAILABLE', 503, `Voice is off on this server: ${deps.voiceOffReason()}`);
        return new Reply({ rtpCapabilities });
      }
      case 'join':
        if (joined) throw new AppError('ALREADY_IN_CALL', 409, 'This socket is in a call already');
        return join(m);
      case 'connect-transport': {
        const c = inCall();
        await c.bridge.entry(c.contactId).call.connect(c.participantId, m.transportId, m.dtlsParameters);
        return;
      }
      case 'produce': {
        const c = inCall();
        const producerId = await c.bridge.entry(c.contactId).call.produce(c.participantId, m.transportId, m.rtpParameters);
        return new Reply({ producerId });
      }
      case 'consumer-ready': {
        const c = inCall();
        await c.bridge.entry(c.contactId).call.consumerReady(c.participantId, m.consumerId);
        return;
      }
      case 'mute': {
        const c = inCall();
        await c.bridge.setMuted(c.contactId, c.participantId, m.muted);
        return;
      }
      case 'mode': {
        const c = inCall();
        if (c.role !== 'supervisor' || caller.kind !== 'staff') throw new AppError('FORBIDDEN', 403, 'Only a supervisor listening in changes mode');
        await c.bridge.setMode(c.contactId, c.participantId, m.mode);
        await deps.audit.record({ orgId: caller.auth.orgId, actorUserId: caller.auth.userId, actorUsername: caller.auth.username, action: 'call.monitor_mode', targetType: 'contact', targetId: c.contactId, ip: caller.ip, details: { mode: m.mode } });
        return;
      }
      case 'recording': {
        const c = inCall();
        if (c.role !== 'agent') throw new AppError('FORBIDDEN', 403, 'The agent on the call pauses its recording');
        return new Reply(await c.bridge.setRecordingPaused(c.contactId, m.paused));
      }
      case 'leave': {
        if (!joined) return;
        left = true;
        await deps.bridge(joined.orgId).leave(joined.contactId, joined.participantId, 'left');
        return;
      }
    }
  }

  async function join(m: Extract<Command, { type: 'join' }>): Promise<Reply> {
    if (caller.kind === 'customer') {
      if (!m.resumeToken) throw new AppError('VALIDATION_FAILED', 400, 'A customer joins with the resume token of their call', 'resumeToken');
      const row = await deps.db.selectFrom('contacts').select(['id', 'org_id', 'channel']).where('resume_hash', '=', resumeHash(m.resumeToken)).executeTakeFirst();
      if (!row || !CALL_CHANNELS.has(row.channel)) throw new AppError('RESUME_INVALID', 404, 'No call goes with this token');
      // A callback's customer joins once an agent has it (and rings), not while it waits in line.
      if (row.channel === 'callback' && !['connected', 'held'].includes(deps.live.org(row.org_id).phaseOf(row.id))) throw new AppError('CALL_NOT_READY', 409, 'Nobody is calling you yet');
      const answer = await deps.bridge(row.org_id).join(row.id, { id: 'customer', role: 'customer' }, m.rtpCapabilities, peer);
      joined = { orgId: row.org_id, contactId: row.id, participantId: 'customer', role: 'customer' };
      return new Reply({ contactId: row.id, ...answer });
    }
    const auth = caller.auth;
    if (!m.contactId) throw new AppError('VALIDATION_FAILED', 400, 'Name the call (contactId)', 'contactId');
    const org = deps.live.org(auth.orgId);
    const contact = org.engine.inspect().contacts.get(m.contactId);
    if (!contact || !CALL_CHANNELS.has(contact.channel)) throw new AppError('UNKNOWN_CONTACT', 404, 'No such call');
    const isAgent = auth.roles.includes('agent') && contact.agentId === auth.userId && (contact.phase === 'connected' || contact.phase === 'held');
    if (isAgent && m.mode === undefined) {
      const participantId = `agent:${auth.userId}`;
      const answer = await deps.bridge(auth.orgId).join(m.contactId, { id: participantId, role: 'agent' }, m.rtpCapabilities, peer);
      joined = { orgId: auth.orgId, contactId: m.contactId, participantId, role: 'agent' };
      return new Reply({ contactId: m.contactId, ...answer });
    }
    if (!auth.roles.includes('supervisor')) throw new AppError('NOT_YOUR_CONTACT', 403, 'This call is not yours');
    const mode = m.mode ?? 'listen';
    const participantId = `supervisor:${auth.userId}`;
    const answer = await deps.bridge(auth.orgId).join(m.contactId, { id: participantId, role: 'supervisor', mode }, m.rtpCapabilities, peer);
    joined = { orgId: auth.orgId, contactId: m.contactId, participantId, role: 'supervisor' };
    // Listening in is access to a customer's conversation: always in the audit log.
    await deps.audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'call.monitor_started', targetType: 'contact', targetId: m.contactId, ip: caller.ip, details: { mode } });
    return new Reply({ contactId: m.contactId, ...answer });
  }
}

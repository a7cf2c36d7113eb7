import type { WebSocket } from '@fastify/websocket';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AuthContext } from '../../auth/session-store.ts';
import type { LiveOrganisation, Logger } from '../live-organisation.ts';
import { parseSupervisorMessage } from '../protocol.ts';
import { supervisorView } from '../views.ts';
import { SocketSession } from './socket-session.ts';

/** Pushes at most this often while things change, and at least this often while nothing does. */
const MIN_GAP_MS = 200;
const IDLE_PUSH_MS = 5000;

/**
 * A supervisor's live view: the engine's own state (tiles, agents, waiting contacts), pushed within
 * a fraction of a second of each change; and the supervisor's actions, each audited.
 */
export function supervisorSocket(socket: WebSocket, org: LiveOrganisation, auth: AuthContext, deps: { audit: AuditLog; log: Logger; now: () => number; ip: string }): void {
  const session = new SocketSession(socket, deps.log);
  let timer: NodeJS.Timeout | null = null;
  let lastPush = 0;
  const push = () => {
    timer = null;
    lastPush = deps.now();
    session.send(supervisorView(org, lastPush));
  };
  const soon = () => {
    if (timer) return;
    timer = setTimeout(push, Math.max(0, MIN_GAP_MS - (deps.now() - lastPush)));
  };
  const unsubscribe = org.subscribe((notice) => {
    if (notice.kind === 'acd' || notice.kind === 'presence' || notice.kind === 'config') soon();
  });
  const idle = setInterval(() => {
    if (deps.now() - lastPush >= IDLE_PUSH_MS) soon();
  }, IDLE_PUSH_MS);
  socket.on('close', () => {
    unsubscribe();
    clearInterval(idle);
    if (timer) clearTimeout(timer);
  });

  const audit = (action: string, targetType: string, targetId: string, details: Record<string, unknown>) =>
    deps.audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action, targetType, targetId, ip: deps.ip, details });

  socket.on('message', (data: Buffer) => {
    const parsed = parseSupervisorMessage(data.toString('utf8'));
    if (!parsed.ok) return session.refuse(parsed.error);
    const m = parsed.message;
    session.run(m.ref, async () => {
      switch (m.type) {
        case 'hello':
          return push();
        case 'set-agent-status': {
          const input = m.status === 'not-ready' ? { status: m.status, reason: m.reason } : { status: m.status };
          await org.setStatus(m.agentId, input);
          return audit('agent.status_set_by_supervisor', 'user', m.agentId, input);
        }
        case 'move-agent':
          await org.apply(() => (m.action === 'add' ? org.engine.addToQueue(m.agentId, m.queueId) : org.engine.removeFromQueue(m.agentId, m.queueId)));
          return audit(m.action === 'add' ? 'agent.added_to_queue' : 'agent.removed_from_queue', 'user', m.agentId, { queueId: m.queueId });
        case 'set-priority':
          await org.apply(() => org.engine.setContactPriority(m.contactId, m.priority));
          return audit('contact.priority_set', 'contact', m.contactId, { priority: m.priority });
      }
    });
  });
  push();
}

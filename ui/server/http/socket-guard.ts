import type { WebSocket } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { Role } from '../access.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { SESSION_COOKIE } from './access-control.ts';

/**
 * A socket outlives the request that opened it: re-check its session every `intervalMs`, and close
 * it (code 4401) once the session has ended (sign-out, expiry, deactivation) or lost the role.
 */
export function guardSocketSession(socket: WebSocket, request: FastifyRequest, sessions: SessionStore, roles: readonly Role[], intervalMs: number): void {
  const token = request.cookies[SESSION_COOKIE];
  const timer = setInterval(() => {
    (token ? sessions.resolve(token) : Promise.resolve(null)).then(
      (auth) => {
        if (!auth || !roles.some((role) => auth.roles.includes(role))) socket.close(4401, 'session ended');
      },
      (error: unknown) => request.log.error({ err: error }, 'could not re-check a socket session'),
    );
  }, intervalMs);
  timer.unref();
  socket.on('close', () => clearInterval(timer));
}

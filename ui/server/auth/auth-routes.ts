import '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { landingFor, PAGE_AREAS, publicRoute, signedIn } from '../access.ts';
import { errors } from '../errors.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Database } from '../stores/oltp/schema.ts';
import { SESSION_COOKIE } from '../http/access-control.ts';
import { decoyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword, type PasswordCost } from './passwords.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import type { AuthContext, SessionStore } from './session-store.ts';

export interface AuthRoutesOptions {
  db: Kysely<Database>;
  sessions: SessionStore;
  audit: AuditLog;
  limiter: SignInLimiter;
  passwordCost: PasswordCost;
  sessionMaxMs: number;
}

const signInBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: 1000 },
  },
} as const;

const passwordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: 1000 },
    newPassword: { type: 'string', minLength: 1, maxLength: 1000 },
  },
} as const;

/** What the web app needs to know about the caller. */
export function describeSession(auth: AuthContext) {
  return {
    user: {
      id: auth.userId,
      username: auth.username,
      displayName: auth.displayName,
      language: auth.language,
      roles: auth.roles,
    },
    csrfToken: auth.csrfToken,
    landing: landingFor(auth.roles),
    areas: PAGE_AREAS.filter((area) => area.roles.some((r) => auth.roles.includes(r))).map((area) => area.prefix),
  };
}

export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { db, sessions, audit, limiter } = options;
  const decoy = decoyHash(options.passwordCost);

  const setSessionCookie = (request: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      maxAge: Math.floor(options.sessionMaxMs / 1000),
    });

  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/sign-in',
    { config: { access: publicRoute }, schema: { body: signInBody } },
    async (request, reply) => {
      const username = request.body.username.trim().toLowerCase();
      const wait = limiter.retryAfterSeconds(request.ip, username);
      if (wait > 0) {
        await audit.record({ orgId: null, actorUserId: null, actorUsername: username, action: 'auth.sign_in_rate_limited', ip: request.ip });
        reply.header('retry-after', String(wait));
        throw errors.signInRateLimited(`Too many sign-in attempts; try again in ${wait} s`, undefined, { retryAfterSeconds: wait });
      }
      limiter.recordAttempt(request.ip);
      const user = await db
        .selectFrom('users')
        .select(['id', 'org_id', 'password_hash', 'active'])
        .where('username', '=', username)
        .executeTakeFirst();
      // Verify against a decoy when the user is unknown, so response time does not reveal usernames.
      const valid = await verifyPassword(request.body.password, user?.password_hash ?? (await decoy));
      if (!user || !valid || !user.active) {
        limiter.recordFailure(username);
        await audit.record({
          orgId: user?.org_id ?? null,
          actorUserId: user?.id ?? null,
          actorUsername: username,
          action: 'auth.sign_in_failed',
          ip: request.ip,
          details: { reason: !user ? 'unknown-user' : !valid ? 'wrong-password' : 'inactive' },
        });
        throw errors.invalidCredentials();
      }
      limiter.recordSuccess(username);
      const { token } = await sessions.create(user.id, request.ip, request.headers['user-agent'] ?? null);
      const auth = await sessions.resolve(token);
      if (!auth) throw new Error('a session just created did not resolve');
      await audit.record({ orgId: user.org_id, actorUserId: user.id, actorUsername: username, action: 'auth.sign_in', ip: request.ip });
      setSessionCookie(request, reply, token);
      return describeSession(auth);
    },
  );

  app.post('/api/auth/sign-out', { config: { access: signedIn } }, async (request, reply) => {
    const auth = request.auth!;
    await sessions.destroy(auth.sessionId);
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'auth.sign_out', ip: request.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });

  app.get('/api/auth/session', { config: { access: signedIn } }, async (request) => describeSession(request.auth!));

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/auth/password',
    { config: { access: signedIn }, schema: { body: passwordBody } },
    async (request) => {
      const auth = request.auth!;
      const user = await db.selectFrom('users').select('password_hash').where('id', '=', auth.userId).executeTakeFirstOrThrow();
      if (!(await verifyPassword(request.body.currentPassword, user.password_hash))) {
        throw errors.invalidCredentials('The current password is wrong', 'currentPassword');
      }
      if (request.body.newPassword.length < MIN_PASSWORD_LENGTH) throw errors.passwordTooWeak(undefined, 'newPassword');
      const hash = await hashPassword(request.body.newPassword, options.passwordCost);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', auth.userId).execute();
        await audit.record(
          { orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'auth.password_changed', targetType: 'user', targetId: auth.userId, ip: request.ip },
          trx,
        );
      });
      // Other sessions may belong to whoever learnt the old password.
      await sessions.destroyAllFor(auth.userId, auth.sessionId);
      return { changed: true };
    },
  );
}


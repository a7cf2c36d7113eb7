import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../stores/oltp/schema.ts';
import { ROLES, type Role } from '../access.ts';

/** Who is calling, resolved from the session cookie on every request. */
export interface AuthContext {
  sessionId: string;
  userId: string;
  orgId: string;
  username: string;
  displayName: string;
  language: string;
  roles: Role[];
  csrfToken: string;
}

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

// Only a hash of the token is stored, so a leaked database row cannot be replayed as a cookie.
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: SessionPolicy,
    private readonly now: () => number,
  ) {}

  /** Starts a session; returns the cookie value (never stored) and the CSRF token. */
  async create(userId: string, ip: string | null, userAgent: string | null): Promise<{ token: string; csrfToken: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.now();
    await this.db
      .insertInto('sessions')
      .values({
        id: hashToken(token),
        user_id: userId,
        csrf_token: csrfToken,
        created_at: now,
        last_seen_at: now,
        expires_at: now + this.policy.maxMs,
        ip,
        user_agent: userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    return { token, csrfToken };
  }

  /** The caller behind a cookie, or null when the session is unknown, idle too long, expired or the user inactive. */
  async resolve(token: string): Promise<AuthContext | null> {
    const id = hashToken(token);
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as session_id',
        'sessions.csrf_token',
        'sessions.last_seen_at',
        'sessions.expires_at',
        'users.id as user_id',
        'users.org_id',
        'users.username',
        'users.display_name',
        'users.language',
        'users.active',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    if (!row.active || row.expires_at <= now || row.last_seen_at + this.policy.idleMs <= now) {
      await this.db.deleteFrom('sessions').where('id', '=', id).execute();
      return null;
    }
    // Sliding idle timeout, written at most once a minute to spare the store.
    if (now - row.last_seen_at > 60_000) {
      await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
    }
    const roles = await this.db.selectFrom('user_roles').select('role').where('user_id', '=', row.user_id).execute();
    return {
      sessionId: id,
      userId: row.user_id,
      orgId: row.org_id,
      username: row.username,
      displayName: row.display_name,
      language: row.language,
      roles: roles.map((r) => r.role).filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
      csrfToken: row.csrf_token,
    };
  }

  async destroy(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  /** Signs a user out everywhere (deactivation, password change, role change). */
  async destroyAllFor(userId: string, keepSessionId?: string): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    await query.execute();
  }
}

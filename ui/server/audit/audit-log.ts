import type { Kysely } from 'kysely';
import { createUuidV7Generator } from '@cc/ingest';
import type { Database } from '../stores/oltp/schema.ts';

export interface AuditEntry {
  orgId: string | null;
  actorUserId: string | null;
  actorUsername: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'details'>> {
  id: string;
  at: number;
  details: Record<string, unknown>;
}

const SECRET_KEY = /pass|secret|token|hash/i;

/** Drops anything that looks like a secret, so the audit log can be shown to admins as it is. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_KEY.test(key))
        .map(([key, v]) => [key, withoutSecrets(v)]),
    );
  }
  return value;
}

type Executor = Pick<Kysely<Database>, 'insertInto'>;

/** The security-relevant actions: sign-ins, failed sign-ins, user, role and configuration changes. */
export class AuditLog {
  // Time-ordered ids: entries of one millisecond still list in the order they happened.
  private readonly nextId: () => string;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.nextId = createUuidV7Generator(now);
  }

  /** Records an entry; pass the transaction so the entry commits (or not) with the change it describes. */
  async record(entry: AuditEntry, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('audit_log')
      .values({
        id: this.nextId(),
        org_id: entry.orgId,
        at: this.now(),
        actor_user_id: entry.actorUserId,
        actor_username: entry.actorUsername,
        action: entry.action,
        target_type: entry.targetType ?? null,
        target_id: entry.targetId ?? null,
        ip: entry.ip ?? null,
        details: JSON.stringify(withoutSecrets(entry.details ?? {})),
      })
      .execute();
  }

  async list(orgId: string, options: { limit: number; before?: number; action?: string }): Promise<AuditRecord[]> {
    let query = this.db
      .selectFrom('audit_log')
      .selectAll()
      .where((eb) => eb.or([eb('org_id', '=', orgId), eb('org_id', 'is', null)]))
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit);
    if (options.before !== undefined) query = query.where('at', '<', options.before);
    if (options.action) query = query.where('action', '=', options.action);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      orgId: row.org_id,
      actorUserId: row.actor_user_id,
      actorUsername: row.actor_username,
      action: row.action,
      targetType: row.target_type ?? '',
      targetId: row.target_id ?? '',
      ip: row.ip,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
  }
}

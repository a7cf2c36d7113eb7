import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../stores/oltp/schema.ts';
import type { AuthContext } from './session-store.ts';

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** API keys for other systems: made by an admin, shown once, stored as a hash, revocable. */
export class ApiKeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(orgId: string, name: string, createdBy: string): Promise<{ id: string; key: string; prefix: string }> {
    const key = `cc_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const prefix = key.slice(0, 10);
    await this.db.insertInto('api_keys').values({ id, org_id: orgId, name, key_hash: hashKey(key), prefix, created_by: createdBy, created_at: this.now(), last_used_at: null, revoked_at: null }).execute();
    return { id, key, prefix };
  }

  list(orgId: string) {
    return this.db.selectFrom('api_keys').select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at']).where('org_id', '=', orgId).orderBy('created_at').execute();
  }

  async revoke(orgId: string, id: string): Promise<boolean> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: this.now() }).where('org_id', '=', orgId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The caller behind a key: the organisation, named as the key, with no role of a person. */
  async resolve(key: string): Promise<AuthContext | null> {
    const row = await this.db.selectFrom('api_keys').select(['id', 'org_id', 'name', 'revoked_at']).where('key_hash', '=', hashKey(key)).executeTakeFirst();
    if (!row || row.revoked_at !== null) return null;
    await this.db.updateTable('api_keys').set({ last_used_at: this.now() }).where('id', '=', row.id).execute();
    return { sessionId: '', userId: `api-key:${row.id}`, orgId: row.org_id, username: `api:${row.name}`, displayName: row.name, language: 'en', roles: [], csrfToken: '' };
  }
}

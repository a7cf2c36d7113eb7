import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { constraintViolation, type OltpStore } from '../../server/stores/oltp/oltp-store.ts';
import { testDatabases } from '../support/databases.ts';

describe.each(testDatabases())('OLTP store on $name', (database) => {
  let store: OltpStore;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ store, drop } = await database.create());
  });
  afterAll(async () => drop());

  it('runs the numbered migrations once, forward only', async () => {
    expect(await store.migrate()).toEqual(['0001_spine', '0002_contacts', '0003_email_callbacks', '0004_api_keys', '0005_feedback', '0006_integrations', '0007_voice']);
    expect(await store.migrate()).toEqual([]);
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_spine', '0002_contacts', '0003_email_callbacks', '0004_api_keys', '0005_feedback', '0006_integrations', '0007_voice']);
  });

  it('reports its dialect and health', async () => {
    expect(await store.health()).toEqual({ status: 'ok', dialect: database.name });
  });

  it('round-trips epoch-millisecond times past 2^31 as numbers, and 0/1 flags', async () => {
    const at = Date.UTC(2026, 11, 3, 12, 0, 0, 123);
    await store.db.insertInto('organisations').values({ id: 'org-1', name: 'Testi Oy', time_zone: 'Europe/Helsinki', default_language: 'fi', created_at: at }).execute();
    await store.db
      .insertInto('users')
      .values({ id: 'u-1', org_id: 'org-1', username: 'tester', display_name: 'T', email: null, password_hash: 'x', language: 'fi', active: 1, active_service_role_id: null, created_at: at, updated_at: at })
      .execute();
    const row = await store.db.selectFrom('users').select(['created_at', 'active']).where('id', '=', 'u-1').executeTakeFirstOrThrow();
    expect(row.created_at).toBe(at);
    expect(typeof row.created_at).toBe('number');
    expect(row.active).toBe(1);
  });

  it('enforces unique keys and foreign keys the same way on both dialects', async () => {
    const duplicate = await store.db
      .insertInto('users')
      .values({ id: 'u-2', org_id: 'org-1', username: 'tester', display_name: 'T2', email: null, password_hash: 'x', language: 'fi', active: 1, active_service_role_id: null, created_at: 1, updated_at: 1 })
      .execute()
      .catch((e: unknown) => e);
    expect(constraintViolation(duplicate)).toBe('unique');

    const dangling = await store.db.insertInto('user_skills').values({ user_id: 'u-1', skill_id: 'no-such-skill', proficiency: 3 }).execute().catch((e: unknown) => e);
    expect(constraintViolation(dangling)).toBe('foreign-key');
    const count = await store.db.selectFrom('user_skills').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('rolls a failed transaction back whole', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('skills').values({ id: 's-1', org_id: 'org-1', name: 'Suomi', description: '', created_at: 1, updated_at: 1 }).execute();
        await trx.insertInto('skills').values({ id: 's-2', org_id: 'org-1', name: 'Suomi', description: '', created_at: 1, updated_at: 1 }).execute();
      }),
    ).rejects.toThrow();
    expect(await store.db.selectFrom('skills').selectAll().execute()).toEqual([]);
  });

  it('closes idempotently and then reports itself unhealthy', async () => {
    const { store: other, drop: dropOther } = await database.create();
    await other.close();
    await other.close();
    expect((await other.health()).status).toBe('error');
    await dropOther();
  });
});

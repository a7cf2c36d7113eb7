import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { appliedClickHouseMigrations, createAnalyticsStore, migrateClickHouse, type ClickHouseMigration } from '../src/index.ts';

const dataDir = path.join(os.tmpdir(), `cc-chdb-${process.pid}`);
const store = createAnalyticsStore({ kind: 'chdb', dataDir, database: 'migration_test' });

const first: ClickHouseMigration = {
  version: 1,
  name: 'contact_events',
  statements: (db) => [
    `CREATE TABLE ${db}.contact_events (org_id String, at DateTime64(3, 'UTC'), event_id UUID, type LowCardinality(String))
     ENGINE = MergeTree PARTITION BY toYYYYMM(at) ORDER BY (org_id, toDate(at), event_id)`,
  ],
};
const second: ClickHouseMigration = {
  version: 2,
  name: 'add_queue',
  statements: (db) => [`ALTER TABLE ${db}.contact_events ADD COLUMN queue_id String DEFAULT ''`],
};

afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ClickHouse migrations (chdb)', () => {
  it('answers the health query with its version', async () => {
    const health = await store.health();
    expect(health.status).toBe('ok');
    expect(health.engine).toBe('chdb');
    expect(health.version).toMatch(/^\d+\.\d+/);
  });

  it('applies migrations in order, once, and records them', async () => {
    expect(await migrateClickHouse(store, [first])).toEqual([1]);
    expect(await migrateClickHouse(store, [first, second])).toEqual([2]);
    expect(await migrateClickHouse(store, [first, second])).toEqual([]);
    expect((await appliedClickHouseMigrations(store)).map((m) => [m.version, m.name])).toEqual([
      [1, 'contact_events'],
      [2, 'add_queue'],
    ]);
    const columns = await store.client.query({
      query: `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'contact_events' ORDER BY position`,
      query_params: { db: 'migration_test' },
      format: 'JSONEachRow',
    });
    expect((await columns.json<{ name: string }>()).map((c) => c.name)).toEqual(['org_id', 'at', 'event_id', 'type', 'queue_id']);
  });

  it('refuses a database that knows a migration the code does not', async () => {
    await expect(migrateClickHouse(store, [first])).rejects.toThrow(/has migration 2 \(add_queue\) that this code does not know/);
  });

  it('refuses a migration edited after it ran', async () => {
    const edited = { ...second, statements: (db: string) => [`ALTER TABLE ${db}.contact_events ADD COLUMN agent_id String DEFAULT ''`] };
    await expect(migrateClickHouse(store, [first, edited])).rejects.toThrow(/migration 2 \(add_queue\) changed after it was applied/);
  });

  it('refuses migrations listed out of order', async () => {
    await expect(migrateClickHouse(store, [second, first])).rejects.toThrow(/out of order/);
  });

  it('refuses a second data directory in the same process', () => {
    expect(() => createAnalyticsStore({ kind: 'chdb', dataDir: `${dataDir}-other`, database: 'x' })).toThrow(/one data directory per process/);
  });
});

describe('open SQL does not leave settings behind (chdb keeps per-query settings in its session)', () => {
  it('after an analyst query with limits, inserts and large reads still work', async () => {
    const { runOpenSql } = await import('../src/index.ts');
    await store.client.command({ query: 'CREATE TABLE IF NOT EXISTS migration_test.numbers_probe (n UInt32) ENGINE = MergeTree ORDER BY n' });
    await store.client.insert({
      table: 'migration_test.contact_events',
      values: Array.from({ length: 50 }, (_, i) => ({ org_id: 'o', at: Date.UTC(2026, 11, 7) + i, event_id: `018f0000-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 't', queue_id: 'q' })),
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'probe-events' },
    });
    const limited = await runOpenSql(store, 'SELECT event_id FROM contact_events ORDER BY event_id', { maxRows: 10, maxSeconds: 5 });
    expect(limited).toMatchObject({ rowCount: 10, truncated: true });
    const all = await runOpenSql(store, 'SELECT count() FROM contact_events', { maxRows: 10, maxSeconds: 5 });
    expect(all).toMatchObject({ rowCount: 1, truncated: false, rows: [['50']] });
    await store.client.insert({ table: 'migration_test.numbers_probe', values: Array.from({ length: 200 }, (_, n) => ({ n })), format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'probe-1' } });
    const result = await store.client.query({ query: 'SELECT n FROM migration_test.numbers_probe', format: 'JSONEachRow' });
    expect((await result.json()).length).toBe(200); // no row limit left over from the analyst's query
  });
});

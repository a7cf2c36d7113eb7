import { createHash } from 'node:crypto';
import type { AnalyticsStore } from '../clickhouse/analytics-store.ts';
import type { ClickHouseMigration } from './migration.ts';

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** Checksum of a migration's text, independent of the database it is applied to. */
export function migrationChecksum(migration: ClickHouseMigration): string {
  return createHash('sha256').update(migration.name).update('\0').update(migration.statements('__db__').join(';\n')).digest('hex');
}

function checkOrder(migrations: readonly ClickHouseMigration[]): void {
  for (let i = 1; i < migrations.length; i += 1) {
    const previous = migrations[i - 1]!;
    const current = migrations[i]!;
    if (current.version <= previous.version) {
      throw new Error(`ClickHouse migrations out of order: ${previous.version} then ${current.version}`);
    }
  }
}

export async function appliedClickHouseMigrations(store: AnalyticsStore): Promise<AppliedMigration[]> {
  const result = await store.client.query({
    query: `SELECT version, name, checksum FROM ${store.database}.schema_migrations ORDER BY version`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number | string; name: string; checksum: string }>();
  return rows.map((row) => ({ version: Number(row.version), name: row.name, checksum: row.checksum }));
}

/**
 * Brings the analytics database up to date: creates it and the record table, refuses if the
 * database knows a migration the code does not (or one changed since it ran), then runs the rest.
 * Returns the versions it applied.
 */
export async function migrateClickHouse(
  store: AnalyticsStore,
  migrations: readonly ClickHouseMigration[],
): Promise<number[]> {
  checkOrder(migrations);
  const db = store.database;
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await store.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const applied = await appliedClickHouseMigrations(store);
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const migration = known.get(row.version);
    if (!migration) {
      throw new Error(`ClickHouse database ${db} has migration ${row.version} (${row.name}) that this code does not know`);
    }
    if (migrationChecksum(migration) !== row.checksum) {
      throw new Error(`ClickHouse migration ${row.version} (${row.name}) changed after it was applied`);
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const ran: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements(db)) {
      await store.client.command({ query: statement });
    }
    await store.client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name, checksum: migrationChecksum(migration) }],
      format: 'JSONEachRow',
      // Our own token: over chdb an earlier insert's token would otherwise linger in the session.
      clickhouse_settings: { insert_deduplication_token: `migration:${migration.version}:${migrationChecksum(migration)}` },
    });
    ran.push(migration.version);
  }
  return ran;
}

import { FAMILIES } from '@cc/ingest';
import type { AnalyticsStore } from './analytics-store.ts';

export const RETENTION_TABLES: readonly string[] = Object.values(FAMILIES).map((f) => f.table);

/** How long each event table keeps its rows, read from ClickHouse itself (the TTL clause). */
export async function retentionDays(store: AnalyticsStore): Promise<Record<string, number | null>> {
  const result = await store.client.query({
    query: 'SELECT name, create_table_query FROM system.tables WHERE database = {db:String} AND name IN {tables:Array(String)}',
    query_params: { db: store.database, tables: RETENTION_TABLES },
    format: 'JSONEachRow',
  });
  const days: Record<string, number | null> = {};
  for (const row of await result.json<{ name: string; create_table_query: string }>()) {
    const match = /TTL\s+toDateTime\(at\)\s*\+\s*(?:toIntervalDay\((\d+)\)|INTERVAL\s+(\d+)\s+DAY)/i.exec(row.create_table_query);
    days[row.name] = match ? Number(match[1] ?? match[2]) : null;
  }
  return days;
}

/** Sets a table's retention (ALTER … MODIFY TTL); rows older than that are dropped by ClickHouse's merges. */
export async function setRetention(store: AnalyticsStore, table: string, days: number): Promise<void> {
  if (!RETENTION_TABLES.includes(table)) throw new Error(`no event table ${table}`);
  if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new Error('retention must be 1–36500 days');
  await store.client.command({ query: `ALTER TABLE ${store.database}.${table} MODIFY TTL toDateTime(at) + INTERVAL ${days} DAY` });
}

import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { isIdentifier } from '@cc/ingest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Where the analytics store lives: in this process (chdb) or a ClickHouse server. */
export type AnalyticsStoreOptions =
  | { kind: 'chdb'; dataDir: string; database: string }
  | { kind: 'server'; url: string; database: string; username?: string; password?: string };

export interface AnalyticsHealth {
  status: 'ok' | 'error';
  engine: 'chdb' | 'server';
  version?: string;
  error?: string;
}

/** The analytics store: one ClickHouse client and the database our tables live in. */
export interface AnalyticsStore {
  readonly engine: 'chdb' | 'server';
  readonly database: string;
  readonly client: ClickHouseClient;
  /** One cheap query that proves the engine answers; used by /api/health. */
  health(): Promise<AnalyticsHealth>;
  /** Closes the client; harmless to call twice. */
  close(): Promise<void>;
}

// 64-bit integers as strings, as a real server sends them, so code never depends on the engine.
const clickhouseSettings = { output_format_json_quote_64bit_integers: 1 } as const;


// libchdb binds one data directory per process; share a connection per path and refuse a second path.
const chdbByPath = new Map<string, { client: ClickHouseClient; users: number }>();

function openChdb(dataDir: string): ClickHouseClient {
  const resolved = path.resolve(dataDir);
  const open = chdbByPath.get(resolved);
  if (open) {
    open.users += 1;
    return open.client;
  }
  const other = [...chdbByPath.keys()][0];
  if (other) {
    throw new Error(`chdb already has ${other} open in this process; one data directory per process`);
  }
  mkdirSync(resolved, { recursive: true });
  // chdb implements @clickhouse/client-common's Connection; its declared type is a sibling copy, hence the cast.
  const connection = createChdbConnection({ path: resolved }) as unknown as ClickHouseClientConfigOptions['connection'];
  const client = createClient({ connection, clickhouse_settings: clickhouseSettings });
  chdbByPath.set(resolved, { client, users: 1 });
  return client;
}

async function closeChdb(dataDir: string): Promise<void> {
  const resolved = path.resolve(dataDir);
  const open = chdbByPath.get(resolved);
  if (!open) return;
  open.users -= 1;
  if (open.users > 0) return;
  chdbByPath.delete(resolved);
  await open.client.close();
}

export function createAnalyticsStore(options: AnalyticsStoreOptions): AnalyticsStore {
  if (!isIdentifier(options.database)) {
    throw new Error(`invalid ClickHouse database name: ${JSON.stringify(options.database)}`);
  }
  const client =
    options.kind === 'chdb'
      ? openChdb(options.dataDir)
      : createClient({
          url: options.url,
          username: options.username,
          password: options.password,
          clickhouse_settings: clickhouseSettings,
          request_timeout: 30_000,
        });
  let closed = false;
  return {
    engine: options.kind,
    database: options.database,
    client,
    async health() {
      try {
        const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
        const [row] = await result.json<{ version: string }>();
        return { status: 'ok', engine: options.kind, version: row?.version };
      } catch (error) {
        return { status: 'error', engine: options.kind, error: (error as Error).message };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (options.kind === 'chdb') await closeChdb(options.dataDir);
      else await client.close();
    },
  };
}

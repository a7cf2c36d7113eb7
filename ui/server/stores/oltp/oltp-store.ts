import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResult, type SqliteDatabase } from 'kysely';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './schema.ts';
import { oltpMigrations } from './migrations/index.ts';

export type OltpDialect = 'sqlite' | 'postgres';

export type OltpStoreOptions = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };

/** The OLTP store: a kysely instance over SQLite or PostgreSQL, with its migrations. */
export interface OltpStore {
  readonly dialect: OltpDialect;
  readonly db: Kysely<Database>;
  /** Runs the forward-only migrations; returns the names it applied. */
  migrate(): Promise<string[]>;
  /** One round trip to the database; used by /api/health. */
  health(): Promise<{ status: 'ok' | 'error'; dialect: OltpDialect; error?: string }>;
  /** Closes the pool or file; harmless twice. */
  close(): Promise<void>;
}

async function postgresDialect(url: string, poolSize: number): Promise<PostgresDialect> {
  const pg = await import('pg');
  // Times are bigint epoch ms: parse INT8 as a JS number (safe up to 2^53) instead of a string.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (value: string) => Number(value) : pg.default.types.getTypeParser(oid, format),
  };
  return new PostgresDialect({ pool: new pg.default.Pool({ connectionString: url, max: poolSize, types }) });
}

async function sqliteDialect(file: string): Promise<SqliteDialect> {
  const { default: SQLite } = await import('better-sqlite3');
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // kysely prepares every query afresh; better-sqlite3 statements are reusable, so keep the recent
  // ones by SQL text (the live contact center runs the same few statements thousands of times).
  const statements = new Map<string, ReturnType<typeof database.prepare>>();
  const cached: SqliteDatabase = {
    close: () => database.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        statement = database.prepare(text);
        if (statements.size >= 500) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
  return new SqliteDialect({ database: cached });
}

export async function createOltpStore(options: OltpStoreOptions): Promise<OltpStore> {
  const dialect =
    options.kind === 'postgres' ? await postgresDialect(options.url, options.poolSize ?? 10) : await sqliteDialect(options.file);
  const db = new Kysely<Database>({ dialect });
  let closed = false;
  return {
    dialect: options.kind,
    db,
    async migrate() {
      if (closed) throw new Error('the OLTP store is closed');
      const migrator = new Migrator({ db, provider: { getMigrations: async () => oltpMigrations } });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName);
    },
    async health() {
      if (closed) return { status: 'error', dialect: options.kind, error: 'closed' };
      try {
        await sql`select 1`.execute(db);
        return { status: 'ok', dialect: options.kind };
      } catch (error) {
        return { status: 'error', dialect: options.kind, error: (error as Error).message };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** Maps a driver's constraint violation to a portable kind, or undefined for anything else. */
export function constraintViolation(error: unknown): 'unique' | 'foreign-key' | undefined {
  const e = error as { code?: string };
  if (e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  return undefined;
}

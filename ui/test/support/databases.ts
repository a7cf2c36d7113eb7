import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createOltpStore, type OltpStore } from '../../server/stores/oltp/oltp-store.ts';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty store; drop() removes every trace of it. */
  create(): Promise<{ store: OltpStore; drop(): Promise<void> }>;
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-sqlite-'));
    const store = await createOltpStore({ kind: 'sqlite', file: path.join(dir, 'oltp.sqlite') });
    return {
      store,
      async drop() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(adminUrl: string): TestDatabase {
  return {
    name: 'postgres',
    async create() {
      const name = `cc_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const store = await createOltpStore({ kind: 'postgres', url: url.toString(), poolSize: 4 });
      return {
        store,
        async drop() {
          await store.close();
          const client = new pg.Client({ connectionString: adminUrl });
          await client.connect();
          try {
            // Not WITH (FORCE): that kills pool connections still saying goodbye, and they report it as an error.
            // The server needs a moment to see our closed connections go; retry while it says "in use".
            for (let attempt = 0; ; attempt += 1) {
              try {
                await client.query(`DROP DATABASE IF EXISTS ${name}`);
                break;
              } catch (error) {
                if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
                await new Promise((resolve) => setTimeout(resolve, 100));
              }
            }
          } finally {
            await client.end();
          }
        },
      };
    },
  };
}

/**
 * Both stores, always: `npm test` starts a private PostgreSQL and sets TEST_DATABASE_URL. Running
 * vitest by hand without it fails loudly, unless SKIP_POSTGRES=1 says you mean it.
 */
export function testDatabases(): TestDatabase[] {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return [sqlite, postgres(url)];
  if (process.env.SKIP_POSTGRES === '1') return [sqlite];
  throw new Error('TEST_DATABASE_URL is not set: run `npm test` (it starts PostgreSQL), or set SKIP_POSTGRES=1 to run SQLite only');
}

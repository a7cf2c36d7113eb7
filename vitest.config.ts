import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{acd,ingest,analytics,media,ui}/{src,test,server}/**/*.test.ts'],
    // Native engines (better-sqlite3, chdb: one data directory per process) want processes, not threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

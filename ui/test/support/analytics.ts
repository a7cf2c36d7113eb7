import os from 'node:os';
import path from 'node:path';
import { createAnalyticsStore, type AnalyticsStore } from '@cc/analytics';

/**
 * chdb binds one data directory per process, so every test in a process shares one, named by
 * the process id. Each caller gets its own database in it, so tests do not see each other's tables.
 */
export function testAnalyticsStore(database = `t_${Math.random().toString(36).slice(2, 10)}`): AnalyticsStore {
  const dataDir = path.join(os.tmpdir(), `cc-chdb-${process.pid}`);
  return createAnalyticsStore({ kind: 'chdb', dataDir, database });
}

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseTarget, EventWriter, SpoolFullError, type BatchTarget } from '@cc/ingest';
import { clickhouseMigrations, createAnalyticsStore, migrateClickHouse } from '../src/index.ts';
import { contactRecords } from './fixtures/events.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const store = createAnalyticsStore({ kind: 'chdb', dataDir: path.join(os.tmpdir(), `cc-chdb-${process.pid}`), database: 'writer_test' });
const real = clickhouseTarget(store.client, store.database);
const temp: string[] = [];
const spoolDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-spool-'));
  temp.push(dir);
  return dir;
};

/** The real ClickHouse target behind a switch that makes it refuse connections, as a server that is down does. */
function unreliable(target: BatchTarget) {
  const state = { down: false, loseNextResponse: false, inserts: 0 };
  const faulty: BatchTarget = {
    async insert(table, rows, token) {
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
      await target.insert(table, rows, token);
      state.inserts += 1;
      if (state.loseNextResponse) {
        // The insert committed, but the answer never came back: the writer must retry, and must not double count.
        state.loseNextResponse = false;
        throw new Error('socket hang up');
      }
    },
  };
  return { state, faulty };
}

const count = async (org: string) => {
  const result = await store.client.query({
    query: `SELECT count() AS rows, uniqExact(event_id) AS distinct_events FROM ${store.database}.contact_events WHERE org_id = {org:String}`,
    query_params: { org },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ rows: string; distinct_events: string }>();
  return { rows: Number(row!.rows), distinct: Number(row!.distinct_events) };
};

beforeAll(async () => {
  await migrateClickHouse(store, clickhouseMigrations);
});
afterAll(async () => {
  await store.close();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

describe('the event writer: nothing lost', () => {
  it('acknowledges while ClickHouse is down, keeps the events in the spool, and drains them when it is back', async () => {
    const { state, faulty } = unreliable(real);
    const writer = await EventWriter.open({ dir: spoolDir(), target: faulty, batchRows: 3000, flushIntervalMs: 20, retryInitialMs: 10, retryMaxMs: 40 });
    state.down = true;
    for (let i = 0; i < 20_000; i += 1000) await writer.append(contactRecords('outage', i, 1000));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(writer.state()).toMatchObject({ status: 'retrying', shippedEvents: 0, lastError: 'connect ECONNREFUSED 127.0.0.1:8123' });
    expect(writer.state().failedAttempts).toBeGreaterThan(1);
    expect(writer.state().backlogBytes).toBeGreaterThan(20_000 * 300);
    expect(await count('outage')).toEqual({ rows: 0, distinct: 0 });

    state.down = false;
    await writer.flush();
    expect(await count('outage')).toEqual({ rows: 20_000, distinct: 20_000 });
    expect(writer.state()).toMatchObject({ status: 'ok', backlogBytes: 0, shippedEvents: 20_000, lastError: null });
    await writer.close();
  });

  it('retries a batch whose answer was lost with the same deduplication token: counted once', async () => {
    const { state, faulty } = unreliable(real);
    const writer = await EventWriter.open({ dir: spoolDir(), target: faulty, batchRows: 10_000, flushIntervalMs: 10, retryInitialMs: 5 });
    state.loseNextResponse = true;
    await writer.append(contactRecords('lost-answer', 0, 5000));
    await writer.flush();
    expect(state.inserts).toBe(2); // it went in twice…
    expect(await count('lost-answer')).toEqual({ rows: 5000, distinct: 5000 }); // …and counts once
    expect(writer.state().failedAttempts).toBe(1);
    await writer.close();
  });

  it('ships what was left in the spool when it starts again', async () => {
    const dir = spoolDir();
    const { state, faulty } = unreliable(real);
    state.down = true;
    const first = await EventWriter.open({ dir, target: faulty, flushIntervalMs: 10, retryInitialMs: 5 });
    await first.append(contactRecords('restart', 0, 3000));
    await first.close(100); // ClickHouse still down: closes without shipping
    expect(await count('restart')).toEqual({ rows: 0, distinct: 0 });
    const second = await EventWriter.open({ dir, target: real, flushIntervalMs: 10 });
    await second.flush();
    expect(await count('restart')).toEqual({ rows: 3000, distinct: 3000 });
    await second.close();
  });

  it('bounds the spool: an alarm first, then SPOOL_FULL instead of filling the disk', async () => {
    const { state, faulty } = unreliable(real);
    state.down = true;
    const warnings: string[] = [];
    const logger = { info() {}, warn() {}, error: (_: object, msg: string) => warnings.push(msg) };
    const writer = await EventWriter.open({ dir: spoolDir(), target: faulty, alarmBytes: 100_000, hardLimitBytes: 300_000, retryInitialMs: 1000, logger });
    await writer.append(contactRecords('bounded', 0, 500)); // ≈ 250 kB
    expect(writer.state().status).toBe('alarm');
    expect(warnings).toEqual(['event spool over its alarm size: ClickHouse is not taking events']);
    await writer.append(contactRecords('bounded', 500, 500));
    await expect(writer.append(contactRecords('bounded', 1000, 10))).rejects.toBeInstanceOf(SpoolFullError);
    expect(writer.state().status).toBe('full');
    state.down = false;
    await writer.flush();
    expect(await count('bounded')).toEqual({ rows: 1000, distinct: 1000 });
    await writer.append(contactRecords('bounded', 1000, 10));
    await writer.flush();
    expect(writer.state().status).toBe('ok');
    await writer.close();
  });
});

describe('durability across kill -9', () => {
  const run = (args: string[], onLine?: (line: string, kill: () => void) => void) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[] }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/producer.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: string[] = [];
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          onLine?.(line, () => child.kill('SIGKILL'));
        }
      });
      child.on('exit', (code, signal) => resolve({ code, signal, lines }));
    });

  it('produces 100,000 events, is killed in the middle, restarts, and ClickHouse holds exactly 100,000 distinct events', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-chdb-durability-'));
    const spool = spoolDir();
    temp.push(dataDir);
    let killed = false;
    const first = await run([dataDir, spool, '0', '100000'], (line, kill) => {
      if (!killed && Number(line.split(' ')[1]) >= 40_000) {
        killed = true;
        kill();
      }
    });
    expect(first.signal).toBe('SIGKILL');
    const acked = Math.max(...first.lines.filter((l) => l.startsWith('acked ')).map((l) => Number(l.split(' ')[1])));
    expect(acked).toBeGreaterThanOrEqual(40_000);
    expect(acked).toBeLessThan(100_000);
    // The producer resumes from its last acknowledged event (what it re-sends again has the same ids).
    const second = await run([dataDir, spool, String(acked), '100000']);
    expect(second.code).toBe(0);
    const result = JSON.parse(second.lines.at(-1)!) as { rows: number; distinct: number };
    expect(result.distinct).toBe(100_000);
    // At least once from the producer, exactly once per spooled line: nothing beyond the producer's own re-sends.
    expect(result.rows).toBeGreaterThanOrEqual(100_000);
    expect(result.rows - 100_000).toBeLessThanOrEqual(2000);
  }, 120_000);
});

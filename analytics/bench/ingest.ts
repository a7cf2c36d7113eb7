// npm run bench:ingest — events/s through the writer (spool and fsync included) next to a raw
// client.insert of the same rows, and the p95 of the realtime queries over 10 million events.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clickhouseTarget, CONTACT_DEFAULTS, EventWriter, FAMILIES, type EventRecord } from '@cc/ingest';
import { clickhouseMigrations, createAnalyticsStore, migrateClickHouse, realtimeSnapshot } from '../src/index.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const BATCH = 10_000;
const BIG = Number(process.env.BENCH_BIG_EVENTS ?? 10_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-bench-ingest-'));
const store = createAnalyticsStore({ kind: 'chdb', dataDir: path.join(dir, 'clickhouse'), database: 'bench' });
await migrateClickHouse(store, clickhouseMigrations);

const start = Date.UTC(2026, 11, 7, 8);
const types = ['contact.enqueued', 'contact.offered', 'contact.offer_accepted', 'contact.connected', 'contact.closed'];
const records: EventRecord[] = Array.from({ length: EVENTS }, (_, i) => ({
  table: FAMILIES.contact.table,
  row: {
    event_id: `018f0000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`,
    org_id: 'bench',
    at: start + i * 10,
    type: types[i % types.length]!,
    version: 1,
    ingested_at: start + i * 10,
    ...CONTACT_DEFAULTS,
    contact_id: `c${Math.floor(i / 5)}`,
    queue_id: `q${i % 50}`,
    channel: i % 3 === 0 ? 'voice' : 'chat',
    agent_id: `a${i % 400}`,
    customer_id: `cust${i % 5000}`,
    position: 1,
    estimated_wait_s: 20,
    enqueued_at: start + i * 10,
    waited_ms: (i * 7919) % 60_000,
  },
}));

// Raw: the same rows, the same batch size, straight into ClickHouse: a second database migrated the
// same way, so its inserts feed the same materialized views as the writer's do.
const raw = createAnalyticsStore({ kind: 'chdb', dataDir: path.join(dir, 'clickhouse'), database: 'bench_raw' });
await migrateClickHouse(raw, clickhouseMigrations);
let began = performance.now();
for (let i = 0; i < EVENTS; i += BATCH) {
  await raw.client.insert({ table: 'bench_raw.contact_events', values: records.slice(i, i + BATCH).map((r) => r.row), format: 'JSONEachRow' });
}
const rawSeconds = (performance.now() - began) / 1000;

// Writer: producers append 1,000 at a time (each append fsync'd before it returns), then ship.
const writer = await EventWriter.open({ dir: path.join(dir, 'spool'), target: clickhouseTarget(store.client, store.database), batchRows: BATCH, flushIntervalMs: 200 });
began = performance.now();
const appends: Promise<void>[] = [];
for (let i = 0; i < EVENTS; i += 1000) appends.push(writer.append(records.slice(i, i + 1000)));
await Promise.all(appends);
const durableSeconds = (performance.now() - began) / 1000;
await writer.flush();
const writerSeconds = (performance.now() - began) / 1000;
await writer.close();
const check = await store.client.query({ query: "SELECT count() AS c FROM bench.contact_events WHERE org_id = 'bench'", format: 'JSONEachRow' });
const landed = Number((await check.json<{ c: string }>())[0]!.c);
if (landed !== EVENTS) throw new Error(`expected ${EVENTS} rows through the writer, found ${landed}`);

const eventsPerSecond = Math.round(EVENTS / writerSeconds);
const rawRowsPerSecond = Math.round(EVENTS / rawSeconds);
console.log(`raw client.insert:  ${EVENTS} rows in ${rawSeconds.toFixed(2)} s = ${rawRowsPerSecond} rows/s`);
console.log(`through the writer: ${EVENTS} events durable in ${durableSeconds.toFixed(2)} s, in ClickHouse in ${writerSeconds.toFixed(2)} s = ${eventsPerSecond} events/s (${landed} rows landed)`);

// Realtime over 10 million events: 2 million contacts over the 30 days before "now", 200 queues,
// three channels, each a real lifecycle — enqueued, ringing, answered after its wait (or abandoned,
// one in ten), connected, closed three minutes later — and nothing dated after "now", as in a live
// system: the contacts of the last minutes are still in line.
began = performance.now();
const day = 86_400_000;
const now = start;
const spacing = Math.floor((30 * day) / (BIG / 5));
await store.client.command({
  query: `INSERT INTO bench.contact_events
    SELECT event_id, org_id, at, type, 1, now64(3), contact_id, queue_id, channel, agent_id, '', '', 0, 1, 30, enqueued, waited, 0, reason, '', '', false, false
    FROM (
      SELECT generateUUIDv4() AS event_id, 'big' AS org_id,
        intDiv(number, 5) AS k, number % 5 AS e, k % 10 = 0 AS gave_up,
        toInt64(${now - 30 * day} + k * ${spacing}) AS t0,
        toInt64((k * 7919) % 120000) AS wait_ms,
        fromUnixTimestamp64Milli(t0) AS enqueued,
        fromUnixTimestamp64Milli(t0 + [0, intDiv(wait_ms, 2), wait_ms, wait_ms, if(gave_up, wait_ms, wait_ms + 180000)][e + 1]) AS at,
        [ 'contact.enqueued', 'contact.offered', if(gave_up, 'contact.abandoned', 'contact.offer_accepted'),
          if(gave_up, 'contact.closed', 'contact.connected'), if(gave_up, 'contact.offer_withdrawn', 'contact.closed') ][e + 1] AS type,
        if(e = 2, wait_ms, 0) AS waited,
        multiIf(e = 3 AND gave_up, 'abandoned', e = 4 AND NOT gave_up, 'handled', '') AS reason,
        concat('c', toString(k)) AS contact_id, concat('q', toString(k % 200)) AS queue_id,
        ['voice', 'chat', 'email'][k % 3 + 1] AS channel, concat('a', toString(k % 2000)) AS agent_id
      FROM numbers(${BIG})
    )
    WHERE at <= fromUnixTimestamp64Milli(toInt64(${now}))`,
});
const loadSeconds = (performance.now() - began) / 1000;
const queues = Array.from({ length: 200 }, (_, q) => ({ id: `q${q}`, slThresholdSeconds: 20 }));
const measure = async () => {
  await realtimeSnapshot(store, { orgId: 'big', timeZone: 'Europe/Helsinki', now, queues });
  const latencies: number[] = [];
  for (let i = 0; i < 40; i += 1) {
    const t0 = performance.now();
    await realtimeSnapshot(store, { orgId: 'big', timeZone: 'Europe/Helsinki', now: now + i * 1000, queues });
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length * 0.5)]!, p95: latencies[Math.floor(latencies.length * 0.95)]! };
};
const fresh = await measure();
console.log(`realtime over ${BIG} events right after the bulk load (${loadSeconds.toFixed(1)} s; aggregate parts not yet merged): p50 ${fresh.p50.toFixed(1)} ms, p95 ${fresh.p95.toFixed(1)} ms`);
// A running system merges parts in the background; settle them as it would have.
for (const table of ['queue_minute', 'queue_hour', 'queue_line_minute', 'queue_line_hour']) await store.client.command({ query: `OPTIMIZE TABLE bench.${table} FINAL` });
const settled = await measure();
const { p50, p95 } = settled;
console.log(`realtime over ${BIG} events with parts merged (steady state): p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);

await raw.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    events: EVENTS,
    events_per_second: eventsPerSecond,
    raw_rows_per_second: rawRowsPerSecond,
    ratio: Number((eventsPerSecond / rawRowsPerSecond).toFixed(3)),
    durable_events_per_second: Math.round(EVENTS / durableSeconds),
    realtime_events: BIG,
    realtime_query_p50_ms: Number(p50.toFixed(1)),
    realtime_query_p95_ms: Number(p95.toFixed(1)),
    realtime_query_p95_unmerged_ms: Number(fresh.p95.toFixed(1)),
  }),
);

import { createTableStatement, FAMILIES } from '@cc/ingest';
import type { ClickHouseMigration } from './migration.ts';

/** Wait thresholds (seconds) the per-minute view counts at, so realtime service level needs no raw scan. */
export const MINUTE_THRESHOLDS = [10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600, 14400, 86400] as const;

/** A per-queue, per-channel counts table (offered, answered, abandoned, waits, within-threshold counts). */
function queueCountsTable(db: string, table: string, orderBy: string, ttlDays: number): string {
  return `CREATE TABLE IF NOT EXISTS ${db}.${table} (
        org_id LowCardinality(String),
        minute DateTime('UTC'),
        queue_id LowCardinality(String),
        channel LowCardinality(String),
        offered AggregateFunction(count),
        answered AggregateFunction(count),
        abandoned AggregateFunction(count),
        answer_wait_ms AggregateFunction(sum, Int64),
        answered_within AggregateFunction(sumForEach, Array(UInt64)),
        abandoned_within AggregateFunction(sumForEach, Array(UInt64))
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(minute)
      ORDER BY ${orderBy}
      TTL minute + INTERVAL ${ttlDays} DAY
      SETTINGS non_replicated_deduplication_window = 10000`;
}

/** The materialized view that fills a counts table, bucketing by `bucket` (toStartOfMinute, toStartOfHour). */
function queueCountsView(db: string, table: string, bucket: string): string {
  const within = (type: string) =>
    `sumForEachStateIf(arrayMap(t -> toUInt64(waited_ms <= t * 1000), [${MINUTE_THRESHOLDS.join(', ')}]), type = '${type}')`;
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${table}_mv TO ${db}.${table} AS
      SELECT
        org_id,
        ${bucket}(at) AS minute,
        queue_id,
        channel,
        countStateIf(type = 'contact.enqueued') AS offered,
        countStateIf(type = 'contact.offer_accepted') AS answered,
        countStateIf(type = 'contact.abandoned') AS abandoned,
        sumStateIf(waited_ms, type = 'contact.offer_accepted') AS answer_wait_ms,
        ${within('contact.offer_accepted')} AS answered_within,
        ${within('contact.abandoned')} AS abandoned_within
      FROM ${db}.contact_events
      WHERE type IN ('contact.enqueued', 'contact.offer_accepted', 'contact.abandoned')
      GROUP BY org_id, minute, queue_id, channel`;
}

/**
 * The analytics schema, in order. Forward-only: never edit or remove an applied migration; add one.
 * The tables come from the event catalogue (ingest/src/catalogue/families.ts): one definition for
 * the TypeScript row types and this DDL.
 */
export const clickhouseMigrations: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'event_families',
    statements: (db) => Object.values(FAMILIES).map((family) => createTableStatement(db, family)),
  },
  {
    version: 2,
    name: 'queue_minute_view',
    statements: (db) => [
      queueCountsTable(db, 'queue_minute', '(org_id, toDate(minute), queue_id, channel, minute)', 400),
      queueCountsView(db, 'queue_minute', 'toStartOfMinute'),
    ],
  },
  {
    version: 3,
    name: 'queue_line_and_hour_views',
    // Who is in line, by when they joined it: joining (enqueued, re-queued) adds one; leaving from the
    // line (answered, abandoned, overflowed or closed at max wait, moved by a supervisor) takes one away
    // at the same arrival time (its time minus its wait). Waiting now is a sum over the last day of
    // hourly cells; the oldest wait is the earliest minute cell still above zero. queue_hour holds
    // "today so far" in at most 24 rows per queue and channel.
    statements: (db) => {
      const line = (table: string, bucket: string) => [
        `CREATE TABLE IF NOT EXISTS ${db}.${table} (
          org_id LowCardinality(String),
          arrival DateTime('UTC'),
          queue_id LowCardinality(String),
          channel LowCardinality(String),
          entered SimpleAggregateFunction(sum, Int64),
          left_line SimpleAggregateFunction(sum, Int64),
          latest_estimate AggregateFunction(argMax, Int32, DateTime64(3, 'UTC'))
        ) ENGINE = AggregatingMergeTree
        PARTITION BY toYYYYMM(arrival)
        -- Read only as "the recent minutes or hours, every queue": time right after the organisation.
        ORDER BY (org_id, arrival, queue_id, channel)
        TTL arrival + INTERVAL 30 DAY
        SETTINGS non_replicated_deduplication_window = 10000`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${table}_mv TO ${db}.${table} AS
        SELECT
          org_id,
          ${bucket}(fromUnixTimestamp64Milli(toUnixTimestamp64Milli(at) - waited_ms)) AS arrival,
          queue_id,
          channel,
          toInt64(countIf(type IN ('contact.enqueued', 'contact.requeued'))) AS entered,
          toInt64(countIf(type IN ('contact.offer_accepted', 'contact.abandoned')
            OR (type IN ('contact.overflowed', 'contact.closed') AND reason = 'max-wait')
            OR (type = 'contact.transferred' AND agent_id = ''))) AS left_line,
          argMaxStateIf(estimated_wait_s, at, type = 'contact.enqueued') AS latest_estimate
        FROM ${db}.contact_events
        WHERE type IN ('contact.enqueued', 'contact.requeued', 'contact.offer_accepted', 'contact.abandoned', 'contact.overflowed', 'contact.closed', 'contact.transferred')
        GROUP BY org_id, arrival, queue_id, channel`,
      ];
      return [
        ...line('queue_line_minute', 'toStartOfMinute'),
        ...line('queue_line_hour', 'toStartOfHour'),
        queueCountsTable(db, 'queue_hour', '(org_id, minute, queue_id, channel)', 800),
        queueCountsView(db, 'queue_hour', 'toStartOfHour'),
      ];
    },
  },
];

import { createTableStatement, FAMILIES } from '@cc/ingest';
import type { ClickHouseMigration } from './migration.ts';

/** Wait thresholds (seconds) the per-minute view counts at, so realtime service level needs no raw scan. */
export const MINUTE_THRESHOLDS = [10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600, 14400, 86400] as const;

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
      `CREATE TABLE IF NOT EXISTS ${db}.queue_minute (
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
      ORDER BY (org_id, toDate(minute), queue_id, channel, minute)
      TTL minute + INTERVAL 400 DAY
      SETTINGS non_replicated_deduplication_window = 10000`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.queue_minute_mv TO ${db}.queue_minute AS
      SELECT
        org_id,
        toStartOfMinute(at) AS minute,
        queue_id,
        channel,
        countStateIf(type = 'contact.enqueued') AS offered,
        countStateIf(type = 'contact.offer_accepted') AS answered,
        countStateIf(type = 'contact.abandoned') AS abandoned,
        sumStateIf(waited_ms, type = 'contact.offer_accepted') AS answer_wait_ms,
        sumForEachStateIf(arrayMap(t -> toUInt64(waited_ms <= t * 1000), [${MINUTE_THRESHOLDS.join(', ')}]), type = 'contact.offer_accepted') AS answered_within,
        sumForEachStateIf(arrayMap(t -> toUInt64(waited_ms <= t * 1000), [${MINUTE_THRESHOLDS.join(', ')}]), type = 'contact.abandoned') AS abandoned_within
      FROM ${db}.contact_events
      WHERE type IN ('contact.enqueued', 'contact.offer_accepted', 'contact.abandoned')
      GROUP BY org_id, minute, queue_id, channel`,
    ],
  },
];

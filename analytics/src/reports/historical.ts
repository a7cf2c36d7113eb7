import type { AnalyticsStore } from '../clickhouse/analytics-store.ts';
import { isDerived, METRICS, METRICS_BY_ID, type MetricDefinition, type MetricSource } from '../metrics/definitions.ts';
import { defaultParameters, METRIC_PARAMETERS, type MetricParameters } from '../metrics/parameters.ts';
import { agentTimeSql, feedbackSql, repeatsSql, segmentsSql, surveysSql } from '../metrics/sources.ts';
import { clickhouseTime } from '../clickhouse/time.ts';

export const GRANULARITIES = ['15m', 'hour', 'day', 'week', 'month', 'total'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export const DIMENSIONS = ['none', 'queue', 'agent', 'team', 'channel', 'classification', 'topic'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface WeeklyHours {
  day: number;
  open: string;
  close: string;
}

export interface HistoricalQuery {
  orgId: string;
  from: number;
  to: number;
  timeZone: string;
  granularity: Granularity;
  dimension: Dimension;
  metrics: string[];
  parameters?: Partial<MetricParameters>;
  /** agent id → team name, for the team dimension. */
  teams?: Record<string, string>;
  /** queue id → response target in seconds for written work (queues without one use feedback_target_h). */
  responseTargets?: Record<string, number>;
  queueIds?: string[];
  /** The present: agent time is not counted past it (default: the end of the period). */
  now?: number;
  /** Only contacts that arrived inside these hours (holiday dates excluded). */
  businessHours?: { weekly: WeeklyHours[]; holidays: string[] } | null;
}

export interface HistoricalRow {
  bucket: string;
  key: string;
  values: Record<string, number | null>;
}

export interface HistoricalResult {
  metrics: string[];
  rows: HistoricalRow[];
}

const BUCKETS: Record<Granularity, (t: string) => string> = {
  '15m': (t) => `formatDateTime(toStartOfInterval(${t}, INTERVAL 15 MINUTE, {tz:String}), '%Y-%m-%d %H:%i', {tz:String})`,
  hour: (t) => `formatDateTime(toStartOfHour(${t}, {tz:String}), '%Y-%m-%d %H:00', {tz:String})`,
  day: (t) => `toString(toDate(${t}, {tz:String}))`,
  week: (t) => `toString(toMonday(toDate(${t}, {tz:String})))`,
  month: (t) => `formatDateTime(toStartOfMonth(toDate(${t}, {tz:String})), '%Y-%m')`,
  total: () => `'total'`,
};

const TEAM = `transform(agent_id, {team_agents:Array(String)}, {team_names:Array(String)}, '')`;
/** The key expression of each dimension per source; missing means the source has no such dimension. */
const KEYS: Record<MetricSource, Partial<Record<Dimension, string>>> = {
  segments: { none: `''`, queue: 'queue_id', agent: 'agent_id', team: TEAM, channel: 'channel', classification: 'classification' },
  'agent-time': { none: `''`, agent: 'agent_id', team: TEAM },
  surveys: { none: `''`, queue: 'queue_id', agent: 'agent_id', team: TEAM, channel: 'channel', classification: 'classification' },
  repeats: { none: `''`, queue: 'queue_id', channel: 'channel' },
  feedback: { none: `''`, queue: 'queue_id', topic: 'topic' },
};
const TIME_COLUMN: Record<MetricSource, string> = { segments: 'enqueued_at', 'agent-time': 'bucket_time', surveys: 'bucket_time', repeats: 'enqueued_at', feedback: 'bucket_time' };
const SOURCE_SQL: Record<MetricSource, (db: string) => string> = { segments: segmentsSql, 'agent-time': agentTimeSql, surveys: surveysSql, repeats: repeatsSql, feedback: feedbackSql };

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Business hours as SQL; every value is checked against a strict pattern first (they are inlined). */
function businessHoursFilter(column: string, hours: NonNullable<HistoricalQuery['businessHours']>): string {
  for (const slot of hours.weekly) {
    if (!Number.isInteger(slot.day) || slot.day < 1 || slot.day > 7 || !TIME.test(slot.open) || !TIME.test(slot.close)) throw new Error('invalid business hours');
  }
  if (!hours.holidays.every((d) => DATE.test(d))) throw new Error('invalid holiday date');
  const local = `formatDateTime(${column}, '%H:%i', {tz:String})`;
  const slots = hours.weekly.map((s) => `(toDayOfWeek(${column}, 0, {tz:String}) = ${s.day} AND ${local} >= '${s.open}' AND ${local} < '${s.close}')`);
  const open = slots.length > 0 ? `(${slots.join(' OR ')})` : '0';
  const holidays = hours.holidays.length > 0 ? ` AND toString(toDate(${column}, {tz:String})) NOT IN (${hours.holidays.map((d) => `'${d}'`).join(', ')})` : '';
  return `${open}${holidays}`;
}

/**
 * Runs the chosen metrics by time bucket and dimension. Each source is one query; the results merge
 * by (bucket, key). Metrics a source cannot split by the dimension come back null.
 */
export async function historicalReport(store: AnalyticsStore, query: HistoricalQuery): Promise<HistoricalResult> {
  const wanted = query.metrics.map((id) => {
    const metric = METRICS_BY_ID.get(id);
    if (!metric) throw new Error(`unknown metric ${id}`);
    return metric;
  });
  // Derived metrics pull in what they are made of.
  const needed = new Set(wanted.flatMap((m) => (isDerived(m) ? [m.id, ...m.derivedFrom] : [m.id])));
  const bySource = new Map<MetricSource, MetricDefinition[]>();
  for (const metric of METRICS) {
    if (!needed.has(metric.id) || isDerived(metric)) continue;
    const list = bySource.get(metric.source) ?? [];
    list.push(metric);
    bySource.set(metric.source, list);
  }
  const teams = Object.entries(query.teams ?? {});
  const targets = Object.entries(query.responseTargets ?? {});
  const params = {
    org: query.orgId,
    from: clickhouseTime(query.from),
    to: clickhouseTime(query.to),
    until: clickhouseTime(Math.min(query.to, query.now ?? query.to)),
    tz: query.timeZone,
    team_agents: teams.map(([agent]) => agent),
    team_names: teams.map(([, team]) => team),
    target_queues: targets.map(([queue]) => queue),
    target_seconds: targets.map(([, seconds]) => seconds),
    queue_ids: query.queueIds ?? [],
    ...defaultParameters(),
    ...query.parameters,
  };
  const merged = new Map<string, HistoricalRow>();
  await Promise.all(
    [...bySource].map(async ([source, metrics]) => {
      const key = KEYS[source][query.dimension];
      if (!key) return;
      const time = TIME_COLUMN[source];
      const where: string[] = [];
      if (query.queueIds?.length && source !== 'agent-time') where.push('queue_id IN {queue_ids:Array(String)}');
      if (query.businessHours && source !== 'agent-time') where.push(businessHoursFilter(time, query.businessHours));
      const sql = `
        SELECT ${BUCKETS[query.granularity](time)} AS bucket, ${key} AS key,
          ${metrics.map((m) => `${m.sql} AS m_${m.id}`).join(',\n          ')}
        FROM (${SOURCE_SQL[source](store.database)})
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        GROUP BY bucket, key
        ORDER BY bucket, key`;
      const result = await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      for (const row of await result.json<Record<string, string | number | null>>()) {
        const id = `${row.bucket}\u0000${row.key}`;
        const entry = merged.get(id) ?? { bucket: String(row.bucket), key: String(row.key), values: {} };
        for (const metric of metrics) {
          // Metric columns are m_<id>: a bare <id> would shadow the source column of the same name (answered, handled).
          const value = row[`m_${metric.id}`];
          entry.values[metric.id] = value === null || value === undefined ? null : Number(value);
        }
        merged.set(id, entry);
      }
    }),
  );
  const rows = [...merged.values()].sort((a, b) => a.bucket.localeCompare(b.bucket) || a.key.localeCompare(b.key));
  for (const row of rows) {
    for (const id of query.metrics) row.values[id] ??= null;
    for (const metric of wanted) if (isDerived(metric)) row.values[metric.id] = metric.compute(row.values);
    for (const id of Object.keys(row.values)) if (!query.metrics.includes(id)) delete row.values[id];
    for (const [k, v] of Object.entries(row.values)) if (typeof v === 'number' && !Number.isFinite(v)) row.values[k] = null;
  }
  return { metrics: query.metrics, rows };
}

/** The report as CSV (RFC 4180), one column per metric. */
export function toCsv(result: HistoricalResult, keyLabel = 'key'): string {
  const escape = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = [['bucket', keyLabel, ...result.metrics].map(escape).join(',')];
  for (const row of result.rows) {
    lines.push([row.bucket, row.key, ...result.metrics.map((m) => (row.values[m] == null ? '' : String(row.values[m])))].map(escape).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export { METRIC_PARAMETERS };

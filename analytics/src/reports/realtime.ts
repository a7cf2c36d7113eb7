import type { AnalyticsStore } from '../clickhouse/analytics-store.ts';
import { MINUTE_THRESHOLDS } from '../migrations/index.ts';
import { clickhouseTime } from '../clickhouse/time.ts';

export interface RealtimeQueueInput {
  id: string;
  slThresholdSeconds: number;
}

export interface RealtimeRow {
  queueId: string;
  channel: string;
  waiting: number;
  oldestWaitSeconds: number;
  offeredToday: number;
  answeredToday: number;
  abandonedToday: number;
  /** Answered within the queue's threshold ÷ answered, today so far (null before the first answer). */
  serviceLevelToday: number | null;
  asaSecondsToday: number | null;
  estimatedWaitSeconds: number | null;
  /** True when someone has waited longer than the day the line is searched back. */
  oldestBeyondWindow: boolean;
  agents: Record<string, number>;
}

/** How far back the line is searched: a contact waiting longer is reported as waiting this long, flagged. */
export const OLDEST_WAIT_WINDOW_MS = 24 * 3600_000;

/**
 * What supervisors watch, per queue and channel: waiting now (hourly line cells of the last day),
 * oldest wait (minute line cells of the last two hours), today so far (hourly cells), the latest
 * estimated wait, and agents by state. Reads only small aggregates and the last day's agent events.
 */
export async function realtimeSnapshot(store: AnalyticsStore, input: { orgId: string; timeZone: string; now: number; queues: RealtimeQueueInput[] }): Promise<RealtimeRow[]> {
  const db = store.database;
  const params = { org: input.orgId, tz: input.timeZone, now: clickhouseTime(input.now) };
  // One round trip: the four parts as branches of one UNION ALL, which ClickHouse runs in parallel.
  const result = await store.client.query({
    query: `
      WITH oldest_hours AS (
        SELECT queue_id, channel, min(arrival) AS h
        FROM (
          SELECT queue_id, channel, arrival, sum(entered) - sum(left_line) AS in_line
          FROM ${db}.queue_line_hour
          WHERE org_id = {org:String} AND arrival >= toStartOfHour(toDateTime({now:DateTime64(3, 'UTC')}, 'UTC') - INTERVAL 1 DAY)
          GROUP BY queue_id, channel, arrival
          HAVING in_line > 0
        )
        GROUP BY queue_id, channel
      )
      SELECT 'today' AS part, queue_id AS q, channel AS c,
        toInt64(countMerge(offered)) AS a, toInt64(countMerge(answered)) AS b, toInt64(countMerge(abandoned)) AS d,
        toInt64(sumMerge(answer_wait_ms)) AS e, sumForEachMerge(answered_within) AS within
      FROM ${db}.queue_hour
      -- Compared as DateTime (the columns' type): a DateTime64 expression would hide the primary key.
      WHERE org_id = {org:String} AND minute >= toStartOfDay(toDateTime({now:DateTime64(3, 'UTC')}), {tz:String})
        AND minute <= toDateTime({now:DateTime64(3, 'UTC')}, 'UTC')
      GROUP BY queue_id, channel
      UNION ALL
      SELECT 'waiting', queue_id, channel, sum(entered) - sum(left_line), toInt64(argMaxMerge(latest_estimate)), 0, 0, CAST([] AS Array(UInt64))
      FROM ${db}.queue_line_hour
      WHERE org_id = {org:String} AND arrival >= toStartOfHour(toDateTime({now:DateTime64(3, 'UTC')}, 'UTC') - INTERVAL 1 DAY)
      GROUP BY queue_id, channel
      UNION ALL
      SELECT 'oldest', queue_id, channel, toInt64(toUnixTimestamp(min(arrival))), toInt64(sum(in_line)), 0, 0, CAST([] AS Array(UInt64))
      FROM (
        -- Two levels: the hourly cells name each queue's oldest hour with someone still in line;
        -- only that hour's minute cells are read to find the minute.
        SELECT queue_id, channel, arrival, sum(entered) - sum(left_line) AS in_line
        FROM ${db}.queue_line_minute
        WHERE org_id = {org:String}
          AND arrival >= (SELECT min(h) FROM oldest_hours) AND arrival < (SELECT max(h) FROM oldest_hours) + INTERVAL 1 HOUR
          AND (queue_id, channel, toStartOfHour(arrival)) IN (SELECT queue_id, channel, h FROM oldest_hours)
        GROUP BY queue_id, channel, arrival
        HAVING in_line > 0
      )
      GROUP BY queue_id, channel
      UNION ALL
      SELECT 'agents', queue_id, state, toInt64(count()), 0, 0, 0, CAST([] AS Array(UInt64))
      FROM (
        SELECT agent_id,
          argMaxIf(state, (at, event_id), type = 'agent.state_changed') AS state,
          argMaxIf(queue_ids, (at, event_id), type = 'agent.memberships_changed') AS queues
        FROM ${db}.agent_events
        WHERE org_id = {org:String} AND at >= {now:DateTime64(3, 'UTC')} - INTERVAL 1 DAY AND at <= {now:DateTime64(3, 'UTC')}
        GROUP BY agent_id
      )
      ARRAY JOIN queues AS queue_id
      WHERE state != ''
      GROUP BY queue_id, state`,
    query_params: params,
    format: 'JSONEachRow',
  });
  type Part = { part: 'today' | 'waiting' | 'oldest' | 'agents'; q: string; c: string; a: string; b: string; d: string; e: string; within: string[] };
  const parts = await result.json<Part>();
  const todayRows = parts.filter((p) => p.part === 'today').map((p) => ({ queue_id: p.q, channel: p.c, offered: p.a, answered: p.b, abandoned: p.d, wait_ms: p.e, within: p.within }));
  const waitingRows = parts.filter((p) => p.part === 'waiting').map((p) => ({ queue_id: p.q, channel: p.c, waiting: p.a, estimate: Number(p.b) }));
  const oldestRows = parts.filter((p) => p.part === 'oldest').map((p) => ({ queue_id: p.q, channel: p.c, oldest_arrival_ms: String(Number(p.a) * 1000), in_window: p.b }));
  const agentRows = parts.filter((p) => p.part === 'agents').map((p) => ({ queue_id: p.q, state: p.c, agents: p.a }));

  const rows = new Map<string, RealtimeRow>();
  const row = (queueId: string, channel: string) => {
    const id = `${queueId}\u0000${channel}`;
    let r = rows.get(id);
    if (!r) {
      r = { queueId, channel, waiting: 0, oldestWaitSeconds: 0, offeredToday: 0, answeredToday: 0, abandonedToday: 0, serviceLevelToday: null, asaSecondsToday: null, estimatedWaitSeconds: null, oldestBeyondWindow: false, agents: {} };
      rows.set(id, r);
    }
    return r;
  };
  const thresholds = new Map(input.queues.map((q) => [q.id, q.slThresholdSeconds]));
  for (const t of todayRows) {
    const r = row(t.queue_id, t.channel);
    r.offeredToday = Number(t.offered);
    r.answeredToday = Number(t.answered);
    r.abandonedToday = Number(t.abandoned);
    const index = MINUTE_THRESHOLDS.indexOf((thresholds.get(t.queue_id) ?? 20) as (typeof MINUTE_THRESHOLDS)[number]);
    r.serviceLevelToday = r.answeredToday > 0 && index >= 0 ? Number(t.within[index]) / r.answeredToday : null;
    r.asaSecondsToday = r.answeredToday > 0 ? Number(t.wait_ms) / r.answeredToday / 1000 : null;
  }
  for (const w of waitingRows) {
    const r = row(w.queue_id, w.channel);
    r.waiting = Math.max(0, Number(w.waiting));
    r.estimatedWaitSeconds = w.estimate >= 0 ? Number(w.estimate) : null;
  }
  for (const o of oldestRows) {
    const r = row(o.queue_id, o.channel);
    if (r.waiting === 0) continue;
    // Counted from the start of the minute the oldest contact joined: never less than its real wait.
    r.oldestWaitSeconds = Math.round((input.now - Number(o.oldest_arrival_ms)) / 1000);
    r.oldestBeyondWindow = r.waiting > Number(o.in_window);
  }
  for (const r of rows.values()) {
    if (r.waiting > 0 && r.oldestWaitSeconds === 0) {
      r.oldestWaitSeconds = OLDEST_WAIT_WINDOW_MS / 1000;
      r.oldestBeyondWindow = true;
    }
  }
  for (const a of agentRows) {
    for (const r of rows.values()) if (r.queueId === a.queue_id) r.agents[a.state] = Number(a.agents);
  }
  return [...rows.values()].sort((a, b) => a.queueId.localeCompare(b.queueId) || a.channel.localeCompare(b.channel));
}

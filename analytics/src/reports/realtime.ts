import { TupleParam } from '@clickhouse/client';
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
const WINDOW_SECONDS = OLDEST_WAIT_WINDOW_MS / 1000;

/**
 * What supervisors watch, per queue and channel: waiting now and each queue's oldest occupied hour
 * (hourly line cells of the last day), the oldest wait to the minute (that hour's minute cells only,
 * in a second round trip when anyone waits), today so far (hourly cells), the latest estimated wait,
 * and agents by state.
 */
export async function realtimeSnapshot(store: AnalyticsStore, input: { orgId: string; timeZone: string; now: number; queues: RealtimeQueueInput[] }): Promise<RealtimeRow[]> {
  const db = store.database;
  const params = { org: input.orgId, tz: input.timeZone, now: clickhouseTime(input.now) };
  // One round trip: the parts as branches of one UNION ALL, which ClickHouse runs in parallel.
  const result = await store.client.query({
    query: `
      SELECT 'today' AS part, queue_id AS q, channel AS c,
        toInt64(countMerge(offered)) AS a, toInt64(countMerge(answered)) AS b, toInt64(countMerge(abandoned)) AS d,
        toInt64(sumMerge(answer_wait_ms)) AS e, sumForEachMerge(answered_within) AS within
      FROM ${db}.queue_hour
      -- Compared as DateTime (the columns' type): a DateTime64 expression would hide the primary key.
      WHERE org_id = {org:String} AND minute >= toStartOfDay(toDateTime({now:DateTime64(3, 'UTC')}), {tz:String})
        AND minute <= toDateTime({now:DateTime64(3, 'UTC')}, 'UTC')
      GROUP BY queue_id, channel
      UNION ALL
      SELECT 'waiting', queue_id, channel, sum(in_line), toInt64(argMaxMerge(estimate)), toInt64(toUnixTimestamp(minIf(arrival, in_line > 0))), 0, CAST([] AS Array(UInt64))
      FROM (
        SELECT queue_id, channel, arrival, sum(entered) - sum(left_line) AS in_line, argMaxMergeState(latest_estimate) AS estimate
        FROM ${db}.queue_line_hour
        WHERE org_id = {org:String} AND arrival >= toStartOfHour(toDateTime({now:DateTime64(3, 'UTC')}, 'UTC') - INTERVAL ${WINDOW_SECONDS} SECOND)
        GROUP BY queue_id, channel, arrival
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
  type Part = { part: 'today' | 'waiting' | 'agents'; q: string; c: string; a: string; b: string; d: string; e: string; within: string[] };
  const parts = await result.json<Part>();

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
  const agentsByQueue = new Map<string, Record<string, number>>();
  const oldestHours = new Map<RealtimeRow, number>();
  for (const p of parts) {
    if (p.part === 'agents') {
      const states = agentsByQueue.get(p.q) ?? {};
      states[p.c] = Number(p.a);
      agentsByQueue.set(p.q, states);
      continue;
    }
    const r = row(p.q, p.c);
    if (p.part === 'today') {
      r.offeredToday = Number(p.a);
      r.answeredToday = Number(p.b);
      r.abandonedToday = Number(p.d);
      const index = MINUTE_THRESHOLDS.indexOf((thresholds.get(p.q) ?? 20) as (typeof MINUTE_THRESHOLDS)[number]);
      r.serviceLevelToday = r.answeredToday > 0 && index >= 0 ? Number(p.within[index]) / r.answeredToday : null;
      r.asaSecondsToday = r.answeredToday > 0 ? Number(p.e) / r.answeredToday / 1000 : null;
    } else {
      r.waiting = Math.max(0, Number(p.a));
      r.estimatedWaitSeconds = Number(p.b) >= 0 ? Number(p.b) : null;
      if (r.waiting > 0 && Number(p.d) > 0) oldestHours.set(r, Number(p.d));
    }
  }

  // Second round trip, only when someone waits: the minute cells of each queue's oldest occupied hour.
  if (oldestHours.size > 0) {
    const hours = [...oldestHours.values()];
    const minutes = await store.client.query({
      query: `
        SELECT queue_id, channel, toUnixTimestamp(min(arrival)) * 1000 AS oldest_arrival_ms
        FROM (
          SELECT queue_id, channel, arrival, sum(entered) - sum(left_line) AS in_line
          FROM ${db}.queue_line_minute
          WHERE org_id = {org:String} AND arrival >= toDateTime({from:UInt32}, 'UTC') AND arrival < toDateTime({to:UInt32}, 'UTC')
            AND (queue_id, channel, toUnixTimestamp(toStartOfHour(arrival))) IN {cells:Array(Tuple(String, String, UInt32))}
          GROUP BY queue_id, channel, arrival
          HAVING in_line > 0
        )
        GROUP BY queue_id, channel`,
      query_params: {
        org: input.orgId,
        from: Math.min(...hours),
        to: Math.max(...hours) + 3600,
        cells: [...oldestHours].map(([r, hour]) => new TupleParam([r.queueId, r.channel, hour])),
      },
      format: 'JSONEachRow',
    });
    for (const o of await minutes.json<{ queue_id: string; channel: string; oldest_arrival_ms: string }>()) {
      // Counted from the start of the minute the oldest contact joined: never less than its real wait.
      row(o.queue_id, o.channel).oldestWaitSeconds = Math.round((input.now - Number(o.oldest_arrival_ms)) / 1000);
    }
  }
  for (const r of rows.values()) {
    r.agents = agentsByQueue.get(r.queueId) ?? {};
    if (r.waiting > 0 && r.oldestWaitSeconds === 0) {
      r.oldestWaitSeconds = WINDOW_SECONDS;
      r.oldestBeyondWindow = true;
    }
  }
  return [...rows.values()].sort((a, b) => a.queueId.localeCompare(b.queueId) || a.channel.localeCompare(b.channel));
}

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
  agents: Record<string, number>;
}

const WAITING_TYPES = ['contact.enqueued', 'contact.offered', 'contact.offer_rejected', 'contact.offer_timed_out', 'contact.offer_withdrawn', 'contact.requeued', 'contact.priority_changed'];

/**
 * What supervisors watch, per queue and channel: waiting now, oldest wait, today so far (from the
 * per-minute view), the latest estimated wait, and agents by state. Reads only today's partitions.
 */
export async function realtimeSnapshot(store: AnalyticsStore, input: { orgId: string; timeZone: string; now: number; queues: RealtimeQueueInput[] }): Promise<RealtimeRow[]> {
  const db = store.database;
  const params = { org: input.orgId, tz: input.timeZone, now: clickhouseTime(input.now), waiting_types: WAITING_TYPES };
  const [today, waiting, agents] = await Promise.all([
    store.client.query({
      query: `
        SELECT queue_id, channel, countMerge(offered) AS offered, countMerge(answered) AS answered, countMerge(abandoned) AS abandoned,
          sumMerge(answer_wait_ms) AS wait_ms, sumForEachMerge(answered_within) AS within
        FROM ${db}.queue_minute
        WHERE org_id = {org:String} AND minute >= toStartOfDay(toDateTime({now:DateTime64(3, 'UTC')}), {tz:String})
          AND minute <= toDateTime({now:DateTime64(3, 'UTC')}, 'UTC')
        GROUP BY queue_id, channel`,
      query_params: params,
      format: 'JSONEachRow',
    }),
    store.client.query({
      query: `
        SELECT queue_id, channel, countIf(last_type IN {waiting_types:Array(String)}) AS waiting,
          maxIf(wait_ms, last_type IN {waiting_types:Array(String)}) AS oldest_ms,
          argMaxIf(estimate, arrived, arrived > 0) AS estimate
        FROM (
          SELECT contact_id,
            argMax(queue_id, (at, event_id)) AS queue_id,
            argMax(channel, (at, event_id)) AS channel,
            argMax(type, (at, event_id)) AS last_type,
            toUnixTimestamp64Milli(maxIf(at, type = 'contact.enqueued')) AS arrived,
            toUnixTimestamp64Milli({now:DateTime64(3, 'UTC')}) - arrived AS wait_ms,
            argMaxIf(estimated_wait_s, at, type = 'contact.enqueued') AS estimate
          FROM ${db}.contact_events
          WHERE org_id = {org:String} AND at >= {now:DateTime64(3, 'UTC')} - INTERVAL 1 DAY AND at <= {now:DateTime64(3, 'UTC')}
          GROUP BY contact_id
        )
        GROUP BY queue_id, channel`,
      query_params: params,
      format: 'JSONEachRow',
    }),
    store.client.query({
      query: `
        SELECT queue_id, state, count() AS agents
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
    }),
  ]);
  type TodayRow = { queue_id: string; channel: string; offered: string; answered: string; abandoned: string; wait_ms: string; within: string[] };
  type WaitingRow = { queue_id: string; channel: string; waiting: string; oldest_ms: string; estimate: number };
  const todayRows = await today.json<TodayRow>();
  const waitingRows = await waiting.json<WaitingRow>();
  const agentRows = await agents.json<{ queue_id: string; state: string; agents: string }>();

  const rows = new Map<string, RealtimeRow>();
  const row = (queueId: string, channel: string) => {
    const id = `${queueId}\u0000${channel}`;
    let r = rows.get(id);
    if (!r) {
      r = { queueId, channel, waiting: 0, oldestWaitSeconds: 0, offeredToday: 0, answeredToday: 0, abandonedToday: 0, serviceLevelToday: null, asaSecondsToday: null, estimatedWaitSeconds: null, agents: {} };
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
    r.waiting = Number(w.waiting);
    r.oldestWaitSeconds = r.waiting > 0 ? Math.round(Number(w.oldest_ms) / 1000) : 0;
    r.estimatedWaitSeconds = w.estimate >= 0 ? Number(w.estimate) : null;
  }
  for (const a of agentRows) {
    for (const r of rows.values()) if (r.queueId === a.queue_id) r.agents[a.state] = Number(a.agents);
  }
  return [...rows.values()].sort((a, b) => a.queueId.localeCompare(b.queueId) || a.channel.localeCompare(b.channel));
}

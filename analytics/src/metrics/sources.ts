/**
 * The row sources metrics aggregate over, as parameterised SQL. Common query parameters:
 * {org:String}, {from:DateTime64(3, 'UTC')}, {to:DateTime64(3, 'UTC')}, {tz:String}.
 */

/**
 * One row per contact and queue it waited in (a transfer starts a new segment), counted in the
 * period of its enqueue time. Talk includes hold; after-contact work is wrap-up start to end.
 */
export function segmentsSql(db: string): string {
  // Inner aliases never reuse a column name (s_…), so every name inside an aggregate means the column.
  return `
    SELECT contact_id, queue_id, s_channel AS channel, s_customer_id AS customer_id, s_enqueued_at AS enqueued_at,
      answered, abandoned, answer_wait_ms, abandon_wait_ms, s_agent_id AS agent_id, s_classification AS classification,
      transferred, hold_ms, handled, talk_ms, acw_ms
    FROM (
      SELECT
        contact_id,
        queue_id,
        anyIf(channel, type = 'contact.enqueued') AS s_channel,
        anyIf(customer_id, type = 'contact.enqueued') AS s_customer_id,
        minIf(at, type = 'contact.enqueued') AS s_enqueued_at,
        countIf(type = 'contact.enqueued') > 0 AS was_enqueued,
        countIf(type = 'contact.offer_accepted') > 0 AS answered,
        countIf(type = 'contact.abandoned') > 0 AS abandoned,
        maxIf(waited_ms, type = 'contact.offer_accepted') AS answer_wait_ms,
        maxIf(waited_ms, type = 'contact.abandoned') AS abandon_wait_ms,
        anyIf(agent_id, type = 'contact.offer_accepted') AS s_agent_id,
        anyIf(classification, type = 'contact.wrap_up_ended') AS s_classification,
        countIf(type = 'contact.transferred' AND agent_id != '') > 0 AS transferred,
        sumIf(held_ms, type = 'contact.resumed') AS hold_ms,
        countIf(type = 'contact.closed' AND reason = 'handled') > 0 AS handled,
        countIf(type = 'contact.wrap_up_started') > 0 AS had_wrap,
        toUnixTimestamp64Milli(minIf(at, type = 'contact.connected')) AS connected_ms,
        toUnixTimestamp64Milli(minIf(at, type = 'contact.wrap_up_started')) AS wrap_start_ms,
        toUnixTimestamp64Milli(minIf(at, type = 'contact.wrap_up_ended')) AS wrap_end_ms,
        toUnixTimestamp64Milli(minIf(at, type = 'contact.closed')) AS closed_ms,
        if(handled, if(had_wrap, wrap_start_ms, closed_ms) - connected_ms, 0) AS talk_ms,
        if(handled AND had_wrap, wrap_end_ms - wrap_start_ms, 0) AS acw_ms
      FROM ${db}.contact_events
      WHERE org_id = {org:String}
        AND at >= {from:DateTime64(3, 'UTC')} - INTERVAL 1 DAY
        AND at < {to:DateTime64(3, 'UTC')} + INTERVAL 1 DAY
      GROUP BY contact_id, queue_id
      HAVING was_enqueued AND s_enqueued_at >= {from:DateTime64(3, 'UTC')} AND s_enqueued_at < {to:DateTime64(3, 'UTC')}
    )`;
}

/**
 * Agent time as intervals between consecutive status/state events, each with the status and state
 * in force (carried forward), clipped to the period and to now ({until}: nobody is staffed in the
 * future), and attributed to the bucket where it starts.
 */
export function agentTimeSql(db: string): string {
  return `
    SELECT agent_id, at_start AS bucket_time, status_now, state_now,
      greatest(0, toUnixTimestamp64Milli(least(next_at, {until:DateTime64(3, 'UTC')})) - toUnixTimestamp64Milli(greatest(at_start, {from:DateTime64(3, 'UTC')}))) AS duration_ms
    FROM (
      SELECT agent_id, at AS at_start,
        leadInFrame(at, 1, {until:DateTime64(3, 'UTC')}) OVER (PARTITION BY agent_id ORDER BY at, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS next_at,
        anyLast(nullIf(status, '')) OVER (PARTITION BY agent_id ORDER BY at, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS status_now,
        anyLast(nullIf(state, '')) OVER (PARTITION BY agent_id ORDER BY at, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS state_now
      FROM ${db}.agent_events
      WHERE org_id = {org:String}
        AND type IN ('agent.status_changed', 'agent.state_changed')
        AND at >= {from:DateTime64(3, 'UTC')} - INTERVAL 1 DAY
        AND at < {until:DateTime64(3, 'UTC')}
    )
    WHERE next_at > {from:DateTime64(3, 'UTC')}`;
}

export function surveysSql(db: string): string {
  return `
    SELECT queue_id, agent_id, channel, classification, kind, score, at AS bucket_time
    FROM ${db}.survey_answers
    WHERE org_id = {org:String} AND at >= {from:DateTime64(3, 'UTC')} AND at < {to:DateTime64(3, 'UTC')}`;
}

/**
 * One row per contact (first queue it entered) with the gap to the same customer's previous contact,
 * any channel, looking back one repeat window before the period.
 */
export function repeatsSql(db: string): string {
  return `
    SELECT * FROM (
      SELECT contact_id, customer_id, queue_id, channel, enqueued_at,
        toUnixTimestamp64Milli(enqueued_at) - lagInFrame(toUnixTimestamp64Milli(enqueued_at), 1, 0)
          OVER (PARTITION BY customer_id ORDER BY enqueued_at, contact_id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS gap_ms,
        row_number() OVER (PARTITION BY customer_id ORDER BY enqueued_at, contact_id) AS nth
      FROM (
        SELECT contact_id, r_customer_id AS customer_id, r_queue_id AS queue_id, r_channel AS channel, r_enqueued_at AS enqueued_at
        FROM (
          SELECT contact_id, argMin(customer_id, at) AS r_customer_id, argMin(queue_id, at) AS r_queue_id, argMin(channel, at) AS r_channel, min(at) AS r_enqueued_at
          FROM ${db}.contact_events
          WHERE org_id = {org:String} AND type = 'contact.enqueued' AND customer_id != ''
            AND at >= {from:DateTime64(3, 'UTC')} - INTERVAL {repeat_window_h:UInt32} HOUR AND at < {to:DateTime64(3, 'UTC')}
          GROUP BY contact_id
        )
      )
    )
    WHERE enqueued_at >= {from:DateTime64(3, 'UTC')}`;
}

/**
 * One row per feedback item that arrived in the period (its first "new"), with its topic and queue,
 * whether and how fast it was first answered (answers after the period count: the item is judged
 * by when it came), and the target that applies: its queue's own, else the report's default.
 */
export function feedbackSql(db: string): string {
  return `
    SELECT feedback_id, f_queue_id AS queue_id, f_topic AS topic, new_at AS bucket_time, was_answered, response_ms, was_closed,
      1000 * transform(f_queue_id, {target_queues:Array(String)}, {target_seconds:Array(UInt32)}, toUInt32({feedback_target_h:UInt32} * 3600)) AS target_ms
    FROM (
      SELECT
        feedback_id,
        argMinIf(queue_id, at, status = 'new') AS f_queue_id,
        argMinIf(topic, at, status = 'new') AS f_topic,
        minIf(at, status = 'new') AS new_at,
        countIf(status = 'answered') > 0 AS was_answered,
        if(was_answered, toUnixTimestamp64Milli(minIf(at, status = 'answered')) - toUnixTimestamp64Milli(new_at), 0) AS response_ms,
        countIf(status = 'closed') > 0 AS was_closed
      FROM ${db}.feedback_events
      WHERE org_id = {org:String} AND at >= {from:DateTime64(3, 'UTC')}
      GROUP BY feedback_id
    )
    WHERE new_at >= {from:DateTime64(3, 'UTC')} AND new_at < {to:DateTime64(3, 'UTC')}`;
}

import { COLUMN_TYPES, ENVELOPE, type ColumnKind, type ColumnValue, type Envelope } from './columns.ts';

/** One fact family: a ClickHouse table and the event types that land in it. */
export interface Family<C extends Record<string, ColumnKind> = Record<string, ColumnKind>> {
  table: string;
  /** Bumped when a column is added; rows carry the version they were written with. */
  version: number;
  description: string;
  columns: C;
  /** After org_id and the date (which always lead): the rest of the sort key. */
  sortKey: string[];
  /** Default retention (the admin's retention setting moves it with ALTER … MODIFY TTL). */
  retentionDays: number;
}

const family = <C extends Record<string, ColumnKind>>(f: Family<C>): Family<C> => f;

/** Rows of a family: the envelope plus its own columns, every value typed from its kind. */
export type RowOf<F> = F extends Family<infer C> ? Envelope & { [K in keyof C]: ColumnValue[C[K]] } : never;

const TWO_YEARS = 2 * 366;

export const FAMILIES = {
  contact: family({
    table: 'contact_events',
    version: 1,
    description: 'Every step of every contact, any channel: enqueued, offered, answered, abandoned, transferred, wrap-up, closed',
    columns: {
      contact_id: 'string',
      queue_id: 'lowCardinality',
      channel: 'lowCardinality',
      agent_id: 'lowCardinality',
      customer_id: 'string',
      offer_id: 'string',
      priority: 'int32',
      position: 'int32',
      estimated_wait_s: 'int32',
      /** Enqueue time (a callback keeps the one it replaces); 0 when not an enqueue. */
      enqueued_at: 'time',
      waited_ms: 'int64',
      held_ms: 'int64',
      reason: 'lowCardinality',
      classification: 'lowCardinality',
      to_queue_id: 'lowCardinality',
      ring_all: 'bool',
      was_offered: 'bool',
    },
    sortKey: ['queue_id', 'contact_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  agent: family({
    table: 'agent_events',
    version: 1,
    description: 'Agent status (their intent) and state (what the system sees) changes, and queue membership changes',
    columns: {
      agent_id: 'lowCardinality',
      status: 'lowCardinality',
      previous_status: 'lowCardinality',
      state: 'lowCardinality',
      previous_state: 'lowCardinality',
      reason: 'lowCardinality',
      service_role_id: 'lowCardinality',
      queue_ids: 'stringArray',
    },
    sortKey: ['agent_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  routing: family({
    table: 'routing_decisions',
    version: 1,
    description: 'One row per routing decision with its trace: candidates, exclusions and reasons, scores, tie-break',
    columns: {
      trigger: 'lowCardinality',
      contact_id: 'string',
      agent_id: 'lowCardinality',
      queue_id: 'lowCardinality',
      strategy: 'lowCardinality',
      relaxation_step: 'int8',
      chosen_agent_ids: 'stringArray',
      chosen_contact_id: 'string',
      tie_break: 'string',
      candidates_count: 'uint16',
      excluded_count: 'uint16',
      /** JSON: [{agentId, contactId, queueId, eligible, reason?, score?}], at most STORED_CANDIDATES (eligible first, best first). */
      candidates: 'string',
    },
    sortKey: ['queue_id', 'at', 'event_id'],
    retentionDays: 180,
  }),
  message: family({
    table: 'message_events',
    version: 1,
    description: 'Messages of chats and emails (facts only; the text lives in the OLTP store)',
    columns: { contact_id: 'string', message_id: 'string', channel: 'lowCardinality', sender_role: 'lowCardinality', sender_id: 'string', length: 'uint32' },
    sortKey: ['contact_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  mediaQuality: family({
    table: 'media_quality',
    version: 1,
    description: 'Call quality samples every few seconds: round-trip time, jitter, loss',
    columns: { call_id: 'string', contact_id: 'string', participant: 'lowCardinality', rtt_ms: 'float32', jitter_ms: 'float32', packet_loss: 'float32', bitrate_kbps: 'float32' },
    sortKey: ['call_id', 'at', 'event_id'],
    retentionDays: 90,
  }),
  recording: family({
    table: 'recording_events',
    version: 1,
    description: 'Recording started, paused (PCI), resumed, stopped, ready',
    columns: { recording_id: 'string', contact_id: 'string', action: 'lowCardinality', duration_ms: 'int64', paused_ms: 'int64' },
    sortKey: ['contact_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  transcript: family({
    table: 'transcript_segments',
    version: 1,
    description: 'Transcript segments per speaker with times, for search',
    columns: { contact_id: 'string', recording_id: 'string', speaker: 'lowCardinality', start_ms: 'int64', end_ms: 'int64', language: 'lowCardinality', text: 'string' },
    sortKey: ['contact_id', 'start_ms', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  evaluation: family({
    table: 'qa_evaluations',
    version: 1,
    description: 'QA evaluation scores per contact, agent and form',
    columns: { evaluation_id: 'string', contact_id: 'string', agent_id: 'lowCardinality', evaluator_id: 'lowCardinality', form_id: 'lowCardinality', score: 'float32', max_score: 'float32', sections: 'string' },
    sortKey: ['agent_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  survey: family({
    table: 'survey_answers',
    version: 1,
    description: 'Post-contact survey answers: CSAT (1–5) and NPS (0–10), tied to queue, agent and classification',
    columns: { contact_id: 'string', customer_id: 'string', queue_id: 'lowCardinality', agent_id: 'lowCardinality', channel: 'lowCardinality', classification: 'lowCardinality', kind: 'lowCardinality', score: 'int16' },
    sortKey: ['queue_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  feedback: family({
    table: 'feedback_events',
    version: 1,
    description: 'Web feedback items through their workflow: new, assigned, answered, closed',
    columns: { feedback_id: 'string', contact_id: 'string', queue_id: 'lowCardinality', topic: 'lowCardinality', status: 'lowCardinality', previous_status: 'lowCardinality' },
    sortKey: ['queue_id', 'at', 'event_id'],
    retentionDays: TWO_YEARS,
  }),
  audit: family({
    table: 'audit_entries',
    version: 1,
    description: 'Security-relevant actions: sign-ins, failed sign-ins, user, role and configuration changes, data access',
    columns: { actor_user_id: 'string', actor_username: 'lowCardinality', action: 'lowCardinality', target_type: 'lowCardinality', target_id: 'string', ip: 'string', details: 'string' },
    sortKey: ['action', 'at', 'event_id'],
    retentionDays: 3 * 366,
  }),
} as const;

export type FamilyName = keyof typeof FAMILIES;
export type ContactRow = RowOf<typeof FAMILIES.contact>;
export type AgentRow = RowOf<typeof FAMILIES.agent>;
export type RoutingRow = RowOf<typeof FAMILIES.routing>;
export type AuditRow = RowOf<typeof FAMILIES.audit>;
export type SurveyRow = RowOf<typeof FAMILIES.survey>;

/** A row on its way to a table: the unit the writer spools and ships. */
export interface EventRecord {
  table: string;
  row: Envelope & Record<string, unknown>;
}

/** The CREATE TABLE for a family: MergeTree, monthly partitions, org + date leading the sort key, TTL. */
export function createTableStatement(database: string, f: Family): string {
  const columns = Object.entries({ ...ENVELOPE, ...f.columns }).map(([name, kind]) => `  ${name} ${COLUMN_TYPES[kind as ColumnKind]}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${f.table} (`,
    columns.join(',\n'),
    `) ENGINE = MergeTree`,
    `PARTITION BY toYYYYMM(at)`,
    `ORDER BY (org_id, toDate(at), ${f.sortKey.join(', ')})`,
    `TTL toDateTime(at) + INTERVAL ${f.retentionDays} DAY`,
    // Retried batches carry the same insert_deduplication_token and are dropped here.
    `SETTINGS non_replicated_deduplication_window = 10000`,
  ].join('\n');
}

/** Every family's columns with ClickHouse types, for the metric dictionary and the SQL page. */
export function describeFamilies() {
  return Object.values(FAMILIES).map((f) => ({
    table: f.table,
    version: f.version,
    description: f.description,
    columns: Object.entries({ ...ENVELOPE, ...f.columns }).map(([name, kind]) => ({ name, type: COLUMN_TYPES[kind as ColumnKind] })),
  }));
}

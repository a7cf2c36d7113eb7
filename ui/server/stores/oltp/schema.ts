import type { Generated } from 'kysely';

/**
 * The OLTP tables as kysely sees them. Portable across SQLite and PostgreSQL by convention:
 * ids are text (UUIDs made by the app), times are epoch milliseconds (bigint), booleans are
 * 0/1 integers, lists and value objects are JSON text.
 */
export interface Database {
  organisations: {
    id: string;
    name: string;
    time_zone: string;
    default_language: string;
    created_at: number;
    widget_secret: string | null;
    /** Days recordings and their transcripts are kept (null: RECORDING_RETENTION_DAYS). */
    recording_retention_days: number | null;
  };
  users: {
    id: string;
    org_id: string;
    username: string;
    display_name: string;
    email: string | null;
    password_hash: string;
    language: string;
    active: number;
    active_service_role_id: string | null;
    created_at: number;
    updated_at: number;
  };
  user_roles: { user_id: string; role: string };
  sessions: {
    id: string;
    user_id: string;
    csrf_token: string;
    created_at: number;
    last_seen_at: number;
    expires_at: number;
    ip: string | null;
    user_agent: string | null;
  };
  audit_log: {
    id: string;
    org_id: string | null;
    at: number;
    actor_user_id: string | null;
    actor_username: string | null;
    action: string;
    target_type: string | null;
    target_id: string | null;
    ip: string | null;
    details: string;
  };
  teams: { id: string; org_id: string; name: string; created_at: number; updated_at: number };
  team_members: { team_id: string; user_id: string };
  skills: { id: string; org_id: string; name: string; description: string; created_at: number; updated_at: number };
  user_skills: { user_id: string; skill_id: string; proficiency: number };
  business_hours: {
    id: string;
    org_id: string;
    name: string;
    time_zone: string;
    weekly: string;
    holidays: string;
    created_at: number;
    updated_at: number;
  };
  classification_groups: { id: string; org_id: string; name: string; created_at: number; updated_at: number };
  classifications: { id: string; org_id: string; group_id: string; code: string; name: string; active: number; position: number };
  queues: {
    id: string;
    org_id: string;
    name: string;
    description: string;
    channels: string;
    strategy: string;
    sl_threshold_seconds: number;
    sl_target_percent: number;
    wrap_up_seconds: number;
    classification_required: number;
    classification_group_id: string | null;
    business_hours_id: string | null;
    max_queue_length: number | null;
    priority: number;
    /** Written work answered within this many hours is on target (null: the report's default). */
    response_target_hours: number | null;
    /** Calls of this queue are transcribed in this language: fi, sv, en, or auto (detected). */
    transcription_language: Generated<string>;
    created_at: number;
    updated_at: number;
  };
  service_roles: { id: string; org_id: string; name: string; description: string; created_at: number; updated_at: number };
  service_role_queues: { service_role_id: string; queue_id: string; priority: number };
  user_service_roles: { user_id: string; service_role_id: string };
  customers: {
    id: string;
    org_id: string;
    external_id: string | null;
    display_name: string;
    email: string | null;
    phone: string | null;
    segment: string | null;
    account_manager_user_id: string | null;
    language: string | null;
    /** Set when this record was merged into another: its contacts moved there, it is kept for the trail. */
    merged_into: string | null;
    /** What the customer agreed to, e.g. `{"surveys":false}` (JSON; a missing key means not refused). */
    consent: Generated<string>;
    created_at: number;
    updated_at: number;
  };
  /** One row per contact of any channel; `status` mirrors the engine's phase (offers are not kept: they are re-made). */
  contacts: {
    id: string;
    org_id: string;
    channel: string;
    queue_id: string;
    customer_id: string | null;
    status: ContactStatus;
    priority: number;
    enqueued_at: number;
    /** When it joined its current queue (waiting), was connected, or began wrap-up: what a rebuild needs. */
    since_at: number;
    agent_user_id: string | null;
    preferred_agent_id: string | null;
    preferred_timeout_seconds: number;
    attributes: string;
    subject: string;
    customer_name: string;
    customer_language: string;
    /** SHA-256 of the customer's resume token (the widget keeps the token). */
    resume_hash: string | null;
    classification_id: string | null;
    close_reason: string | null;
    rating: number | null;
    /** Net promoter answer (0–10), beside the CSAT `rating` (1–5). */
    nps: number | null;
    /** When the survey invitation went by e-mail (once). */
    survey_sent_at: number | null;
    transcript_email: string | null;
    transcript_sent_at: number | null;
    /** Callbacks: attempts made, the last outcome, and when the next may be made (status `scheduled`). */
    attempts: Generated<number>;
    outcome: string | null;
    not_before: number | null;
    /** Feedback's workflow: new, assigned, answered, closed (null for other channels). */
    workflow_status: string | null;
    created_at: number;
    connected_at: number | null;
    ended_at: number | null;
    closed_at: number | null;
  };
  messages: { id: string; org_id: string; contact_id: string; seq: number; at: number; sender_role: 'customer' | 'agent' | 'system'; sender_id: string | null; body: string };
  api_keys: {
    id: string;
    org_id: string;
    name: string;
    /** SHA-256 of the key; the key itself is shown once, when made. */
    key_hash: string;
    /** The key's first characters, to tell keys apart in the list. */
    prefix: string;
    created_by: string | null;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  webhook_endpoints: { id: string; org_id: string; url: string; secret: string; events: string; active: number; created_at: number };
  /** One row per event per endpoint; `seq` orders an endpoint's deliveries (each waits for the one before). */
  webhook_deliveries: {
    id: string;
    endpoint_id: string;
    seq: number;
    event_type: string;
    payload: string;
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    last_error: string | null;
    last_status_code: number | null;
    next_attempt_at: number;
    delivered_at: number | null;
    created_at: number;
  };
  email_uploads: {
    id: string;
    org_id: string;
    contact_id: string;
    user_id: string;
    filename: string;
    content_type: string;
    size: number;
    /** Relative to DATA_DIR. */
    path: string;
    sent_at: number | null;
    created_at: number;
  };
  feedback_topics: { id: string; org_id: string; code: string; name: string; queue_id: string; position: number };
  email_routes: { id: string; org_id: string; address: string; queue_id: string; created_at: number };
  email_messages: {
    id: string;
    org_id: string;
    contact_id: string | null;
    direction: 'in' | 'out';
    message_id: string | null;
    in_reply_to: string | null;
    /** JSON: the References chain. */
    refs: string;
    from_addr: string;
    from_name: string;
    to_addrs: string;
    cc_addrs: string;
    subject: string;
    body_text: string;
    /** Where the message is kept exactly as received (inbound) under DATA_DIR. */
    raw_path: string | null;
    /** JSON: [{ filename, contentType, size, path }]. */
    attachments: string;
    flagged: number;
    flag_reason: string | null;
    at: number;
  };
  /** A recording of one agent's part of a call: a file per speaker and a stereo mix, under DATA_DIR/`dir`. */
  recordings: {
    id: string;
    org_id: string;
    contact_id: string;
    queue_id: string;
    agent_user_id: string | null;
    /** recording → ready (or failed: no mix); interrupted (the server stopped mid-call, kept as far as it got); deleted (retention). */
    status: 'recording' | 'ready' | 'failed' | 'interrupted' | 'deleted';
    dir: string;
    /** JSON: { customer, agent, mix } file names in `dir`. */
    files: string;
    bytes: number;
    started_at: number;
    ended_at: number | null;
    duration_ms: number;
    paused_ms: number;
    /** JSON: [{ fromMs, toMs }], PCI pauses from the start of the recording. */
    pauses: string;
    /** What to transcribe it as (the queue's setting when it started). */
    language: string;
    delete_after: number | null;
    error: string | null;
    created_at: number;
  };
  transcription_jobs: {
    id: string;
    org_id: string;
    recording_id: string;
    status: 'queued' | 'running' | 'done' | 'failed';
    attempts: number;
    /** 0–1 through the recording (both channels). */
    progress: number;
    error: string | null;
    next_attempt_at: number;
    started_at: number | null;
    finished_at: number | null;
    created_at: number;
  };
  transcript_segments: {
    id: string;
    org_id: string;
    recording_id: string;
    contact_id: string;
    speaker: 'customer' | 'agent';
    seq: number;
    start_ms: number;
    end_ms: number;
    language: string;
    text: string;
    /** JSON: [{ text, startMs, endMs, p }] where the engine gives word (token) times. */
    words: string;
    confidence: number;
  };
  agent_presence: { user_id: string; org_id: string; status: string; reason: string | null; channels: string; updated_at: number };
}

/** `requested`: a callback or feedback left in the widget, kept until the callbacks and feedback workflow routes it (issue 7). */
export type ContactStatus = 'waiting' | 'connected' | 'wrap-up' | 'closed' | 'requested' | 'scheduled';

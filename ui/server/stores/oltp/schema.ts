/**
 * The OLTP tables as kysely sees them. Portable across SQLite and PostgreSQL by convention:
 * ids are text (UUIDs made by the app), times are epoch milliseconds (bigint), booleans are
 * 0/1 integers, lists and value objects are JSON text.
 */
export interface Database {
  organisations: { id: string; name: string; time_zone: string; default_language: string; created_at: number };
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
    created_at: number;
    updated_at: number;
  };
  service_roles: { id: string; org_id: string; name: string; description: string; created_at: number; updated_at: number };
  service_role_queues: { service_role_id: string; queue_id: string; priority: number };
  user_service_roles: { user_id: string; service_role_id: string };
}

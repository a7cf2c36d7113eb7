import type { AgentConfig, BusinessHours, Channel, QueueConfig, ServiceRoleConfig, StrategyName } from '@cc/acd';
import type { Kysely } from 'kysely';
import type { Database } from '../stores/oltp/schema.ts';

export interface RoutingSettings {
  /** How long an offer rings before it goes to the next agent. */
  offerTimeoutSeconds: number;
  /** How long a VIP waits for their account manager before anyone in the queue may take them. */
  preferredAgentTimeoutSeconds: number;
}

export interface QueueInfo {
  id: string;
  name: string;
  channels: Channel[];
  classificationRequired: boolean;
  /** The queue's classification choices (active ones, in order). */
  classifications: { id: string; code: string; name: string }[];
  slThresholdSeconds: number;
}

export interface AgentInfo {
  id: string;
  username: string;
  displayName: string;
  serviceRoleIds: string[];
}

/** What the engine needs of one organisation, read from the OLTP store, plus names for the views. */
export interface OrganisationConfig {
  orgId: string;
  timeZone: string;
  queues: QueueConfig[];
  serviceRoles: ServiceRoleConfig[];
  agents: AgentConfig[];
  queueInfo: Map<string, QueueInfo>;
  agentInfo: Map<string, AgentInfo>;
  serviceRoleNames: Map<string, string>;
}

/** Reads one organisation's routing configuration: queues, service roles and active agents. */
export async function loadOrganisationConfig(db: Kysely<Database>, orgId: string, settings: RoutingSettings): Promise<OrganisationConfig> {
  const org = await db.selectFrom('organisations').select('time_zone').where('id', '=', orgId).executeTakeFirstOrThrow();
  const [queueRows, hoursRows, classRows, roleRows, roleQueueRows, userRows, skillRows, heldRows] = await Promise.all([
    db.selectFrom('queues').selectAll().where('org_id', '=', orgId).execute(),
    db.selectFrom('business_hours').selectAll().where('org_id', '=', orgId).execute(),
    db.selectFrom('classifications').select(['id', 'group_id', 'code', 'name', 'position']).where('org_id', '=', orgId).where('active', '=', 1).orderBy('position').execute(),
    db.selectFrom('service_roles').select(['id', 'name']).where('org_id', '=', orgId).execute(),
    db
      .selectFrom('service_role_queues')
      .innerJoin('service_roles', 'service_roles.id', 'service_role_queues.service_role_id')
      .select(['service_role_queues.service_role_id', 'service_role_queues.queue_id', 'service_role_queues.priority'])
      .where('service_roles.org_id', '=', orgId)
      .execute(),
    db
      .selectFrom('users')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .select(['users.id', 'users.username', 'users.display_name', 'users.active_service_role_id'])
      .where('users.org_id', '=', orgId)
      .where('users.active', '=', 1)
      .where('user_roles.role', '=', 'agent')
      .execute(),
    db
      .selectFrom('user_skills')
      .innerJoin('users', 'users.id', 'user_skills.user_id')
      .select(['user_skills.user_id', 'user_skills.skill_id', 'user_skills.proficiency'])
      .where('users.org_id', '=', orgId)
      .execute(),
    db
      .selectFrom('user_service_roles')
      .innerJoin('users', 'users.id', 'user_service_roles.user_id')
      .select(['user_service_roles.user_id', 'user_service_roles.service_role_id'])
      .where('users.org_id', '=', orgId)
      .execute(),
  ]);

  const hours = new Map<string, BusinessHours>(
    hoursRows.map((h) => [h.id, { timeZone: h.time_zone, weekly: JSON.parse(h.weekly), holidays: JSON.parse(h.holidays) }]),
  );
  const queues: QueueConfig[] = [];
  const queueInfo = new Map<string, QueueInfo>();
  for (const q of queueRows) {
    const channels = JSON.parse(q.channels) as Channel[];
    const classificationRequired = Number(q.classification_required) === 1;
    queues.push({
      id: q.id,
      channels,
      strategy: q.strategy as StrategyName,
      serviceLevel: { thresholdSeconds: q.sl_threshold_seconds, targetPercent: q.sl_target_percent },
      wrapUpSeconds: q.wrap_up_seconds,
      classificationRequired,
      businessHours: q.business_hours_id ? (hours.get(q.business_hours_id) ?? null) : null,
      maxQueueLength: q.max_queue_length,
      priority: q.priority,
      offerTimeoutSeconds: settings.offerTimeoutSeconds,
      notReadyOnNoAnswer: true,
    });
    queueInfo.set(q.id, {
      id: q.id,
      name: q.name,
      channels,
      classificationRequired,
      classifications: classRows.filter((c) => c.group_id === q.classification_group_id).map((c) => ({ id: c.id, code: c.code, name: c.name })),
      slThresholdSeconds: q.sl_threshold_seconds,
    });
  }

  const serviceRoles: ServiceRoleConfig[] = roleRows.map((r) => ({
    id: r.id,
    memberships: roleQueueRows.filter((m) => m.service_role_id === r.id).map((m) => ({ queueId: m.queue_id, priority: m.priority })),
  }));
  const agentIds = new Set(userRows.map((u) => u.id));
  const skills = new Map<string, Record<string, number>>();
  for (const s of skillRows) if (agentIds.has(s.user_id)) (skills.get(s.user_id) ?? skills.set(s.user_id, {}).get(s.user_id)!)[s.skill_id] = s.proficiency;
  const agents: AgentConfig[] = userRows.map((u) => ({ id: u.id, skills: skills.get(u.id) ?? {}, serviceRoleId: u.active_service_role_id }));
  const agentInfo = new Map(
    userRows.map((u) => [u.id, { id: u.id, username: u.username, displayName: u.display_name, serviceRoleIds: heldRows.filter((h) => h.user_id === u.id).map((h) => h.service_role_id) }]),
  );
  return { orgId, timeZone: org.time_zone, queues, serviceRoles, agents, queueInfo, agentInfo, serviceRoleNames: new Map(roleRows.map((r) => [r.id, r.name])) };
}

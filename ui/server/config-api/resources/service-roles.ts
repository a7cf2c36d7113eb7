import { errors } from '../../errors.ts';
import type { ConfigResource } from '../resource.ts';
import { assertExist, assertUnused, countWhere } from '../references.ts';
import { description, id, name, objectSchema } from '../schema-parts.ts';

/**
 * A service role (palvelurooli / tjänsteroll): a named set of queue memberships, each with a
 * priority, that an agent switches to with one click or a supervisor assigns.
 */
export interface Membership {
  queueId: string;
  /** 1 (highest) … 10: which of the agent's queues they serve first. */
  priority: number;
}
export interface ServiceRoleInput {
  name: string;
  description?: string;
  memberships: Membership[];
}
export interface ServiceRole {
  id: string;
  name: string;
  description: string;
  memberships: Membership[];
}

const body = objectSchema(
  {
    name,
    description,
    memberships: {
      type: 'array',
      maxItems: 500,
      items: objectSchema({ queueId: id, priority: { type: 'integer', minimum: 1, maximum: 10 } }, ['queueId', 'priority']),
    },
  },
  ['name', 'memberships'],
);

type Db = Parameters<ConfigResource<ServiceRoleInput, ServiceRole>['get']>[0];

async function membershipsOf(db: Db, roleIds: string[]): Promise<Map<string, Membership[]>> {
  const byRole = new Map<string, Membership[]>();
  if (roleIds.length === 0) return byRole;
  const rows = await db
    .selectFrom('service_role_queues')
    .select(['service_role_id', 'queue_id', 'priority'])
    .where('service_role_id', 'in', roleIds)
    .orderBy('priority')
    .orderBy('queue_id')
    .execute();
  for (const row of rows) {
    const list = byRole.get(row.service_role_id) ?? [];
    list.push({ queueId: row.queue_id, priority: row.priority });
    byRole.set(row.service_role_id, list);
  }
  return byRole;
}

export const serviceRoles: ConfigResource<ServiceRoleInput, ServiceRole> = {
  path: 'service-roles',
  entity: 'service_role',
  body,
  async list(db, orgId) {
    const rows = await db.selectFrom('service_roles').select(['id', 'name', 'description']).where('org_id', '=', orgId).orderBy('name').execute();
    const memberships = await membershipsOf(db, rows.map((r) => r.id));
    return rows.map((row) => ({ ...row, memberships: memberships.get(row.id) ?? [] }));
  },
  async get(db, orgId, roleId) {
    const row = await db
      .selectFrom('service_roles')
      .select(['id', 'name', 'description'])
      .where('org_id', '=', orgId)
      .where('id', '=', roleId)
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...row, memberships: (await membershipsOf(db, [roleId])).get(roleId) ?? [] };
  },
  async check(trx, ctx, input) {
    const seen = new Set<string>();
    input.memberships.forEach((m, i) => {
      if (seen.has(m.queueId)) throw errors.validationFailed(`memberships/${i}/queueId repeats a queue`, `memberships/${i}/queueId`);
      seen.add(m.queueId);
    });
    await assertExist(trx, 'queues', ctx.orgId, input.memberships.map((m) => m.queueId), 'memberships/*/queueId');
  },
  async insert(trx, ctx, roleId, input) {
    await trx
      .insertInto('service_roles')
      .values({ id: roleId, org_id: ctx.orgId, name: input.name, description: input.description ?? '', created_at: ctx.now, updated_at: ctx.now })
      .execute();
    await writeMemberships(trx, roleId, input.memberships);
  },
  async update(trx, ctx, roleId, input) {
    await trx.updateTable('service_roles').set({ name: input.name, description: input.description ?? '', updated_at: ctx.now }).where('id', '=', roleId).execute();
    await trx.deleteFrom('service_role_queues').where('service_role_id', '=', roleId).execute();
    await writeMemberships(trx, roleId, input.memberships);
  },
  async remove(trx, _ctx, roleId) {
    assertUnused(await countWhere(trx, 'user_service_roles', 'service_role_id', roleId), 'agents holding the role');
    await trx.deleteFrom('service_roles').where('id', '=', roleId).execute();
  },
  auditDetails: (input, before) => ({ name: input?.name ?? before?.name, memberships: input?.memberships, previousMemberships: before?.memberships }),
};

async function writeMemberships(trx: Db, roleId: string, memberships: Membership[]): Promise<void> {
  if (memberships.length === 0) return;
  await trx
    .insertInto('service_role_queues')
    .values(memberships.map((m) => ({ service_role_id: roleId, queue_id: m.queueId, priority: m.priority })))
    .execute();
}

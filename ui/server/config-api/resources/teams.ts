import type { ConfigResource } from '../resource.ts';
import { assertExist } from '../references.ts';
import { name, objectSchema, uniqueIds } from '../schema-parts.ts';

export interface TeamInput {
  name: string;
  memberIds: string[];
}
export interface Team {
  id: string;
  name: string;
  memberIds: string[];
}

export const teams: ConfigResource<TeamInput, Team> = {
  path: 'teams',
  entity: 'team',
  body: objectSchema({ name, memberIds: uniqueIds }, ['name', 'memberIds']),
  async list(db, orgId) {
    const rows = await db.selectFrom('teams').select(['id', 'name']).where('org_id', '=', orgId).orderBy('name').execute();
    const members = await db
      .selectFrom('team_members')
      .innerJoin('teams', 'teams.id', 'team_members.team_id')
      .select(['team_members.team_id', 'team_members.user_id'])
      .where('teams.org_id', '=', orgId)
      .orderBy('team_members.user_id')
      .execute();
    return rows.map((row) => ({ ...row, memberIds: members.filter((m) => m.team_id === row.id).map((m) => m.user_id) }));
  },
  async get(db, orgId, id) {
    const row = await db.selectFrom('teams').select(['id', 'name']).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const members = await db.selectFrom('team_members').select('user_id').where('team_id', '=', id).orderBy('user_id').execute();
    return { ...row, memberIds: members.map((m) => m.user_id) };
  },
  async check(trx, ctx, input) {
    await assertExist(trx, 'users', ctx.orgId, input.memberIds, 'memberIds/*');
  },
  async insert(trx, ctx, id, input) {
    await trx.insertInto('teams').values({ id, org_id: ctx.orgId, name: input.name, created_at: ctx.now, updated_at: ctx.now }).execute();
    await writeMembers(trx, id, input.memberIds);
  },
  async update(trx, ctx, id, input) {
    await trx.updateTable('teams').set({ name: input.name, updated_at: ctx.now }).where('id', '=', id).execute();
    await trx.deleteFrom('team_members').where('team_id', '=', id).execute();
    await writeMembers(trx, id, input.memberIds);
  },
  async remove(trx, _ctx, id) {
    await trx.deleteFrom('teams').where('id', '=', id).execute();
  },
  auditDetails: (input, before) => ({ name: input?.name ?? before?.name, memberIds: input?.memberIds, previousMemberIds: before?.memberIds }),
};

async function writeMembers(trx: Parameters<NonNullable<ConfigResource<TeamInput, Team>['check']>>[0], teamId: string, userIds: string[]) {
  if (userIds.length === 0) return;
  await trx.insertInto('team_members').values(userIds.map((user_id) => ({ team_id: teamId, user_id }))).execute();
}

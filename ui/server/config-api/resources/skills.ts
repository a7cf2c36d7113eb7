import type { ConfigResource } from '../resource.ts';
import { assertUnused, countWhere } from '../references.ts';
import { description, name, objectSchema } from '../schema-parts.ts';

export interface SkillInput {
  name: string;
  description?: string;
}
export interface Skill {
  id: string;
  name: string;
  description: string;
}

export const skills: ConfigResource<SkillInput, Skill> = {
  path: 'skills',
  entity: 'skill',
  body: objectSchema({ name, description }, ['name']),
  async list(db, orgId) {
    return db.selectFrom('skills').select(['id', 'name', 'description']).where('org_id', '=', orgId).orderBy('name').execute();
  },
  async get(db, orgId, id) {
    return db.selectFrom('skills').select(['id', 'name', 'description']).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  },
  async insert(trx, ctx, id, input) {
    await trx
      .insertInto('skills')
      .values({ id, org_id: ctx.orgId, name: input.name, description: input.description ?? '', created_at: ctx.now, updated_at: ctx.now })
      .execute();
  },
  async update(trx, ctx, id, input) {
    await trx.updateTable('skills').set({ name: input.name, description: input.description ?? '', updated_at: ctx.now }).where('id', '=', id).execute();
  },
  async remove(trx, _ctx, id) {
    assertUnused(await countWhere(trx, 'user_skills', 'skill_id', id), 'agent skill profiles');
    await trx.deleteFrom('skills').where('id', '=', id).execute();
  },
  auditDetails: (input, before) => ({ name: input?.name ?? before?.name }),
};

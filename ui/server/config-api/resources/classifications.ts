import { randomUUID } from 'node:crypto';
import { errors } from '../../errors.ts';
import type { ConfigResource } from '../resource.ts';
import { assertUnused, countWhere } from '../references.ts';
import { name, objectSchema } from '../schema-parts.ts';

/** A wrap-up code; codes dropped from a group are retired (inactive), never deleted, so history keeps its meaning. */
export interface ClassificationInput {
  code: string;
  name: string;
  active?: boolean;
}
export interface Classification {
  id: string;
  code: string;
  name: string;
  active: boolean;
}
export interface ClassificationGroupInput {
  name: string;
  classifications: ClassificationInput[];
}
export interface ClassificationGroup {
  id: string;
  name: string;
  classifications: Classification[];
}

const body = objectSchema(
  {
    name,
    classifications: {
      type: 'array',
      maxItems: 500,
      items: objectSchema(
        { code: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$' }, name, active: { type: 'boolean' } },
        ['code', 'name'],
      ),
    },
  },
  ['name', 'classifications'],
);

type Db = Parameters<ConfigResource<ClassificationGroupInput, ClassificationGroup>['get']>[0];

async function codesOf(db: Db, groupIds: string[]): Promise<Map<string, Classification[]>> {
  const byGroup = new Map<string, Classification[]>();
  if (groupIds.length === 0) return byGroup;
  const rows = await db
    .selectFrom('classifications')
    .select(['id', 'group_id', 'code', 'name', 'active'])
    .where('group_id', 'in', groupIds)
    .orderBy('position')
    .orderBy('code')
    .execute();
  for (const row of rows) {
    const list = byGroup.get(row.group_id) ?? [];
    list.push({ id: row.id, code: row.code, name: row.name, active: Boolean(row.active) });
    byGroup.set(row.group_id, list);
  }
  return byGroup;
}

export const classificationGroups: ConfigResource<ClassificationGroupInput, ClassificationGroup> = {
  path: 'classification-groups',
  entity: 'classification_group',
  body,
  async list(db, orgId) {
    const groups = await db.selectFrom('classification_groups').select(['id', 'name']).where('org_id', '=', orgId).orderBy('name').execute();
    const codes = await codesOf(db, groups.map((g) => g.id));
    return groups.map((g) => ({ ...g, classifications: codes.get(g.id) ?? [] }));
  },
  async get(db, orgId, id) {
    const group = await db.selectFrom('classification_groups').select(['id', 'name']).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!group) return undefined;
    return { ...group, classifications: (await codesOf(db, [id])).get(id) ?? [] };
  },
  async check(_trx, _ctx, input) {
    const seen = new Map<string, number>();
    input.classifications.forEach((c, i) => {
      const key = c.code.toLowerCase();
      if (seen.has(key)) throw errors.validationFailed(`classifications/${i}/code repeats ${c.code}`, `classifications/${i}/code`);
      seen.set(key, i);
    });
  },
  async insert(trx, ctx, id, input) {
    await trx.insertInto('classification_groups').values({ id, org_id: ctx.orgId, name: input.name, created_at: ctx.now, updated_at: ctx.now }).execute();
    await writeCodes(trx, ctx.orgId, id, input.classifications, []);
  },
  async update(trx, ctx, id, input, before) {
    await trx.updateTable('classification_groups').set({ name: input.name, updated_at: ctx.now }).where('id', '=', id).execute();
    await writeCodes(trx, ctx.orgId, id, input.classifications, before.classifications);
  },
  async remove(trx, _ctx, id) {
    assertUnused(await countWhere(trx, 'queues', 'classification_group_id', id), 'queues');
    await trx.deleteFrom('classification_groups').where('id', '=', id).execute();
  },
  auditDetails: (input, before) => ({ name: input?.name ?? before?.name, codes: input?.classifications.map((c) => c.code) }),
};

async function writeCodes(trx: Db, orgId: string, groupId: string, wanted: ClassificationInput[], existing: Classification[]): Promise<void> {
  const byCode = new Map(existing.map((c) => [c.code.toLowerCase(), c]));
  for (const [position, input] of wanted.entries()) {
    const current = byCode.get(input.code.toLowerCase());
    const active = input.active === false ? 0 : 1;
    if (current) {
      byCode.delete(input.code.toLowerCase());
      await trx.updateTable('classifications').set({ code: input.code, name: input.name, active, position }).where('id', '=', current.id).execute();
    } else {
      await trx
        .insertInto('classifications')
        .values({ id: randomUUID(), org_id: orgId, group_id: groupId, code: input.code, name: input.name, active, position })
        .execute();
    }
  }
  // Codes left out are retired, keeping their ids for the contacts already classified with them.
  for (const retired of byCode.values()) {
    await trx.updateTable('classifications').set({ active: 0, position: 10_000 }).where('id', '=', retired.id).execute();
  }
}

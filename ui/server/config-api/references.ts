import type { Kysely, Transaction } from 'kysely';
import { errors } from '../errors.ts';
import type { Database } from '../stores/oltp/schema.ts';

type OrgTable = 'users' | 'teams' | 'skills' | 'queues' | 'service_roles' | 'classification_groups' | 'business_hours';
export type Db = Kysely<Database> | Transaction<Database>;

/** Every id must name a row of this organisation, or the request is refused naming the field. */
export async function assertExist(db: Db, table: OrgTable, orgId: string, ids: readonly string[], field: string): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const found = await db
    .selectFrom(table)
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', unique)
    .execute();
  const known = new Set(found.map((row) => row.id));
  const index = ids.findIndex((value) => !known.has(value));
  if (index >= 0) {
    const at = field.includes('*') ? field.replace('*', String(index)) : field;
    throw errors.referenceNotFound(`${at} names no ${table.replace(/_/g, ' ').replace(/s$/, '')} of this organisation`, at);
  }
}

/** Refuses a delete while other records still point at the item, saying how many. */
export function assertUnused(count: number, what: string): void {
  if (count > 0) throw errors.inUse(`Still used by ${count} ${what}`, undefined, { count, usedBy: what });
}

export async function countWhere<T extends keyof Database>(db: Db, table: T, column: string, value: string): Promise<number> {
  // Dynamic table/column names come only from code, never from input.
  const row = await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
    .selectFrom(table as string)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(column, '=', value)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

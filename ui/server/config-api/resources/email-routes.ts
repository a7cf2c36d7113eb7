import type { ConfigResource } from '../resource.ts';
import { assertExist } from '../references.ts';
import { id, objectSchema } from '../schema-parts.ts';

export interface EmailRouteInput {
  address: string;
  queueId: string;
}
export interface EmailRoute {
  id: string;
  address: string;
  queueId: string;
}

/** Which mailbox feeds which queue: mail to an address with no route is refused at the SMTP door (550). */
export const emailRoutes: ConfigResource<EmailRouteInput, EmailRoute> = {
  path: 'email-routes',
  entity: 'email_route',
  body: objectSchema({ address: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }, queueId: id }, ['address', 'queueId']),
  uniqueField: 'address',
  async list(db, orgId) {
    return db.selectFrom('email_routes').select(['id', 'address', 'queue_id as queueId']).where('org_id', '=', orgId).orderBy('address').execute();
  },
  async get(db, orgId, routeId) {
    return db.selectFrom('email_routes').select(['id', 'address', 'queue_id as queueId']).where('org_id', '=', orgId).where('id', '=', routeId).executeTakeFirst();
  },
  async check(trx, ctx, input) {
    await assertExist(trx, 'queues', ctx.orgId, [input.queueId], 'queueId');
  },
  async insert(trx, ctx, routeId, input) {
    await trx.insertInto('email_routes').values({ id: routeId, org_id: ctx.orgId, address: input.address.toLowerCase(), queue_id: input.queueId, created_at: ctx.now }).execute();
  },
  async update(trx, _ctx, routeId, input) {
    await trx.updateTable('email_routes').set({ address: input.address.toLowerCase(), queue_id: input.queueId }).where('id', '=', routeId).execute();
  },
  async remove(trx, _ctx, routeId) {
    await trx.deleteFrom('email_routes').where('id', '=', routeId).execute();
  },
  auditDetails: (input, before) => ({ address: input?.address ?? before?.address, queueId: input?.queueId ?? before?.queueId }),
};

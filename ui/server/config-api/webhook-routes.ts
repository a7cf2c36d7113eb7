import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { adminsOnly } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { newWebhookSecret, WEBHOOK_EVENTS, type Webhooks } from '../contact-center/webhooks.ts';
import { errors } from '../errors.ts';
import type { Database } from '../stores/oltp/schema.ts';
import { idParams, objectSchema } from './schema-parts.ts';

const endpointBody = objectSchema(
  {
    url: { type: 'string', maxLength: 2000, pattern: '^https?://[^\\s]+$' },
    events: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: { enum: ['*', ...WEBHOOK_EVENTS] } },
    active: { type: 'boolean' },
  },
  ['url', 'events'],
);

interface EndpointInput {
  url: string;
  events: string[];
  active?: boolean;
}

/**
 * Admins point write-back at other systems: endpoints (URL, events, signing secret), each one's
 * delivery log, and a replay button. The secret is shown to admins (they set it in the receiver);
 * it never reaches a log or the audit trail.
 */
export async function webhookRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; webhooks: Webhooks; audit: AuditLog; now: () => number }) {
  const { db, webhooks, audit, now } = deps;
  const view = async (orgId: string) => {
    const rows = await db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
    const counts = await db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
      .select(['webhook_deliveries.endpoint_id', 'webhook_deliveries.status', (eb) => eb.fn.countAll().as('n')])
      .where('webhook_endpoints.org_id', '=', orgId)
      .groupBy(['webhook_deliveries.endpoint_id', 'webhook_deliveries.status'])
      .execute();
    return rows.map((r) => {
      const count = (status: string) => Number(counts.find((c) => c.endpoint_id === r.id && c.status === status)?.n ?? 0);
      return { id: r.id, url: r.url, events: JSON.parse(r.events) as string[], active: r.active === 1, secret: r.secret, createdAt: Number(r.created_at), delivered: count('delivered'), pending: count('pending'), failed: count('failed') };
    });
  };
  const find = async (orgId: string, id: string) => {
    const row = await db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.notFound('No such webhook endpoint');
    return row;
  };

  app.get('/api/config/webhooks', { config: { access: adminsOnly } }, async (request) => ({ items: await view(request.auth!.orgId), events: WEBHOOK_EVENTS }));

  app.post<{ Body: EndpointInput }>('/api/config/webhooks', { config: { access: adminsOnly }, schema: { body: endpointBody } }, async (request, reply) => {
    const auth = request.auth!;
    const id = randomUUID();
    await db
      .insertInto('webhook_endpoints')
      .values({ id, org_id: auth.orgId, url: request.body.url, secret: newWebhookSecret(), events: JSON.stringify(request.body.events), active: request.body.active === false ? 0 : 1, created_at: now() })
      .execute();
    await webhooks.reload();
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'webhook.created', targetType: 'webhook', targetId: id, ip: request.ip, details: { origin: new URL(request.body.url).origin, events: request.body.events } });
    reply.status(201);
    return (await view(auth.orgId)).find((e) => e.id === id);
  });

  app.put<{ Params: { id: string }; Body: EndpointInput }>('/api/config/webhooks/:id', { config: { access: adminsOnly }, schema: { params: idParams, body: endpointBody } }, async (request) => {
    const auth = request.auth!;
    await find(auth.orgId, request.params.id);
    await db
      .updateTable('webhook_endpoints')
      .set({ url: request.body.url, events: JSON.stringify(request.body.events), active: request.body.active === false ? 0 : 1 })
      .where('id', '=', request.params.id)
      .execute();
    await webhooks.reload();
    webhooks.kick();
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'webhook.updated', targetType: 'webhook', targetId: request.params.id, ip: request.ip, details: { origin: new URL(request.body.url).origin, events: request.body.events, active: request.body.active !== false } });
    return (await view(auth.orgId)).find((e) => e.id === request.params.id);
  });

  app.delete<{ Params: { id: string } }>('/api/config/webhooks/:id', { config: { access: adminsOnly }, schema: { params: idParams } }, async (request, reply) => {
    const auth = request.auth!;
    await find(auth.orgId, request.params.id);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', request.params.id).execute();
      await trx.deleteFrom('webhook_endpoints').where('id', '=', request.params.id).execute();
    });
    await webhooks.reload();
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'webhook.deleted', targetType: 'webhook', targetId: request.params.id, ip: request.ip });
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    '/api/config/webhooks/:id/deliveries',
    { config: { access: adminsOnly }, schema: { params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } } } } },
    async (request) => {
      await find(request.auth!.orgId, request.params.id);
      return { items: await webhooks.deliveries(request.auth!.orgId, request.params.id, request.query.limit ?? 100) };
    },
  );

  app.post<{ Params: { id: string } }>('/api/config/webhooks/deliveries/:id/replay', { config: { access: adminsOnly }, schema: { params: idParams } }, async (request, reply) => {
    const auth = request.auth!;
    if (!(await webhooks.replay(auth.orgId, request.params.id))) throw errors.notFound('No such delivery');
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'webhook.replayed', targetType: 'webhook_delivery', targetId: request.params.id, ip: request.ip });
    return reply.status(202).send({ replayed: request.params.id });
  });
}

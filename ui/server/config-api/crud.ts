import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { adminsOnly, configReaders } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { PasswordCost } from '../auth/passwords.ts';
import { errors } from '../errors.ts';
import { constraintViolation } from '../stores/oltp/oltp-store.ts';
import type { Database } from '../stores/oltp/schema.ts';
import type { ConfigResource, WriteContext } from './resource.ts';
import { idParams } from './schema-parts.ts';

export interface CrudDeps {
  db: Kysely<Database>;
  audit: AuditLog;
  now: () => number;
  passwordCost: PasswordCost;
  /** Told after a configuration change commits, so the live ACD picks it up. */
  changed?: (orgId: string) => Promise<void>;
}

/** Registers the five routes of one configuration resource. */
export function registerCrud<I, O extends { id: string }>(app: FastifyInstance, deps: CrudDeps, resource: ConfigResource<I, O>): void {
  const base = `/api/config/${resource.path}`;
  const read = resource.read ?? configReaders;
  const write = resource.write ?? adminsOnly;

  const context = (request: FastifyRequest): WriteContext => ({
    orgId: request.auth!.orgId,
    now: deps.now(),
    auth: request.auth!,
    passwordCost: deps.passwordCost,
  });

  const auditChange = async (request: FastifyRequest, trx: Parameters<AuditLog['record']>[1], action: string, id: string, input?: I, before?: O) => {
    const auth = request.auth!;
    await deps.audit.record(
      {
        orgId: auth.orgId,
        actorUserId: auth.userId,
        actorUsername: auth.username,
        action,
        targetType: resource.entity,
        targetId: id,
        ip: request.ip,
        details: resource.auditDetails?.(input, before) ?? {},
      },
      trx,
    );
  };

  // A duplicate name (or other unique key) becomes a 409 naming the field, not a 500.
  const mapConflicts = (error: unknown): never => {
    if (constraintViolation(error) === 'unique') {
      const field = resource.uniqueField ?? 'name';
      throw errors.conflict(`A ${resource.entity} with that ${field} already exists`, field);
    }
    if (constraintViolation(error) === 'foreign-key') throw errors.inUse(`The ${resource.entity} is still referenced`);
    throw error;
  };

  const existing = async (orgId: string, id: string): Promise<O> => {
    const item = await resource.get(deps.db, orgId, id);
    if (!item) throw errors.notFound(`No ${resource.entity} ${id}`);
    return item;
  };

  app.get(base, { config: { access: read } }, async (request) => ({ items: await resource.list(deps.db, request.auth!.orgId) }));

  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { access: read }, schema: { params: idParams } }, async (request) =>
    existing(request.auth!.orgId, request.params.id),
  );

  app.post<{ Body: I }>(base, { config: { access: write }, schema: { body: resource.body } }, async (request, reply) => {
    const ctx = context(request);
    const id = randomUUID();
    const prepared = resource.prepare ? await resource.prepare(ctx, request.body as I) : (request.body as I);
    await deps.db
      .transaction()
      .execute(async (trx) => {
        const input = prepared;
        await resource.check?.(trx, ctx, input);
        await resource.insert(trx, ctx, id, input);
        await auditChange(request, trx, `${resource.entity}.created`, id, input);
      })
      .catch(mapConflicts);
    await deps.changed?.(ctx.orgId);
    reply.status(201);
    return existing(ctx.orgId, id);
  });

  app.put<{ Params: { id: string }; Body: I }>(
    `${base}/:id`,
    { config: { access: write }, schema: { params: idParams, body: resource.body } },
    async (request) => {
      const ctx = context(request);
      const id = request.params.id;
      const prepared = resource.prepare ? await resource.prepare(ctx, request.body as I, await existing(ctx.orgId, id)) : (request.body as I);
      await deps.db
        .transaction()
        .execute(async (trx) => {
          const before = await resource.get(trx, ctx.orgId, id);
          if (!before) throw errors.notFound(`No ${resource.entity} ${id}`);
          const input = prepared;
          await resource.check?.(trx, ctx, input, before);
          await resource.update(trx, ctx, id, input, before);
          await auditChange(request, trx, `${resource.entity}.updated`, id, input, before);
        })
        .catch(mapConflicts);
      await deps.changed?.(ctx.orgId);
      return existing(ctx.orgId, id);
    },
  );

  app.delete<{ Params: { id: string } }>(
    `${base}/:id`,
    { config: { access: write }, schema: { params: idParams } },
    async (request, reply) => {
      const ctx = context(request);
      const id = request.params.id;
      await deps.db
        .transaction()
        .execute(async (trx) => {
          const before = await resource.get(trx, ctx.orgId, id);
          if (!before) throw errors.notFound(`No ${resource.entity} ${id}`);
          await resource.remove(trx, ctx, id, before);
          await auditChange(request, trx, resource.removeAction ?? `${resource.entity}.deleted`, id, undefined, before);
        })
        .catch(mapConflicts);
      await deps.changed?.(ctx.orgId);
      return reply.status(204).send();
    },
  );
}

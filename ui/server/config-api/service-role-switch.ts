import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { onlyRoles } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { errors } from '../errors.ts';
import type { Database } from '../stores/oltp/schema.ts';
import { assertExist } from './references.ts';
import { idParams, nullableId, objectSchema } from './schema-parts.ts';

const body = objectSchema({ serviceRoleId: nullableId }, ['serviceRoleId']);

/**
 * The one-click service-role switch: an agent picks among the roles they hold; a supervisor
 * (or admin) may put anyone into any role of the organisation, which also grants it.
 */
export async function serviceRoleSwitchRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; audit: AuditLog; now: () => number; changed?: (orgId: string) => Promise<void> }) {
  const { db, audit } = deps;

  const rolesHeldBy = async (userId: string) =>
    db
      .selectFrom('user_service_roles')
      .innerJoin('service_roles', 'service_roles.id', 'user_service_roles.service_role_id')
      .select(['service_roles.id', 'service_roles.name'])
      .where('user_service_roles.user_id', '=', userId)
      .orderBy('service_roles.name')
      .execute();

  const activate = async (request: FastifyRequest, userId: string, serviceRoleId: string | null, grant: boolean) => {
    const auth = request.auth!;
    await db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').select(['id', 'active_service_role_id']).where('org_id', '=', auth.orgId).where('id', '=', userId).executeTakeFirst();
      if (!user) throw errors.notFound(`No user ${userId}`);
      if (serviceRoleId) {
        await assertExist(trx, 'service_roles', auth.orgId, [serviceRoleId], 'serviceRoleId');
        const held = await trx
          .selectFrom('user_service_roles')
          .select('service_role_id')
          .where('user_id', '=', userId)
          .where('service_role_id', '=', serviceRoleId)
          .executeTakeFirst();
        if (!held && !grant) throw errors.forbidden('You do not hold that service role', 'serviceRoleId');
        if (!held) await trx.insertInto('user_service_roles').values({ user_id: userId, service_role_id: serviceRoleId }).execute();
      }
      await trx.updateTable('users').set({ active_service_role_id: serviceRoleId, updated_at: deps.now() }).where('id', '=', userId).execute();
      await audit.record(
        {
          orgId: auth.orgId,
          actorUserId: auth.userId,
          actorUsername: auth.username,
          action: 'user.service_role_switched',
          targetType: 'user',
          targetId: userId,
          ip: request.ip,
          details: { serviceRoleId, previousServiceRoleId: user.active_service_role_id },
        },
        trx,
      );
    });
    await deps.changed?.(auth.orgId);
  };

  app.get('/api/me/service-roles', { config: { access: onlyRoles('agent') } }, async (request) => {
    const me = await db.selectFrom('users').select('active_service_role_id').where('id', '=', request.auth!.userId).executeTakeFirstOrThrow();
    return { activeServiceRoleId: me.active_service_role_id, items: await rolesHeldBy(request.auth!.userId) };
  });

  app.put<{ Body: { serviceRoleId: string | null } }>(
    '/api/me/active-service-role',
    { config: { access: onlyRoles('agent') }, schema: { body } },
    async (request) => {
      await activate(request, request.auth!.userId, request.body.serviceRoleId, false);
      return { activeServiceRoleId: request.body.serviceRoleId };
    },
  );

  app.put<{ Params: { id: string }; Body: { serviceRoleId: string | null } }>(
    '/api/config/users/:id/active-service-role',
    { config: { access: onlyRoles('supervisor', 'admin') }, schema: { params: idParams, body } },
    async (request) => {
      await activate(request, request.params.id, request.body.serviceRoleId, true);
      return { activeServiceRoleId: request.body.serviceRoleId };
    },
  );
}

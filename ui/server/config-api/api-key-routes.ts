import type { FastifyInstance } from 'fastify';
import { adminsOnly } from '../access.ts';
import type { ApiKeys } from '../auth/api-keys.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { errors } from '../errors.ts';
import { idParams, objectSchema } from './schema-parts.ts';

/** Admins make and revoke the keys other systems call the API with; the key is shown once. */
export async function apiKeyRoutes(app: FastifyInstance, deps: { apiKeys: ApiKeys; audit: AuditLog }) {
  const { apiKeys, audit } = deps;
  app.get('/api/config/api-keys', { config: { access: adminsOnly } }, async (request) => ({
    items: (await apiKeys.list(request.auth!.orgId)).map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      createdAt: Number(k.created_at),
      lastUsedAt: k.last_used_at === null ? null : Number(k.last_used_at),
      revokedAt: k.revoked_at === null ? null : Number(k.revoked_at),
    })),
  }));

  app.post<{ Body: { name: string } }>(
    '/api/config/api-keys',
    { config: { access: adminsOnly }, schema: { body: objectSchema({ name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } }, ['name']) } },
    async (request, reply) => {
      const auth = request.auth!;
      const made = await apiKeys.create(auth.orgId, request.body.name, auth.userId);
      // The key never reaches the audit log or the server log: only its id and prefix.
      await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'api_key.created', targetType: 'api_key', targetId: made.id, ip: request.ip, details: { name: request.body.name, prefix: made.prefix } });
      reply.status(201);
      return { id: made.id, name: request.body.name, prefix: made.prefix, key: made.key };
    },
  );

  app.delete<{ Params: { id: string } }>('/api/config/api-keys/:id', { config: { access: adminsOnly }, schema: { params: idParams } }, async (request, reply) => {
    const auth = request.auth!;
    if (!(await apiKeys.revoke(auth.orgId, request.params.id))) throw errors.notFound('No such active API key');
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'api_key.revoked', targetType: 'api_key', targetId: request.params.id, ip: request.ip });
    return reply.status(204).send();
  });
}

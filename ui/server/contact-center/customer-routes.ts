import type { FastifyInstance } from 'fastify';
import { onlyRoles } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { opaqueId, opaqueIdParams } from '../config-api/schema-parts.ts';
import type { CustomerRegistry } from './customer-registry.ts';

const nullableText = (max: number) => ({ anyOf: [{ type: 'string', maxLength: max }, { type: 'null' }] });
const customerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    email: { anyOf: [{ type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }, { type: 'null' }] },
    phone: { anyOf: [{ type: 'string', maxLength: 40, pattern: '^[+0-9 ()-]{5,40}$' }, { type: 'null' }] },
    segment: nullableText(40),
    language: { anyOf: [{ enum: ['fi', 'sv', 'en'] }, { type: 'null' }] },
    accountManager: nullableText(64),
    consent: { type: 'object', maxProperties: 10, additionalProperties: { type: 'boolean' }, propertyNames: { pattern: '^[a-z][a-zA-Z]{0,30}$' } },
  },
} as const;

interface CustomerBody {
  name: string;
  email?: string | null;
  phone?: string | null;
  segment?: string | null;
  language?: 'fi' | 'sv' | 'en' | null;
  accountManager?: string | null;
  consent?: Record<string, boolean>;
}

/** The customer registry for supervisors and admins: search, the whole history, edit, merge. */
export async function customerRoutes(app: FastifyInstance, deps: { registry: CustomerRegistry; audit: AuditLog }): Promise<void> {
  const { registry, audit } = deps;
  const access = onlyRoles('admin', 'supervisor');

  app.get<{ Querystring: { q: string; limit?: number } }>(
    '/api/customers',
    {
      config: { access },
      schema: { querystring: { type: 'object', additionalProperties: false, required: ['q'], properties: { q: { type: 'string', minLength: 2, maxLength: 100 }, limit: { type: 'integer', minimum: 1, maximum: 100 } } } },
    },
    async (request) => ({ items: await registry.search(request.auth!.orgId, request.query.q.trim(), request.query.limit ?? 25) }),
  );

  app.get<{ Params: { id: string } }>('/api/customers/:id', { config: { access }, schema: { params: opaqueIdParams } }, async (request) => registry.profile(request.auth!.orgId, request.params.id));

  app.put<{ Params: { id: string }; Body: CustomerBody }>('/api/customers/:id', { config: { access }, schema: { params: opaqueIdParams, body: customerBody } }, async (request) => {
    const auth = request.auth!;
    const b = request.body;
    const customer = await registry.update(auth.orgId, request.params.id, {
      name: b.name.trim(),
      email: b.email ?? null,
      phone: b.phone ?? null,
      segment: b.segment ?? null,
      language: b.language ?? null,
      accountManager: b.accountManager ?? null,
      consent: b.consent ?? {},
    });
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'customer.updated', targetType: 'customer', targetId: customer.id, ip: request.ip, details: { fields: Object.keys(b) } });
    return customer;
  });

  app.post<{ Params: { id: string }; Body: { from: string } }>(
    '/api/customers/:id/merge',
    { config: { access }, schema: { params: opaqueIdParams, body: { type: 'object', additionalProperties: false, required: ['from'], properties: { from: opaqueId } } } },
    async (request) => {
      const auth = request.auth!;
      const merged = await registry.merge(auth.orgId, request.params.id, request.body.from);
      await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'customer.merged', targetType: 'customer', targetId: request.params.id, ip: request.ip, details: { from: request.body.from, movedContacts: merged.movedContacts } });
      return merged;
    },
  );
}

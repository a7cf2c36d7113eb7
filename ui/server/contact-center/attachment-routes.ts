import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { onlyRoles } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AuthContext } from '../auth/session-store.ts';
import { opaqueId, opaqueIdParams } from '../config-api/schema-parts.ts';
import { AppError, errors } from '../errors.ts';
import type { Database } from '../stores/oltp/schema.ts';
import { contactErrors } from './contact-errors.ts';
import { writeDurably } from './email/email-channel.ts';
import type { LiveAcd } from './live-acd.ts';

/** One attachment an agent uploads (the whole answer is capped in email-channel). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;


interface StoredAttachment {
  filename: string;
  contentType: string;
  size: number;
  path: string;
}

/**
 * An agent serving a contact (or offered it) may see its mail; supervisors and QA any contact of
 * their organisation. Everyone else is refused, whatever the id they guess.
 */
export function assertContactAccess(live: LiveAcd, auth: AuthContext, contactId: string): void {
  if (auth.roles.includes('supervisor') || auth.roles.includes('qa')) return;
  const record = live.org(auth.orgId).engine.inspect().contacts.get(contactId);
  if (!record || (record.agentId !== auth.userId && !record.offers.has(auth.userId))) throw contactErrors.notYourContact();
}

/**
 * E-mail files: the thread with each message's attachments, their download (audited), and the
 * agent's uploads for an answer. Downloads are always `attachment` and `application/octet-stream`,
 * so a customer's HTML file never runs in the console's origin.
 */
export async function attachmentRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; live: LiveAcd; audit: AuditLog; dataDir: string; now: () => number }): Promise<void> {
  const { db, live, audit, dataDir, now } = deps;
  const readers = onlyRoles('agent', 'supervisor', 'qa');

  app.get<{ Params: { id: string } }>('/api/contacts/:id/email', { config: { access: readers }, schema: { params: opaqueIdParams } }, async (request) => {
    const auth = request.auth!;
    assertContactAccess(live, auth, request.params.id);
    const rows = await db.selectFrom('email_messages').selectAll().where('org_id', '=', auth.orgId).where('contact_id', '=', request.params.id).orderBy('at').execute();
    return {
      items: rows.map((r) => ({
        id: r.id,
        direction: r.direction,
        from: r.from_addr,
        fromName: r.from_name,
        to: JSON.parse(r.to_addrs) as string[],
        cc: JSON.parse(r.cc_addrs) as string[],
        subject: r.subject,
        at: Number(r.at),
        flagged: r.flagged === 1,
        attachments: (JSON.parse(r.attachments) as StoredAttachment[]).map((a, index) => ({ index, filename: a.filename, contentType: a.contentType, size: a.size })),
      })),
    };
  });

  app.get<{ Params: { id: string; messageId: string; index: string } }>(
    '/api/contacts/:id/email/:messageId/attachments/:index',
    { config: { access: readers }, schema: { params: { type: 'object', required: ['id', 'messageId', 'index'], properties: { id: opaqueId, messageId: opaqueId, index: { type: 'string', pattern: '^[0-9]{1,3}$' } } } } },
    async (request, reply) => {
      const auth = request.auth!;
      assertContactAccess(live, auth, request.params.id);
      const row = await db.selectFrom('email_messages').select(['attachments']).where('org_id', '=', auth.orgId).where('contact_id', '=', request.params.id).where('id', '=', request.params.messageId).executeTakeFirst();
      const file = row ? (JSON.parse(row.attachments) as StoredAttachment[])[Number(request.params.index)] : undefined;
      if (!file) throw errors.notFound('No such attachment');
      await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'attachment.downloaded', targetType: 'contact', targetId: request.params.id, ip: request.ip, details: { messageId: request.params.messageId, index: Number(request.params.index) } });
      reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
      reply.header('cache-control', 'private, no-store');
      return reply.type('application/octet-stream').send(createReadStream(path.join(dataDir, file.path)));
    },
  );

  // Uploads take the file as the raw body (any type), in their own scope so JSON stays the rule elsewhere.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_request, body, done) => done(null, body));
    scope.post<{ Params: { id: string }; Querystring: { filename: string } }>(
      '/api/contacts/:id/attachments',
      {
        config: { access: onlyRoles('agent') },
        bodyLimit: MAX_UPLOAD_BYTES,
        schema: {
          params: opaqueIdParams,
          querystring: { type: 'object', additionalProperties: false, required: ['filename'], properties: { filename: { type: 'string', minLength: 1, maxLength: 200 } } },
        },
      },
      async (request, reply) => {
        const auth = request.auth!;
        const contact = live.org(auth.orgId).engine.inspect().contacts.get(request.params.id);
        if (!contact || contact.agentId !== auth.userId || (contact.phase !== 'connected' && contact.phase !== 'held')) throw contactErrors.notYourContact();
        if (contact.channel !== 'email' && contact.channel !== 'feedback') throw new AppError('NOT_AN_EMAIL', 409, 'Only an e-mail answer has attachments');
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('VALIDATION_FAILED', 400, 'The file is empty', 'body');
        const uploadId = randomUUID();
        const filename = [...request.query.filename].map((c) => (c.charCodeAt(0) < 32 || c === '/' || c === '\\' ? '_' : c)).join('').trim() || 'attachment';
        const safe = filename.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 100);
        const file = path.join('mail', 'outbox', uploadId, safe);
        await writeDurably(path.join(dataDir, file), body);
        const contentType = String(request.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().slice(0, 100) || 'application/octet-stream';
        await db
          .insertInto('email_uploads')
          .values({ id: uploadId, org_id: auth.orgId, contact_id: request.params.id, user_id: auth.userId, filename, content_type: contentType, size: body.length, path: file, sent_at: null, created_at: now() })
          .execute();
        reply.status(201);
        return { id: uploadId, filename, contentType, size: body.length };
      },
    );
  });
}

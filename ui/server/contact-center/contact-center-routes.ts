import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { isOpen } from '@cc/acd';
import { CHANNELS, type Channel } from '@cc/ingest';
import { onlyRoles, publicRoute, rolesOrApiKey } from '../access.ts';
import { opaqueId, opaqueIdParams } from '../config-api/schema-parts.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { errors } from '../errors.ts';
import { guardSocketSession } from '../http/socket-guard.ts';
import { DEMO_CUSTOMERS } from '../seed/demo-organisation.ts';
import type { Database } from '../stores/oltp/schema.ts';
import { contactErrors } from './contact-errors.ts';
import { signCustomerToken } from './customer-token.ts';
import { customerFromApi, routingAttributes } from './customers.ts';
import { CustomerRegistry } from './customer-registry.ts';
import { customerRoutes } from './customer-routes.ts';
import { assertContactAccess, attachmentRoutes } from './attachment-routes.ts';
import type { EmailChannel } from './email/email-channel.ts';
import type { LiveAcd } from './live-acd.ts';
import { demoPage } from './demo-page.ts';
import { surveyPage, type Surveys } from './surveys.ts';
import { agentSocket } from './sockets/agent-socket.ts';
import { customerSocket, staffed } from './sockets/customer-socket.ts';
import { RateLimiter } from './sockets/rate-limiter.ts';
import { supervisorSocket } from './sockets/supervisor-socket.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const WIDGET_SOURCE = readFileSync(path.join(here, 'widget/widget.js'), 'utf8');

interface NewContactBody {
  channel: Channel;
  queueId: string;
  subject?: string;
  text?: string;
  customerName?: string;
  customer?: { externalId?: string; email?: string; name?: string; phone?: string };
  priority?: number;
  dueAt?: number;
  attributes?: Record<string, string>;
}

export interface ContactCenterOptions {
  db: Kysely<Database>;
  live: LiveAcd;
  email: EmailChannel;
  surveys: Surveys;
  audit: AuditLog;
  now: () => number;
  /** Serve the demo customer page (`npm start`'s demo). */
  demo: boolean;
  /** New widget contacts per address per 10 minutes. */
  startsPerAddress: number;
  sessions: SessionStore;
  /** DATA_DIR: mail as received, attachments. */
  dataDir: string;
  /** How often an open agent or supervisor socket re-checks its session. */
  sessionRecheckMs: number;
  /** Whether calls through the browser run here (the widget offers Call only then). */
  voiceEnabled: () => boolean;
}

/**
 * The contact center's bounded context: the three socket protocols (agents, customers, supervisors),
 * the embeddable widget, the contact API and the customer history.
 */
export async function contactCenterRoutes(app: FastifyInstance, options: ContactCenterOptions): Promise<void> {
  const { db, live, audit, now } = options;
  const starts = new RateLimiter(options.startsPerAddress, 10 * 60_000, now);
  const registry = new CustomerRegistry(db, now);
  await customerRoutes(app, { registry, audit });
  await attachmentRoutes(app, { db, live, audit, dataDir: options.dataDir, now });

  app.get('/api/agent/ws', { config: { access: onlyRoles('agent') }, websocket: true }, (socket, request) => {
    guardSocketSession(socket, request, options.sessions, ['agent'], options.sessionRecheckMs);
    agentSocket(socket, live.org(request.auth!.orgId), request.auth!.userId, request.log, options.email);
  });

  /** Colleagues an agent can transfer to: everyone else who takes contacts, with whether they are free for each channel now. */
  app.get('/api/me/colleagues', { config: { access: onlyRoles('agent') } }, async (request) => {
    const org = live.org(request.auth!.orgId);
    const agents = org.engine.inspect().agents;
    const colleagues = [...org.config.agentInfo.values()]
      .filter((a) => a.id !== request.auth!.userId && agents.has(a.id))
      .map((a) => {
        const view = org.engine.agentView(a.id);
        return { id: a.id, name: a.displayName, status: view.status, freeFor: view.freeFor };
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'fi'));
    return { colleagues };
  });

  app.get('/api/supervisor/ws', { config: { access: onlyRoles('supervisor') }, websocket: true }, (socket, request) => {
    guardSocketSession(socket, request, options.sessions, ['supervisor'], options.sessionRecheckMs);
    supervisorSocket(socket, live.org(request.auth!.orgId), request.auth!, { audit, log: request.log, now, ip: request.ip });
  });

  // Public: the widget runs on the company's own site, so any origin may open it.
  app.get('/api/widget/ws', { config: { access: publicRoute }, websocket: true }, (socket, request) => {
    customerSocket(socket, { live, db, log: request.log, now, starts, ip: request.ip, voiceEnabled: options.voiceEnabled });
  });

  /** What the widget shows before a chat: open or closed, staffed, how long the wait is. */
  app.get<{ Params: { id: string } }>('/api/widget/queues/:id', { config: { access: publicRoute }, schema: { params: opaqueIdParams } }, async (request, reply) => {
    reply.header('access-control-allow-origin', '*');
    const org = live.byQueue(request.params.id);
    const queue = org.config.queueInfo.get(request.params.id)!;
    const engineQueue = org.config.queues.find((q) => q.id === queue.id)!;
    const snapshot = org.engine.queueSnapshot(queue.id);
    return {
      id: queue.id,
      name: queue.name,
      channels: queue.channels,
      voice: options.voiceEnabled() && queue.channels.includes('voice'),
      open: isOpen(engineQueue.businessHours, now()),
      staffed: staffed(org, queue.id),
      waiting: snapshot.waiting,
      estimatedWaitSeconds: Number.isFinite(snapshot.estimatedWaitSeconds) ? snapshot.estimatedWaitSeconds : -1,
      feedbackTopics: await db.selectFrom('feedback_topics').select(['code', 'name']).where('org_id', '=', org.orgId).orderBy('position').execute(),
    };
  });

  /** Web feedback from another system (or a supervisor): routed by topic, into its workflow. */
  app.post<{ Body: { topic: string; text: string; email?: string; name?: string; customer?: { externalId?: string; email?: string; name?: string } } }>(
    '/api/feedback',
    {
      config: { access: rolesOrApiKey('admin', 'supervisor') },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['topic', 'text'],
          properties: {
            topic: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' },
            text: { type: 'string', minLength: 1, maxLength: 10_000, pattern: '\\S' },
            email: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' },
            name: { type: 'string', maxLength: 200 },
            customer: {
              type: 'object',
              additionalProperties: false,
              properties: { externalId: { type: 'string', minLength: 1, maxLength: 200 }, email: { type: 'string', maxLength: 254 }, name: { type: 'string', maxLength: 200 } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const org = live.org(auth.orgId);
      const body = request.body;
      const customer = await customerFromApi(db, org, body.customer ?? (body.email ? { email: body.email, ...(body.name ? { name: body.name } : {}) } : undefined), now(), request.log);
      const { contactId, result } = await org.startFeedback({
        topic: body.topic,
        text: body.text.trim(),
        customerId: customer.customerId,
        customerName: body.name ?? customer.name,
        customerLanguage: customer.language ?? 'fi',
        email: body.email ?? body.customer?.email ?? null,
        segment: customer.segment,
      });
      reply.status(201);
      return { contactId, queueId: result.queueId, status: 'new' };
    },
  );

  // Surveys by e-mail link: the link's signed token is the only key (no sign-in for customers).
  const tokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' } } } as const;
  app.get<{ Params: { token: string } }>('/survey/:token', { config: { access: publicRoute } }, async (request, reply) => {
    const token = request.params.token;
    const state = token.length <= 100 ? await options.surveys.open(token) : null;
    reply.header('cache-control', 'no-store');
    return reply.status(state ? 200 : 404).type('text/html; charset=utf-8').send(surveyPage(state, token));
  });
  app.post<{ Params: { token: string }; Body: { kind: 'csat' | 'nps'; score: number } }>(
    '/api/surveys/:token',
    {
      config: { access: publicRoute },
      schema: {
        params: tokenParams,
        body: { type: 'object', additionalProperties: false, required: ['kind', 'score'], properties: { kind: { enum: ['csat', 'nps'] }, score: { type: 'integer', minimum: 0, maximum: 10 } } },
      },
    },
    async (request) => {
      const state = await options.surveys.open(request.params.token);
      if (!state) throw errors.notFound('This survey link is not valid (any more)');
      await live.org(state.orgId).rate(state.contactId, request.body.score, request.body.kind);
      return { answered: request.body.kind, score: request.body.score };
    },
  );

  // The widget's voice part, built next to the web app (scripts/build-ui.mjs); read once.
  let voiceScript: Buffer | null = null;
  app.get('/widget-voice.js', async (_request, reply) => {
    try {
      voiceScript ??= readFileSync(path.join(here, '../../build/widget-voice.js'));
    } catch {
      throw errors.notFound('The widget’s voice script is not built (npm start builds it)');
    }
    reply.header('access-control-allow-origin', '*');
    reply.header('cache-control', 'public, max-age=300');
    return reply.type('text/javascript; charset=utf-8').send(voiceScript);
  });

  app.get('/widget.js', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('cache-control', 'public, max-age=300');
    return reply.type('text/javascript; charset=utf-8').send(WIDGET_SOURCE);
  });

  if (options.demo) {
    app.get('/demo', async (_request, reply) => {
      const org = await db.selectFrom('organisations').select(['id', 'widget_secret']).orderBy('created_at').executeTakeFirst();
      if (!org?.widget_secret) throw errors.notFound('No organisation yet');
      const queues = [...live.org(org.id).config.queueInfo.values()].filter((q) => q.channels.includes('chat')).sort((a, b) => a.name.localeCompare(b.name, 'fi'));
      const exp = Math.floor(now() / 1000) + 12 * 3600;
      const customers = DEMO_CUSTOMERS.map((c) => ({
        name: c.name,
        segment: c.segment,
        token: signCustomerToken(org.widget_secret!, { sub: c.externalId, name: c.name, email: c.email, segment: c.segment, ...(c.accountManager ? { accountManager: c.accountManager } : {}), language: c.language, exp }),
      }));
      reply.header('cache-control', 'no-store');
      return reply.type('text/html; charset=utf-8').send(demoPage(queues.map((q) => ({ id: q.id, name: q.name })), customers));
    });
  }

  /**
   * Creates a contact of any channel: tasks from other systems (with an API key) and from agents'
   * consoles, and voice until media lands. Routed by the ACD like any contact.
   */
  app.post<{ Body: NewContactBody }>(
    '/api/contacts',
    {
      config: { access: rolesOrApiKey('admin', 'supervisor', 'agent') },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['channel', 'queueId'],
          properties: {
            channel: { type: 'string', enum: CHANNELS },
            queueId: opaqueId,
            subject: { type: 'string', maxLength: 200 },
            text: { type: 'string', maxLength: 10_000 },
            customerName: { type: 'string', maxLength: 100 },
            customer: {
              type: 'object',
              additionalProperties: false,
              properties: {
                externalId: { type: 'string', minLength: 1, maxLength: 200 },
                email: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' },
                name: { type: 'string', maxLength: 200 },
                phone: { type: 'string', maxLength: 40 },
              },
            },
            priority: { type: 'integer', minimum: -100, maximum: 100 },
            dueAt: { type: 'integer', minimum: 0, maximum: 8_640_000_000_000 },
            attributes: { type: 'object', maxProperties: 20, additionalProperties: { type: 'string', maxLength: 500 }, propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' } },
          },
        },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const body = request.body;
      // A person with only the agent role makes tasks (a follow-up), not calls or chats.
      const person = auth.roles.length > 0;
      if (person && !auth.roles.some((r) => r === 'admin' || r === 'supervisor') && body.channel !== 'task') {
        throw errors.forbidden('Agents create tasks only', 'channel');
      }
      const org = live.org(auth.orgId);
      if (!org.config.queueInfo.has(body.queueId)) throw errors.referenceNotFound('No such queue', 'queueId');
      const customer = await customerFromApi(db, org, body.customer, now(), request.log);
      // What the registry and the CRM say about the customer wins over what the caller passed.
      const attributes: Record<string, string> = { ...body.attributes, ...routingAttributes(customer) };
      if (body.dueAt !== undefined) attributes.dueAt = new Date(body.dueAt).toISOString();
      if (body.customer?.phone) attributes.phone = body.customer.phone;
      const { contactId, result } = await org.startContact({
        channel: body.channel,
        queueId: body.queueId,
        customerId: customer.customerId,
        customerName: body.customerName ?? customer.name,
        customerLanguage: customer.language ?? 'fi',
        subject: body.subject ?? '',
        attributes,
        priority: body.priority ?? 0,
        preferredAgentId: customer.preferredAgentId,
        resumeHash: null,
        ...(body.text ? { firstMessage: body.text } : {}),
      });
      if (result.status === 'refused') throw result.reason === 'closed-hours' ? contactErrors.queueClosed() : contactErrors.queueFull();
      await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'contact.created', targetType: 'contact', targetId: contactId, ip: request.ip, details: { channel: body.channel, queueId: body.queueId } });
      reply.status(201);
      return { contactId, status: result.status, queueId: result.queueId, position: result.position, estimatedWaitSeconds: result.estimatedWaitSeconds };
    },
  );

  app.post<{ Params: { id: string } }>('/api/contacts/:id/end', { config: { access: rolesOrApiKey('admin', 'supervisor') }, schema: { params: opaqueIdParams } }, async (request) => {
    const org = live.org(request.auth!.orgId);
    if (!org.engine.inspect().contacts.has(request.params.id)) throw contactErrors.unknownContact();
    await org.apply(() => org.engine.endContact(request.params.id));
    return { contactId: request.params.id, phase: org.phaseOf(request.params.id) };
  });

  /** The customer panel: who the customer is and every contact they have had, any channel, newest first. */
  app.get<{ Params: { id: string } }>('/api/contacts/:id/customer', { config: { access: onlyRoles('agent', 'supervisor') }, schema: { params: opaqueIdParams } }, async (request) => {
    const auth = request.auth!;
    const contact = await db.selectFrom('contacts').select(['id', 'customer_id', 'customer_name', 'agent_user_id']).where('org_id', '=', auth.orgId).where('id', '=', request.params.id).executeTakeFirst();
    if (!contact) throw contactErrors.unknownContact();
    // An agent sees the history of the customers they are serving or being offered, nobody else's.
    assertContactAccess(live, auth, contact.id);
    if (!contact.customer_id) return { customer: null, history: [] };
    return registry.profile(auth.orgId, contact.customer_id);
  });
}

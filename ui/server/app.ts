import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { clickhouseMigrations, createAnalyticsStore, migrateClickHouse, type AnalyticsStore } from '@cc/analytics';
import { clickhouseTarget, EventWriter, type EventWriterOptions } from '@cc/ingest';
import { AuditLog } from './audit/audit-log.ts';
import { authRoutes } from './auth/auth-routes.ts';
import type { PasswordCost } from './auth/passwords.ts';
import { SessionStore } from './auth/session-store.ts';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, type SignInLimits } from './auth/sign-in-limiter.ts';
import type { ServerConfig } from './config.ts';
import { ApiKeys } from './auth/api-keys.ts';
import { apiKeyRoutes } from './config-api/api-key-routes.ts';
import { configApi } from './config-api/plugin.ts';
import { contactCenterRoutes } from './contact-center/contact-center-routes.ts';
import { DEFAULT_LIVE_SETTINGS, LiveAcd } from './contact-center/live-acd.ts';
import type { LiveSettings } from './contact-center/live-organisation.ts';
import { TranscriptMailer } from './contact-center/transcript-mailer.ts';
import { DEFAULT_WEBHOOK_SETTINGS, Webhooks, type WebhookSettings } from './contact-center/webhooks.ts';
import { webhookRoutes } from './config-api/webhook-routes.ts';
import { CrmLookup } from './contact-center/crm-lookup.ts';
import { Surveys } from './contact-center/surveys.ts';
import { EmailChannel } from './contact-center/email/email-channel.ts';
import { startInboundListener, type InboundListener } from './contact-center/email/inbound-listener.ts';
import nodemailer, { type Transporter } from 'nodemailer';
import { healthRoutes } from './health/health-routes.ts';
import { Calls } from './media/calls.ts';
import { mediaRoutes } from './media/media-routes.ts';
import { RealtimeFeed } from './reports/realtime-feed.ts';
import { organisationContext, reportsRoutes } from './reports/reports-routes.ts';
import { accessControl } from './http/access-control.ts';
import { installErrorHandling } from './http/error-handler.ts';
import { seedDemoOrganisation } from './seed/demo-organisation.ts';
import { createOltpStore, type OltpStore } from './stores/oltp/oltp-store.ts';
import { webApp } from './web/web-app.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BuildAppOptions {
  config: ServerConfig;
  /** A store made by the caller (tests); otherwise made from config and closed with the app. */
  oltp?: OltpStore;
  analytics?: AnalyticsStore;
  now?: () => number;
  passwordCost?: PasswordCost;
  signInLimits?: SignInLimits;
  /** pino options, or false for silence (tests). */
  logger?: boolean | Record<string, unknown>;
  /** Where adapter-node's handler.js is; false serves no pages (API-only tests). */
  webHandlerFile?: string | false;
  /** How often open agent and supervisor sockets re-check their session (tests shorten it). */
  sessionRecheckMs?: number;
  /** Live routing settings (tests shorten the timeouts). */
  live?: Partial<LiveSettings>;
  /** Webhook timing (tests shorten the timeout and backoff). */
  webhooks?: Partial<WebhookSettings>;
  /** Writer settings (tests shorten the flush interval); the spool lives in DATA_DIR/spool. */
  writer?: Partial<Omit<EventWriterOptions, 'dir' | 'target'>>;
}

export interface BuiltApp {
  app: FastifyInstance;
  oltp: OltpStore;
  analytics: AnalyticsStore;
  /** The one way events reach ClickHouse: spooled durably, shipped in batches. */
  writer: EventWriter;
  /** Every organisation's live ACD. */
  live: LiveAcd;
  /** Write-back to other systems (signed, ordered, retried). */
  webhooks: Webhooks;
  /** The inbound SMTP listener's port, or null when it is off. */
  inboundSmtpPort: number | null;
  /** Voice: the SFU, calls, recordings, transcription. */
  calls: Calls;
}

/** Secrets never reach the log: cookies, tokens and passwords are redacted wherever they appear. */
const redact = ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', '*.password', '*.newPassword', '*.currentPassword'];

/**
 * The app factory: makes (or takes) the stores, migrates them, seeds the demo when asked, and
 * wires every bounded context. It never listens; main.ts does, tests use inject().
 */
export async function buildApp(options: BuildAppOptions): Promise<BuiltApp> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const ownsOltp = !options.oltp;
  const ownsAnalytics = !options.analytics;
  const oltp =
    options.oltp ??
    (await createOltpStore(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'sqlite', file: path.join(config.dataDir, 'oltp.sqlite') }));
  const analytics =
    options.analytics ??
    createAnalyticsStore(
      config.clickhouseUrl
        ? { kind: 'server', url: config.clickhouseUrl, database: config.clickhouseDatabase }
        : { kind: 'chdb', dataDir: path.join(config.dataDir, 'clickhouse'), database: config.clickhouseDatabase },
    );

  const app = Fastify({
    logger: options.logger === false ? false : { level: config.logLevel, redact, ...(typeof options.logger === 'object' ? options.logger : {}) },
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  // Shutdown in order: stop pushing, ship what is spooled (bounded), then close the stores.
  let writer: EventWriter | undefined;
  let live: LiveAcd | undefined;
  let inbound: InboundListener | undefined;
  let relay: Transporter | null = null;
  let email: EmailChannel | undefined;
  let webhooks: Webhooks | undefined;
  let surveys: Surveys | undefined;
  let calls: Calls | undefined;
  const feed = new RealtimeFeed(analytics, (orgId) => organisationContext(oltp.db, orgId), now, (error) => app.log.error({ err: error }, 'realtime snapshot failed'));
  app.addHook('onClose', async () => {
    feed.close();
    await inbound?.close();
    // Calls end first (their recordings are kept), while the ACD they follow is still there.
    await calls?.close();
    await live?.close();
    await webhooks?.close();
    relay?.close();
    await writer?.close();
    if (ownsOltp) await oltp.close();
    if (ownsAnalytics) await analytics.close();
  });

  try {
    await oltp.migrate();
    await migrateClickHouse(analytics, clickhouseMigrations);
    writer = await EventWriter.open({
      dir: path.join(config.dataDir, 'spool'),
      target: clickhouseTarget(analytics.client, analytics.database),
      logger: app.log.child({ component: 'event-writer' }),
      ...options.writer,
      onShipped: (events) => {
        options.writer?.onShipped?.(events);
        feed.changed();
      },
    });
    if (config.demoSeed) {
      const seeded = await seedDemoOrganisation(oltp.db, { now: now(), passwordCost: options.passwordCost ?? 'standard' });
      if (seeded) app.log.info('seeded the demo organisation');
    }
    const log = app.log.child({ component: 'acd' });
    relay = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : null;
    const mailer = relay ? new TranscriptMailer(oltp.db, relay, config.mailFrom, log) : null;
    webhooks = new Webhooks(oltp.db, now, app.log.child({ component: 'webhooks' }), { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks });
    await webhooks.start();
    const crm = config.crmLookupUrl
      ? new CrmLookup({ url: config.crmLookupUrl, token: config.crmLookupToken ?? null, timeoutMs: config.crmLookupTimeoutMs, cacheSeconds: config.crmLookupCacheSeconds }, app.log.child({ component: 'crm' }), now)
      : null;
    surveys = new Surveys(oltp.db, relay, config.mailFrom, config.publicUrl, app.log.child({ component: 'surveys' }), now);
    live = await LiveAcd.start({ db: oltp.db, writer, now, settings: { ...DEFAULT_LIVE_SETTINGS, ...options.live }, log, mailer, webhooks, crm, surveys });
    calls = await Calls.start({ config, db: oltp.db, writer, live, webhooks, now, log: app.log.child({ component: 'media' }) });
    email = new EmailChannel({ db: oltp.db, live, dataDir: config.dataDir, now, log: app.log.child({ component: 'email' }), relay, from: config.mailFrom });
    if (config.inboundSmtpPort !== null) {
      inbound = await startInboundListener({ host: config.host, port: config.inboundSmtpPort, maxBytes: config.inboundMailMaxBytes, channel: email, log: app.log.child({ component: 'smtp' }) });
    }
  } catch (error) {
    await app.close();
    throw error;
  }

  // JSON only: a cross-site HTML form cannot send it without a CORS preflight.
  app.removeContentTypeParser('text/plain');
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control') && String(reply.getHeader('content-type') ?? '').startsWith('application/json')) {
      reply.header('cache-control', 'no-store');
    }
  });
  installErrorHandling(app);

  const audit = new AuditLog(oltp.db, now);
  const sessions = new SessionStore(oltp.db, { idleMs: config.sessionIdleMinutes * 60_000, maxMs: config.sessionMaxHours * 3_600_000 }, now);
  const passwordCost = options.passwordCost ?? 'standard';

  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const apiKeys = new ApiKeys(oltp.db, now);
  await app.register(accessControl, { sessions, apiKeys });
  await app.register(authRoutes, {
    db: oltp.db,
    sessions,
    audit,
    limiter: new SignInLimiter(options.signInLimits ?? DEFAULT_SIGN_IN_LIMITS, now),
    passwordCost,
    sessionMaxMs: config.sessionMaxHours * 3_600_000,
  });
  const liveAcd = live!;
  await app.register(configApi, { db: oltp.db, audit, now, passwordCost, changed: (orgId) => liveAcd.changed(orgId) });
  await app.register(apiKeyRoutes, { apiKeys, audit });
  await app.register(webhookRoutes, { db: oltp.db, webhooks: webhooks!, audit, now });
  const liveCalls = calls!;
  await app.register(healthRoutes, { oltp, analytics, writer, voice: () => liveCalls.voice.status, transcription: () => liveCalls.transcription.status });
  const sessionRecheckMs = options.sessionRecheckMs ?? 15_000;
  await app.register(reportsRoutes, { db: oltp.db, analytics, audit, now, feed, socketGuard: { sessions, intervalMs: sessionRecheckMs } });
  await app.register(contactCenterRoutes, {
    db: oltp.db,
    live: liveAcd,
    email: email!,
    surveys: surveys!,
    dataDir: config.dataDir,
    audit,
    now,
    demo: config.demoSeed,
    startsPerAddress: config.widgetStartsPerAddress,
    sessions,
    sessionRecheckMs,
    voiceEnabled: () => liveCalls.voice.status.enabled,
  });
  await app.register(mediaRoutes, { db: oltp.db, live: liveAcd, calls: liveCalls, analytics, audit, sessions, sessionRecheckMs, now });
  if (options.webHandlerFile !== false) {
    await app.register(webApp, { handlerFile: options.webHandlerFile ?? path.resolve(here, '../build/handler.js') });
  }
  await app.ready();
  return { app, oltp, analytics, writer, live: liveAcd, webhooks: webhooks!, inboundSmtpPort: inbound?.port ?? null, calls: liveCalls };
}

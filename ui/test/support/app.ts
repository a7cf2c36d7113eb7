import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AnalyticsStore } from '@cc/analytics';
import type { EventWriter } from '@cc/ingest';
import { buildApp, type BuildAppOptions } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import type { OltpStore } from '../../server/stores/oltp/oltp-store.ts';
import type { LiveAcd } from '../../server/contact-center/live-acd.ts';
import type { Webhooks } from '../../server/contact-center/webhooks.ts';
import type { Calls } from '../../server/media/calls.ts';
import { DEMO_PASSWORD } from '../../server/seed/demo-organisation.ts';
import { testAnalyticsStore } from './analytics.ts';
import type { TestDatabase } from './databases.ts';

export interface Caller {
  cookie: string;
  csrfToken: string;
  userId: string;
}

export interface TestApp {
  app: FastifyInstance;
  oltp: OltpStore;
  analytics: AnalyticsStore;
  writer: EventWriter;
  live: LiveAcd;
  webhooks: Webhooks;
  /** Voice: the SFU (when the test turned voice on), recordings, transcription. */
  calls: Calls;
  /** DATA_DIR of this app (spool, mail as received). */
  dataDir: string;
  /** The inbound SMTP listener's port (any free one in tests). */
  inboundSmtpPort: number | null;
  /** Listens on a loopback port (once) and gives its http:// origin, for sockets and browsers. */
  listen(): Promise<string>;
  /** Stops this server (stores and data stay) and starts a new one over the same store and DATA_DIR. */
  restart(): Promise<TestApp>;
  /** Signs in as a demo user (admin, supervisor, qa, analyst, agent1…agent10). */
  signIn(username: string): Promise<Caller>;
  /** A request as a caller (with cookie and CSRF token), or anonymous. */
  call(method: string, url: string, options?: { as?: Caller; body?: unknown; csrf?: string | false; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The real app on a fresh store of the given dialect, with the demo organisation seeded. */
export async function startTestApp(database: TestDatabase, overrides: Partial<BuildAppOptions> = {}): Promise<TestApp> {
  const { store, drop } = await database.create();
  const analytics = testAnalyticsStore();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-data-'));
  return build({ store, drop, analytics, dataDir }, overrides);
}

interface Resources {
  store: OltpStore;
  drop(): Promise<void>;
  analytics: AnalyticsStore;
  dataDir: string;
}

async function build(resources: Resources, overrides: Partial<BuildAppOptions>): Promise<TestApp> {
  const { store, drop, analytics, dataDir } = resources;
  // Voice is off unless a test asks for it (it starts SFU workers and encodes clips).
  const config = { ...loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', DATA_DIR: dataDir, INBOUND_SMTP_PORT: '0', VOICE: 'off' }), ...overrides.config, dataDir };
  const { app, writer, live, webhooks, inboundSmtpPort, calls } = await buildApp({
    passwordCost: 'test',
    logger: false,
    webHandlerFile: false,
    writer: { flushIntervalMs: 20 },
    ...overrides,
    config,
    oltp: store,
    analytics,
  });

  const call: TestApp['call'] = (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) {
      headers.cookie = options.as.cookie;
      if (options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = options.csrf ?? options.as.csrfToken;
    }
    return app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
  };

  let origin: string | undefined;
  return {
    app,
    oltp: store,
    analytics,
    writer,
    live,
    webhooks,
    calls,
    dataDir,
    inboundSmtpPort,
    call,
    async listen() {
      origin ??= await app.listen({ host: '127.0.0.1', port: 0 });
      return origin;
    },
    async restart() {
      await app.close();
      return build(resources, overrides);
    },
    async signIn(username) {
      const response = await call('POST', '/api/auth/sign-in', { body: { username, password: DEMO_PASSWORD } });
      if (response.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${response.statusCode} ${response.body}`);
      const session = response.json() as { csrfToken: string; user: { id: string } };
      const cookie = response.cookies.find((c) => c.name === 'cc_session')!;
      return { cookie: `cc_session=${cookie.value}`, csrfToken: session.csrfToken, userId: session.user.id };
    },
    async close() {
      await app.close();
      await analytics.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

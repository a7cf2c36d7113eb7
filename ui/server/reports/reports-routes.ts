import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import {
  ANALYST_TABLES,
  RETENTION_TABLES,
  retentionDays,
  setRetention,
  DIMENSIONS,
  GRANULARITIES,
  historicalReport,
  METRIC_PARAMETERS,
  METRICS,
  METRICS_BY_ID,
  OpenSqlError,
  runOpenSql,
  toCsv,
  type AnalyticsStore,
  type Dimension,
  type Granularity,
  type MetricParameters,
} from '@cc/analytics';
import { describeFamilies } from '@cc/ingest';
import { onlyRoles } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { guardSocketSession } from '../http/socket-guard.ts';
import { AppError, errors } from '../errors.ts';
import type { Database } from '../stores/oltp/schema.ts';
import type { QueueInfo, RealtimeFeed } from './realtime-feed.ts';

export const REPORT_READERS = onlyRoles('analyst', 'supervisor', 'admin');
const REALTIME_ROLES = ['supervisor', 'analyst', 'admin'] as const;
const REALTIME_READERS = onlyRoles(...REALTIME_ROLES);
const SQL_USERS = onlyRoles('analyst');
const MAX_RANGE_DAYS = 400;

export interface ReportsOptions {
  /** Open realtime sockets re-check their session this often. */
  socketGuard?: { sessions: SessionStore; intervalMs: number };
  db: Kysely<Database>;
  analytics: AnalyticsStore;
  audit: AuditLog;
  now: () => number;
  feed: RealtimeFeed;
}

/** The organisation's time zone and queues (with their service-level thresholds). */
export async function organisationContext(db: Kysely<Database>, orgId: string): Promise<{ timeZone: string; queues: QueueInfo[] }> {
  const org = await db.selectFrom('organisations').select('time_zone').where('id', '=', orgId).executeTakeFirst();
  const queues = await db.selectFrom('queues').select(['id', 'name', 'sl_threshold_seconds']).where('org_id', '=', orgId).orderBy('name').execute();
  return { timeZone: org?.time_zone ?? 'UTC', queues: queues.map((q) => ({ id: q.id, name: q.name, slThresholdSeconds: q.sl_threshold_seconds })) };
}

const parameterProperties = Object.fromEntries(Object.keys(METRIC_PARAMETERS).map((name) => [name, { type: 'string', pattern: '^[0-9]{1,6}$' }]));

const historicalQuerystring = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'metrics'],
  properties: {
    from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})?)?$' },
    to: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})?)?$' },
    granularity: { type: 'string', enum: GRANULARITIES },
    dimension: { type: 'string', enum: DIMENSIONS },
    metrics: { type: 'string', pattern: '^[a-z0-9_]+(,[a-z0-9_]+)*$', maxLength: 2000 },
    queues: { type: 'string', maxLength: 4000 },
    format: { type: 'string', enum: ['json', 'csv'] },
    businessHoursId: { type: 'string', maxLength: 64 },
    ...parameterProperties,
  },
} as const;

type HistoricalQs = { from: string; to: string; granularity?: Granularity; dimension?: Dimension; metrics: string; queues?: string; format?: 'json' | 'csv'; businessHoursId?: string } & Record<string, string | undefined>;

/**
 * Parses a date or date-time from the query. A bare date (2026-12-07) is midnight in the
 * organisation's time zone, so "from Monday to Tuesday" means the local day.
 */
function parseInstant(text: string, timeZone: string, field: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const utcMidnight = Date.parse(`${text}T00:00:00Z`);
    // Find the zone's offset at that moment (twice, to settle across a DST change).
    let guess = utcMidnight;
    for (let i = 0; i < 2; i += 1) {
      const local = new Date(new Date(guess).toLocaleString('en-US', { timeZone })).getTime();
      const utc = new Date(new Date(guess).toLocaleString('en-US', { timeZone: 'UTC' })).getTime();
      guess = utcMidnight - (local - utc);
    }
    return guess;
  }
  const parsed = Date.parse(/[Z+-]\d{0,2}:?\d{0,2}$/.test(text.slice(10)) ? text : `${text}Z`);
  if (Number.isNaN(parsed)) throw errors.validationFailed(`${field} is not a date`, `query.${field}`);
  return parsed;
}

/** Display names for dimension keys (queue and agent ids), so report readers need no access to configuration. */
async function labelsFor(db: Kysely<Database>, orgId: string, dimension: Dimension): Promise<Record<string, string>> {
  if (dimension === 'queue') {
    const rows = await db.selectFrom('queues').select(['id', 'name']).where('org_id', '=', orgId).execute();
    return Object.fromEntries(rows.map((r) => [r.id, r.name]));
  }
  if (dimension === 'agent') {
    const rows = await db.selectFrom('users').select(['id', 'display_name']).where('org_id', '=', orgId).execute();
    return Object.fromEntries(rows.map((r) => [r.id, r.display_name]));
  }
  if (dimension === 'topic') {
    const rows = await db.selectFrom('feedback_topics').select(['code', 'name']).where('org_id', '=', orgId).execute();
    return Object.fromEntries(rows.map((r) => [r.code, r.name]));
  }
  if (dimension === 'classification') {
    // Contacts are classified by code (stable across renames); the first group's name wins for a shared code.
    const rows = await db.selectFrom('classifications').select(['code', 'name']).where('org_id', '=', orgId).orderBy('position').execute();
    return Object.fromEntries(rows.reverse().map((r) => [r.code, r.name]));
  }
  return {};
}

/** Reports: the metric dictionary, historical reports (JSON and CSV), realtime (HTTP and WebSocket), open SQL. */
export async function reportsRoutes(app: FastifyInstance, options: ReportsOptions): Promise<void> {
  const { db, analytics, audit, feed } = options;

  app.get('/api/reports/dictionary', { config: { access: onlyRoles('analyst', 'supervisor', 'admin', 'qa') } }, async () => ({
    metrics: METRICS.map(({ id, names, unit, source, formula, parameters }) => ({ id, names, unit, source, formula, parameters })),
    parameters: METRIC_PARAMETERS,
    granularities: GRANULARITIES,
    dimensions: DIMENSIONS,
    tables: describeFamilies().filter((t) => ANALYST_TABLES.includes(t.table)),
    database: analytics.database,
  }));

  app.get<{ Querystring: HistoricalQs }>('/api/reports/historical', { config: { access: REPORT_READERS }, schema: { querystring: historicalQuerystring } }, async (request, reply) => {
    const q = request.query;
    const orgId = request.auth!.orgId;
    const { timeZone } = await organisationContext(db, orgId);
    const from = parseInstant(q.from, timeZone, 'from');
    const to = parseInstant(q.to, timeZone, 'to');
    if (to <= from) throw errors.validationFailed('to must be after from', 'query.to');
    if (to - from > MAX_RANGE_DAYS * 86_400_000) throw errors.validationFailed(`The range may be at most ${MAX_RANGE_DAYS} days`, 'query.to');
    const metrics = q.metrics.split(',');
    const unknown = metrics.find((m) => !METRICS_BY_ID.has(m));
    if (unknown) throw new AppError('UNKNOWN_METRIC', 400, `No metric ${unknown}; see /api/reports/dictionary`, 'query.metrics');
    const parameters: Partial<MetricParameters> = {};
    for (const name of Object.keys(METRIC_PARAMETERS) as (keyof MetricParameters)[]) if (q[name] !== undefined) parameters[name] = Number(q[name]);
    const teams = await db
      .selectFrom('team_members')
      .innerJoin('teams', 'teams.id', 'team_members.team_id')
      .select(['team_members.user_id', 'teams.name'])
      .where('teams.org_id', '=', orgId)
      .execute();
    const responseTargets = await db.selectFrom('queues').select(['id', 'response_target_hours']).where('org_id', '=', orgId).where('response_target_hours', 'is not', null).execute();
    let businessHours = null;
    if (q.businessHoursId) {
      const calendar = await db.selectFrom('business_hours').select(['weekly', 'holidays']).where('org_id', '=', orgId).where('id', '=', q.businessHoursId).executeTakeFirst();
      if (!calendar) throw errors.referenceNotFound('No such business-hours calendar', 'query.businessHoursId');
      const holidays = (JSON.parse(calendar.holidays) as { date: string; open?: string }[]).filter((h) => h.open === undefined).map((h) => h.date);
      businessHours = { weekly: JSON.parse(calendar.weekly), holidays };
    }
    const result = await historicalReport(analytics, {
      orgId,
      from,
      to,
      now: options.now(),
      timeZone,
      granularity: q.granularity ?? 'day',
      dimension: q.dimension ?? 'none',
      metrics,
      parameters,
      teams: Object.fromEntries(teams.map((t) => [t.user_id, t.name])),
      responseTargets: Object.fromEntries(responseTargets.map((q) => [q.id, q.response_target_hours! * 3600])),
      queueIds: q.queues ? q.queues.split(',') : undefined,
      businessHours,
    });
    if (q.format === 'csv') {
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="report-${q.from}-${q.to}.csv"`);
      return toCsv(result, q.dimension ?? 'key');
    }
    return { from, to, timeZone, granularity: q.granularity ?? 'day', dimension: q.dimension ?? 'none', labels: await labelsFor(db, orgId, q.dimension ?? 'none'), ...result };
  });

  app.get('/api/config/retention', { config: { access: onlyRoles('admin') } }, async () => ({ days: await retentionDays(analytics) }));

  app.put<{ Body: Record<string, number> }>(
    '/api/config/retention',
    {
      config: { access: onlyRoles('admin') },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: Object.fromEntries(RETENTION_TABLES.map((t) => [t, { type: 'integer', minimum: 1, maximum: 36_500 }])),
        },
      },
    },
    async (request) => {
      const auth = request.auth!;
      const before = await retentionDays(analytics);
      for (const [table, days] of Object.entries(request.body)) await setRetention(analytics, table, days);
      await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'config.retention_changed', ip: request.ip, details: { days: request.body, previous: before } });
      return { days: await retentionDays(analytics) };
    },
  );

  app.get('/api/reports/realtime', { config: { access: REALTIME_READERS } }, async (request) => feed.snapshot(request.auth!.orgId));

  app.get('/api/reports/realtime/ws', { config: { access: REALTIME_READERS }, websocket: true }, (socket, request) => {
    if (options.socketGuard) guardSocketSession(socket, request, options.socketGuard.sessions, REALTIME_ROLES, options.socketGuard.intervalMs);
    const unsubscribe = feed.subscribe(request.auth!.orgId, (message) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    });
    socket.on('close', unsubscribe);
    socket.on('message', () => {
      // The feed only pushes; anything sent to it is answered with a coded error and changes nothing.
      socket.send(JSON.stringify({ type: 'error', version: 1, code: 'READ_ONLY_FEED', message: 'This feed does not take messages' }));
    });
  });

  app.post<{ Body: { sql: string } }>(
    '/api/reports/sql',
    {
      config: { access: SQL_USERS },
      schema: { body: { type: 'object', additionalProperties: false, required: ['sql'], properties: { sql: { type: 'string', minLength: 1, maxLength: 20_000 } } } },
    },
    async (request) => {
      const auth = request.auth!;
      const started = options.now();
      let outcome: { rows?: number; error?: string } = {};
      try {
        const result = await runOpenSql(analytics, request.body.sql, { maxRows: 10_000, maxSeconds: 10 });
        outcome = { rows: result.rowCount };
        return result;
      } catch (error) {
        if (error instanceof OpenSqlError) {
          outcome = { error: error.code };
          throw new AppError(error.code, 400, error.message, 'sql');
        }
        throw error;
      } finally {
        // Every query an analyst runs is audited, refused or not.
        await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'analytics.sql', ip: request.ip, details: { sql: request.body.sql.slice(0, 4000), ms: options.now() - started, ...outcome } });
      }
    },
  );
}

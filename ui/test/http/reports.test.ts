import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { produceCalls } from '../support/events.ts';

/** Monday 7 December 2026, 10:00 in Helsinki. */
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('reports over HTTP and WebSocket', () => {
  let t: TestApp;
  let analyst: Caller;
  let supervisor: Caller;
  let agent: Caller;
  let orgId: string;
  let sales: string;
  let now = T0 + 400_000;

  const produce = (prefix: string, start: number) => produceCalls(t, { orgId, queueId: sales, agentId: 'a1', prefix, start });

  beforeAll(async () => {
    t = await startTestApp(sqlite, { now: () => now });
    analyst = await t.signIn('analyst');
    supervisor = await t.signIn('supervisor');
    agent = await t.signIn('agent1');
    orgId = (await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id;
    sales = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Myynti').executeTakeFirstOrThrow()).id;
    await produce('m', T0);
  });
  afterAll(async () => t.close());

  it('serves the metric dictionary in three languages, without the SQL', async () => {
    const response = await t.call('GET', '/api/reports/dictionary', { as: analyst });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const sl = body.metrics.find((m: { id: string }) => m.id === 'service_level');
    expect(sl).toMatchObject({ names: { fi: 'Palvelutaso (vastatut ajassa ÷ vastatut)' }, parameters: ['sl_threshold_s'], unit: 'ratio' });
    expect(sl).not.toHaveProperty('sql');
    expect(body.tables.map((x: { table: string }) => x.table)).toContain('contact_events');
  });

  it('reports by queue and day in the organisation’s time zone, as JSON and as CSV', async () => {
    const url = '/api/reports/historical?from=2026-12-07&to=2026-12-08&granularity=day&dimension=queue&metrics=offered,answered,abandoned,service_level,asa_seconds';
    const response = await t.call('GET', url, { as: supervisor });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    // 2026-12-07 00:00 in Helsinki is 2026-12-06 22:00 UTC.
    expect(body.from).toBe(Date.UTC(2026, 11, 6, 22));
    expect(body.rows).toEqual([{ bucket: '2026-12-07', key: sales, values: { offered: 3, answered: 2, abandoned: 1, service_level: 0.5, asa_seconds: 17.5 } }]);
    const csv = await t.call('GET', `${url}&format=csv`, { as: analyst });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe(`bucket,queue,offered,answered,abandoned,service_level,asa_seconds\r\n2026-12-07,${sales},3,2,1,0.5,17.5\r\n`);
  });

  it('refuses bad report input with a coded 400, and agents with 403', async () => {
    const cases: [string, string, string][] = [
      ['from=2026-12-07&to=2026-12-08&metrics=offered,bogus', 'UNKNOWN_METRIC', 'query.metrics'],
      ['from=2026-12-08&to=2026-12-07&metrics=offered', 'VALIDATION_FAILED', 'query.to'],
      ['from=yesterday&to=2026-12-07&metrics=offered', 'VALIDATION_FAILED', 'query.from'],
      ['from=2025-01-01&to=2026-12-07&metrics=offered', 'VALIDATION_FAILED', 'query.to'],
      ['from=2026-12-07&to=2026-12-08&metrics=offered&granularity=year', 'VALIDATION_FAILED', 'query.granularity'],
      ['from=2026-12-07&to=2026-12-08&metrics=offered&sl_threshold_s=-4', 'VALIDATION_FAILED', 'query.sl_threshold_s'],
      ['from=2026-12-07&to=2026-12-08&metrics=offered&businessHoursId=nope', 'REFERENCE_NOT_FOUND', 'query.businessHoursId'],
    ];
    for (const [qs, code, field] of cases) {
      const response = await t.call('GET', `/api/reports/historical?${qs}`, { as: analyst });
      expect(response.statusCode, qs).toBe(400);
      expect(response.json().error, qs).toMatchObject({ code, field });
    }
    expect((await t.call('GET', '/api/reports/historical?from=2026-12-07&to=2026-12-08&metrics=offered', { as: agent })).statusCode).toBe(403);
    expect((await t.call('GET', '/api/reports/realtime', { as: agent })).statusCode).toBe(403);
  });

  it('keeps to a business-hours calendar when asked', async () => {
    const calendar = (await t.oltp.db.selectFrom('business_hours').select('id').where('name', '=', 'Arkisin 8–18').executeTakeFirstOrThrow()).id;
    const response = await t.call('GET', `/api/reports/historical?from=2026-12-07&to=2026-12-08&granularity=total&metrics=offered&businessHoursId=${calendar}`, { as: analyst });
    expect(response.json().rows).toEqual([{ bucket: 'total', key: '', values: { offered: 3 } }]); // 10:00 on a Monday is open
  });

  it('gives the realtime snapshot with queue names, and pushes it over WebSocket, again when events arrive', async () => {
    const snapshot = await t.call('GET', '/api/reports/realtime', { as: supervisor });
    expect(snapshot.statusCode).toBe(200);
    expect(snapshot.json().rows).toMatchObject([{ queueName: 'Myynti', channel: 'voice', offeredToday: 3, answeredToday: 2, abandonedToday: 1, waiting: 0, serviceLevelToday: 0.5 }]);

    // A real WebSocket over loopback, as a browser would connect.
    const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const socket = new WebSocket(`${origin.replace('http', 'ws')}/api/reports/realtime/ws`, { headers: { cookie: supervisor.cookie } });
    const messages: { type: string; rows: { offeredToday: number }[]; code?: string }[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const waitFor = async (test: () => boolean) => {
      for (let i = 0; i < 100 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 30));
      return test();
    };
    expect(await waitFor(() => messages.length > 0)).toBe(true);
    expect(messages[0]).toMatchObject({ type: 'realtime', version: 1, rows: [{ offeredToday: 3 }] });
    now = T0 + 1000_000;
    await produce('n', T0 + 500_000);
    expect(await waitFor(() => messages.some((m) => m.rows?.[0]?.offeredToday === 6))).toBe(true);
    socket.send('hello');
    expect(await waitFor(() => messages.some((m) => m.type === 'error'))).toBe(true);
    expect(messages.find((m) => m.type === 'error')).toMatchObject({ code: 'READ_ONLY_FEED' });
    socket.terminate();
  });

  it('refuses the realtime feed to an agent and to nobody signed in', async () => {
    const origin = `ws://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const statuses: number[] = [];
    for (const headers of [{ cookie: agent.cookie }, {}]) {
      const socket = new WebSocket(`${origin}/api/reports/realtime/ws`, { headers });
      socket.on('error', () => {}); // refused before it opened: expected here
      statuses.push(await new Promise<number>((resolve) => socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))));
      socket.terminate();
    }
    expect(statuses).toEqual([403, 401]);
  });

  it('lets an admin set how long each event table keeps its rows, audited', async () => {
    const admin = await t.signIn('admin');
    const before = (await t.call('GET', '/api/config/retention', { as: admin })).json().days;
    expect(before).toMatchObject({ contact_events: 732, routing_decisions: 180, audit_entries: 1098 });
    const changed = await t.call('PUT', '/api/config/retention', { as: admin, body: { routing_decisions: 30, contact_events: 400 } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().days).toMatchObject({ routing_decisions: 30, contact_events: 400, agent_events: 732 });
    for (const body of [{ routing_decisions: 0 }, { nope: 3 }, {}, { contact_events: 1.5 }]) {
      const bad = await t.call('PUT', '/api/config/retention', { as: admin, body });
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await t.call('GET', '/api/config/retention', { as: admin })).json().days.routing_decisions).toBe(30);
    expect((await t.call('PUT', '/api/config/retention', { as: analyst, body: { routing_decisions: 10 } })).statusCode).toBe(403);
    const [entry] = (await t.call('GET', '/api/audit?action=config.retention_changed', { as: admin })).json().items;
    expect(entry.details).toMatchObject({ days: { routing_decisions: 30, contact_events: 400 }, previous: { routing_decisions: 180 } });
  });

  describe('open SQL for analysts', () => {
    const sql = (text: string, as = analyst) => t.call('POST', '/api/reports/sql', { as, body: { sql: text } });

    it('answers a read-only query over the event tables, and audits it', async () => {
      const response = await sql("SELECT queue_id, countIf(type = 'contact.abandoned') AS abandoned FROM contact_events GROUP BY queue_id");
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ columns: [{ name: 'queue_id' }, { name: 'abandoned', type: 'UInt64' }], rows: [[sales, '2']], rowCount: 1, truncated: false });
      const admin = await t.signIn('admin');
      const [entry] = (await t.call('GET', '/api/audit?action=analytics.sql&limit=1', { as: admin })).json().items;
      expect(entry).toMatchObject({ actorUsername: 'analyst', details: { rows: 1 } });
      expect(entry.details.sql).toMatch(/^SELECT queue_id/);
    });

    it('refuses writes, other tables, table functions and settings, and writes nothing', async () => {
      const before = (await sql('SELECT count() FROM contact_events')).json().rows[0][0];
      const refused: [string, string][] = [
        ["INSERT INTO contact_events (org_id) VALUES ('x')", 'SQL_NOT_ALLOWED'],
        ['DROP TABLE contact_events', 'SQL_NOT_ALLOWED'],
        ["SELECT * FROM file('/etc/passwd', 'LineAsString')", 'SQL_NOT_ALLOWED'],
        ['SELECT name FROM system.tables', 'SQL_NOT_ALLOWED'],
        ['SELECT count() FROM contact_events SETTINGS max_execution_time = 100000', 'SQL_NOT_ALLOWED'],
        ["SELECT 1 INTO OUTFILE '/tmp/x'", 'SQL_NOT_ALLOWED'],
        ['SELECT FROM WHERE', 'SQL_INVALID'],
        ['SELECT count() FROM contact_events; DROP TABLE contact_events', 'SQL_INVALID'],
      ];
      for (const [text, code] of refused) {
        const response = await sql(text);
        expect(response.statusCode, text).toBe(400);
        expect(response.json().error, text).toMatchObject({ code, field: 'sql' });
      }
      expect((await sql('SELECT count() FROM contact_events')).json().rows[0][0]).toBe(before);
      expect((await sql('SELECT 1', supervisor)).statusCode).toBe(403);
    });
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { TestSocket } from '../support/sockets.ts';

/** A CRM on loopback: knows one VIP, answers `slow@` after 3 s and `broken@` with 500, nobody else. */
async function startCrm() {
  const asked: { email: string | null; customerId: string | null; authorization: string | undefined }[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://crm');
    const email = url.searchParams.get('email');
    asked.push({ email, customerId: url.searchParams.get('customerId'), authorization: request.headers.authorization });
    if (email === 'slow@example.com') {
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ customer: null })), 3_000).unref();
      return;
    }
    if (email === 'broken@example.com') return void response.writeHead(500).end('oops');
    if (email === 'maija.vip@example.com' || url.searchParams.get('customerId') === 'CRM-5005') {
      return void response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ customer: { id: 'CRM-5005', name: 'Maija Suuri', email: 'maija.vip@example.com', segment: 'VIP', accountManager: 'agent6', openCases: 2, language: 'sv' } }));
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lookup`,
    asked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The CRM is asked before routing: its answer changes the routing; its failure does not stop it. */
describe.each(testDatabases())('CRM lookup ($name)', (database) => {
  let t: TestApp;
  let crm: Awaited<ReturnType<typeof startCrm>>;
  let admin: Caller;
  let webshop: string;
  let orgId: string;

  beforeAll(async () => {
    crm = await startCrm();
    const config = loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0', CRM_LOOKUP_URL: crm.url, CRM_LOOKUP_TOKEN: 'crm-token-123', CRM_LOOKUP_TIMEOUT_MS: '200' });
    t = await startTestApp(database, { config, live: { preferredAgentTimeoutSeconds: 30 } });
    admin = await t.signIn('admin');
    webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    orgId = (await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await t.close();
    await crm.close();
  });

  const task = (email: string) => t.call('POST', '/api/contacts', { as: admin, body: { channel: 'task', queueId: webshop, subject: `Asia: ${email}`, customer: { email } } });

  it('routes a customer the CRM calls a VIP to their account manager first, with the CRM facts on the contact', async () => {
    const origin = await t.listen();
    const consoles: TestSocket[] = [];
    for (const username of ['agent2', 'agent6']) {
      const caller = await t.signIn(username);
      const s = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
      await s.next('state');
      await s.command({ type: 'set-status', status: 'available' });
      consoles.push(s);
    }
    const manager = (await t.oltp.db.selectFrom('users').select('id').where('username', '=', 'agent6').executeTakeFirstOrThrow()).id;

    const created = await task('maija.vip@example.com');
    expect(created.statusCode).toBe(201);
    const contactId = created.json().contactId as string;
    // agent2 became available first and would win by longest idle; the CRM named agent6.
    await consoles[1]!.next((m) => m.type === 'state' && m.offers.some((o: { contactId: string }) => o.contactId === contactId));
    expect(t.live.org(orgId).engine.contactView(contactId).offeredTo).toEqual([manager]);
    const row = await t.oltp.db.selectFrom('contacts').select(['attributes', 'preferred_agent_id', 'customer_id', 'customer_language']).where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(JSON.parse(row.attributes)).toEqual({ segment: 'vip', crmId: 'CRM-5005', openCases: '2' });
    expect(row.preferred_agent_id).toBe(manager);
    expect(row.customer_language).toBe('sv');
    const customer = await t.oltp.db.selectFrom('customers').selectAll().where('id', '=', row.customer_id!).executeTakeFirstOrThrow();
    expect(customer).toMatchObject({ external_id: 'CRM-5005', display_name: 'Maija Suuri', email: 'maija.vip@example.com', segment: 'vip', account_manager_user_id: manager });
    expect(crm.asked).toEqual([{ email: 'maija.vip@example.com', customerId: null, authorization: 'Bearer crm-token-123' }]);

    // The same customer again within the cache time: no second question to the CRM, same routing facts.
    const again = await task('maija.vip@example.com');
    expect(JSON.parse((await t.oltp.db.selectFrom('contacts').select('attributes').where('id', '=', again.json().contactId).executeTakeFirstOrThrow()).attributes)).toMatchObject({ crmId: 'CRM-5005' });
    expect(crm.asked).toHaveLength(1);
    for (const s of consoles) await s.close();
  });

  it('routes without the CRM when it is slow or failing, and leaves a dead CRM alone for a while', async () => {
    const asked = crm.asked.length;
    const slow = await task('slow@example.com');
    expect(slow.statusCode).toBe(201);
    // Routed on what the registry knows: a new customer by e-mail, no CRM facts.
    const slowRow = await t.oltp.db.selectFrom('contacts').select(['attributes', 'status', 'preferred_agent_id']).where('id', '=', slow.json().contactId).executeTakeFirstOrThrow();
    expect(slowRow).toEqual({ attributes: '{}', status: 'waiting', preferred_agent_id: null });
    const org = t.live.org(orgId);
    expect(org.crm!.stats.failed).toBe(1);

    for (let i = 0; i < 2; i += 1) expect((await task('broken@example.com')).statusCode).toBe(201);
    expect(org.crm!.stats.failed).toBe(3);
    expect(crm.asked.length).toBe(asked + 3);
    // Three failures in a row: the CRM is paused, so the next contact is not held up by it at all.
    const paused = await task('maija.vip@example.com');
    expect(paused.statusCode).toBe(201);
    expect(crm.asked.length).toBe(asked + 3);
    expect(org.crm!.stats.skipped).toBe(0);
    // (The VIP answer above is cached, so that one needed no question; a new address is skipped.)
    expect((await task('new.person@example.com')).statusCode).toBe(201);
    expect(crm.asked.length).toBe(asked + 3);
    expect(org.crm!.stats.skipped).toBe(1);
    const waiting = await t.oltp.db.selectFrom('contacts').select('id').where('status', '=', 'waiting').execute();
    expect(waiting.length).toBeGreaterThanOrEqual(5);
  });
});

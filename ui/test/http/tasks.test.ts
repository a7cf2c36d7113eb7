import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { TestSocket } from '../support/sockets.ts';

/** Tasks from other systems (with an API key) and from agents, routed by the one ACD. */
describe.each(testDatabases())('tasks and API keys ($name)', (database) => {
  let t: TestApp;
  let admin: Caller;
  let webshop: string;

  beforeAll(async () => {
    t = await startTestApp(database);
    admin = await t.signIn('admin');
    webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t.close());

  const withKey = (key: string, method: string, url: string, body?: unknown) => t.call(method, url, { headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { body }) });

  it('an admin makes a key (shown once), another system creates a task with it, the ACD routes it, an agent closes it', async () => {
    const made = await t.call('POST', '/api/config/api-keys', { as: admin, body: { name: 'Verkkokaupan tilausjärjestelmä' } });
    expect(made.statusCode).toBe(201);
    const key = made.json().key as string;
    expect(key).toMatch(/^cc_[A-Za-z0-9_-]{43}$/);
    const listed = (await t.call('GET', '/api/config/api-keys', { as: admin })).json().items;
    expect(listed).toMatchObject([{ name: 'Verkkokaupan tilausjärjestelmä', prefix: key.slice(0, 10), revokedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(key);
    const audit = (await t.call('GET', '/api/audit?action=api_key.created', { as: admin })).json().items;
    expect(JSON.stringify(audit)).not.toContain(key);

    const origin = await t.listen();
    const agentCaller = await t.signIn('agent2');
    const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: agentCaller.cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });

    const due = Date.UTC(2026, 11, 9, 12, 0, 0);
    const created = await withKey(key, 'POST', '/api/contacts', {
      channel: 'task',
      queueId: webshop,
      subject: 'Tilaus 4711: maksu ei näy',
      text: 'Asiakas maksoi, mutta tilaus on yhä avoin.',
      customer: { externalId: 'CRM-2001', name: 'Tiina Tilaaja', email: 'tiina@example.com' },
      priority: 5,
      dueAt: due,
      attributes: { orderId: '4711' },
    });
    expect(created.statusCode).toBe(201);
    const { contactId } = created.json();
    const offer = await agent.next((m) => m.type === 'state' && m.offers.length === 1);
    expect(offer.offers[0]).toMatchObject({ contactId, channel: 'task', customerName: 'Tiina Tilaaja', subject: 'Tilaus 4711: maksu ei näy', details: { dueAt: '2026-12-09T12:00:00.000Z' } });
    await agent.command({ type: 'accept', contactId });
    expect((await agent.next((m) => m.type === 'messages' && m.contactId === contactId)).messages[0].text).toBe('Asiakas maksoi, mutta tilaus on yhä avoin.');
    // The customer registry has the caller's customer, and the contact is in their history.
    const history = (await t.call('GET', `/api/contacts/${contactId}/customer`, { as: agentCaller })).json();
    expect(history.customer).toMatchObject({ externalId: 'CRM-2001', name: 'Tiina Tilaaja', email: 'tiina@example.com' });
    expect(history.history.map((h: { contactId: string; channel: string }) => [h.contactId, h.channel])).toEqual([[contactId, 'task']]);

    const mark = agent.count;
    await agent.command({ type: 'end', contactId });
    const wrap = await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: mark });
    await agent.command({ type: 'wrap-up', contactId, classificationId: wrap.contacts[0].classifications[0].id });
    await expect.poll(async () => (await t.oltp.db.selectFrom('contacts').select('status').where('id', '=', contactId).executeTakeFirstOrThrow()).status).toBe('closed');
    await agent.close();

    // Revoked: the key stops working at once.
    expect((await t.call('DELETE', `/api/config/api-keys/${made.json().id}`, { as: admin })).statusCode).toBe(204);
    const refused = await withKey(key, 'POST', '/api/contacts', { channel: 'task', queueId: webshop });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('NOT_SIGNED_IN');
  });

  it('refuses bad keys and bad input with coded errors, and lets agents make tasks but not calls', async () => {
    const key = (await t.call('POST', '/api/config/api-keys', { as: admin, body: { name: 'CRM' } })).json().key as string;
    expect((await withKey('cc_' + 'x'.repeat(43), 'POST', '/api/contacts', { channel: 'task', queueId: webshop })).statusCode).toBe(401);
    // A key opens only the routes that take keys.
    expect((await withKey(key, 'GET', '/api/config/users')).statusCode).toBe(401);
    const cases: [unknown, number, string][] = [
      [{ channel: 'task' }, 400, 'VALIDATION_FAILED'],
      [{ channel: 'task', queueId: 'no-such-queue' }, 400, 'REFERENCE_NOT_FOUND'],
      [{ channel: 'task', queueId: webshop, attributes: { 'bad key': 'x' } }, 400, 'VALIDATION_FAILED'],
      [{ channel: 'task', queueId: webshop, dueAt: 'tomorrow' }, 400, 'VALIDATION_FAILED'],
      [{ channel: 'feedback', queueId: webshop }, 409, 'CHANNEL_NOT_SERVED'],
    ];
    for (const [body, status, code] of cases) {
      const response = await withKey(key, 'POST', '/api/contacts', body);
      expect([response.statusCode, response.json().error.code]).toEqual([status, code]);
    }
    const before = await t.oltp.db.selectFrom('contacts').select('id').execute();

    const agent = await t.signIn('agent3');
    expect((await t.call('POST', '/api/contacts', { as: agent, body: { channel: 'voice', queueId: webshop } })).statusCode).toBe(403);
    const task = await t.call('POST', '/api/contacts', { as: agent, body: { channel: 'task', queueId: webshop, subject: 'Soita asiakkaalle huomenna' } });
    expect(task.statusCode).toBe(201);
    expect(await t.oltp.db.selectFrom('contacts').select('id').execute()).toHaveLength(before.length + 1);
  });
});

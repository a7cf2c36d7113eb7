import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { TestSocket } from '../support/sockets.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number | 'hung';
}

/** A receiving system on loopback: `/flaky` fails its first two requests, `/hang` answers nothing until told to. */
async function startReceiver() {
  const received: Received[] = [];
  let flakyFailures = 2;
  let hang = true;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry: Received = { path: request.url ?? '', headers: request.headers, body, answered: 'hung' };
      received.push(entry);
      if (request.url === '/hang' && hang) return;
      const failing = request.url === '/flaky' && flakyFailures > 0;
      if (failing) flakyFailures -= 1;
      entry.answered = failing ? 500 : 204;
      response.writeHead(entry.answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    stopHanging: () => (hang = false),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const verify = (secret: string, entry: Received) => {
  const [t, v1] = String(entry.headers['x-cc-signature']).split(',').map((part) => part.split('=')[1]);
  return createHmac('sha256', secret).update(`${t}.${entry.body}`).digest('hex') === v1;
};

/** Write-back: signed, ordered per endpoint, retried, delivered once each, logged and replayable. */
describe.each(testDatabases())('webhooks ($name)', (database) => {
  let t: TestApp;
  let admin: Caller;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let webshop: string;

  beforeAll(async () => {
    t = await startTestApp(database, { webhooks: { timeoutMs: 250, backoffMs: 40, maxBackoffMs: 200, maxAttempts: 3 } });
    admin = await t.signIn('admin');
    receiver = await startReceiver();
    webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('refuses bad endpoints with coded errors and keeps the routes for admins', async () => {
    for (const body of [{ url: 'ftp://example.com/hook', events: ['contact.closed'] }, { url: `${receiver.origin}/x`, events: ['contact.opened'] }, { url: `${receiver.origin}/x`, events: [] }, { url: `${receiver.origin}/x` }]) {
      const response = await t.call('POST', '/api/config/webhooks', { as: admin, body });
      expect([response.statusCode, response.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    const supervisor = await t.signIn('supervisor');
    expect((await t.call('GET', '/api/config/webhooks', { as: supervisor })).statusCode).toBe(403);
    expect((await t.call('POST', '/api/config/webhooks/deliveries/00000000-0000-4000-8000-000000000000/replay', { as: admin })).statusCode).toBe(404);
    expect((await t.call('GET', '/api/config/webhooks', { as: admin })).json().items).toEqual([]);
  });

  it('delivers each closed and classified contact once, in order, signed, through failures; a hanging receiver holds up only itself', async () => {
    const flaky = (await t.call('POST', '/api/config/webhooks', { as: admin, body: { url: `${receiver.origin}/flaky`, events: ['contact.closed', 'contact.classified'] } })).json();
    const hanging = (await t.call('POST', '/api/config/webhooks', { as: admin, body: { url: `${receiver.origin}/hang`, events: ['contact.closed'] } })).json();
    expect(flaky.secret).toMatch(/^whsec_/);
    // The secret stays out of the audit trail.
    expect(JSON.stringify((await t.call('GET', '/api/audit?action=webhook.created', { as: admin })).json())).not.toContain(flaky.secret);

    const origin = await t.listen();
    const agentCaller = await t.signIn('agent2');
    const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: agentCaller.cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });
    const contactIds: string[] = [];
    const codes: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await t.call('POST', '/api/contacts', { as: admin, body: { channel: 'task', queueId: webshop, subject: `Tehtävä ${i + 1}`, customer: { externalId: `CRM-77${i}`, name: `Asiakas ${i}` } } });
      const contactId = created.json().contactId as string;
      contactIds.push(contactId);
      await agent.next((m) => m.type === 'state' && m.offers.some((o: { contactId: string }) => o.contactId === contactId));
      await agent.command({ type: 'accept', contactId });
      const mark = agent.count;
      await agent.command({ type: 'end', contactId });
      const wrap = await agent.next((m) => m.type === 'state' && m.contacts.some((c: { contactId: string; phase: string }) => c.contactId === contactId && c.phase === 'wrap-up'), { after: mark });
      const choice = wrap.contacts.find((c: { contactId: string }) => c.contactId === contactId).classifications[i];
      codes.push(choice.code);
      await agent.command({ type: 'wrap-up', contactId, classificationId: choice.id });
    }
    await agent.close();

    // The flaky receiver failed twice, then took all six, in sequence, each once.
    await expect.poll(() => receiver.received.filter((r) => r.path === '/flaky' && r.answered === 204).length, { timeout: 10_000 }).toBe(6);
    const flakyGot = receiver.received.filter((r) => r.path === '/flaky');
    expect(flakyGot.map((r) => r.answered)).toEqual([500, 500, 204, 204, 204, 204, 204, 204]);
    // The first delivery was tried three times: the same id each time, so a receiver can deduplicate.
    expect(new Set(flakyGot.slice(0, 3).map((r) => r.headers['x-cc-delivery'])).size).toBe(1);
    const accepted = flakyGot.filter((r) => r.answered === 204);
    expect(accepted.every((r) => verify(flaky.secret, r))).toBe(true);
    expect(verify('whsec_wrong', accepted[0]!)).toBe(false);
    const bodies = accepted.map((r) => JSON.parse(r.body));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(6);
    expect(bodies.map((b) => b.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bodies.map((b) => [b.type, b.data.contactId])).toEqual(contactIds.flatMap((id) => [['contact.classified', id], ['contact.closed', id]]));
    expect(bodies[1].data).toMatchObject({ channel: 'task', status: 'closed', closeReason: 'handled', classification: codes[0], queue: { id: webshop, name: 'Verkkokauppa' }, customer: { externalId: 'CRM-770' } });
    expect(bodies[1].data.agent.username).toBe('agent2');
    expect(accepted.map((r) => r.headers['x-cc-event'])).toEqual(bodies.map((b) => b.type));

    // While that went through, the hanging receiver was still on its first delivery.
    const hungFirst = receiver.received.filter((r) => r.path === '/hang');
    expect(new Set(hungFirst.map((r) => r.headers['x-cc-delivery'])).size).toBeLessThanOrEqual(1);
    // Each of its deliveries is given up after three attempts that time out, one after another.
    await expect.poll(async () => (await t.call('GET', `/api/config/webhooks/${hanging.id}/deliveries`, { as: admin })).json().items.map((d: { status: string }) => d.status), { timeout: 15_000 }).toEqual(['failed', 'failed', 'failed']);
    const log = (await t.call('GET', `/api/config/webhooks/${hanging.id}/deliveries`, { as: admin })).json().items;
    expect(log.map((d: { seq: number; attempts: number; lastError: string }) => [d.seq, d.attempts, d.lastError])).toEqual([3, 2, 1].map((seq) => [seq, 3, 'no answer in 250 ms']));
    const tried = receiver.received.filter((r) => r.path === '/hang').map((r) => JSON.parse(r.body).seq);
    expect(tried).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const listed = (await t.call('GET', '/api/config/webhooks', { as: admin })).json().items;
    expect(listed.map((e: { url: string; delivered: number; failed: number; pending: number }) => [e.url, e.delivered, e.failed, e.pending])).toEqual([
      [`${receiver.origin}/flaky`, 6, 0, 0],
      [`${receiver.origin}/hang`, 0, 3, 0],
    ]);

    // The receiver is fixed; the admin replays the second one: same id, same body, delivered now.
    receiver.stopHanging();
    const second = log.find((d: { seq: number }) => d.seq === 2);
    const replay = await t.call('POST', `/api/config/webhooks/deliveries/${second.id}/replay`, { as: admin });
    expect(replay.statusCode).toBe(202);
    await expect.poll(() => receiver.received.filter((r) => r.path === '/hang' && r.answered === 204).length, { timeout: 5_000 }).toBe(1);
    const replayed = receiver.received.find((r) => r.path === '/hang' && r.answered === 204)!;
    expect(replayed.headers['x-cc-delivery']).toBe(second.id);
    expect(JSON.parse(replayed.body).data.contactId).toBe(contactIds[1]);
    const after = (await t.call('GET', `/api/config/webhooks/${hanging.id}/deliveries`, { as: admin })).json().items;
    expect(after.map((d: { status: string }) => d.status)).toEqual(['failed', 'delivered', 'failed']);
    const replays = (await t.call('GET', '/api/audit?action=webhook.replayed', { as: admin })).json().items;
    expect(replays.map((a: { targetId: string }) => a.targetId)).toEqual([second.id]);
  });

  it('keeps undelivered write-back across a restart and sends it then', async () => {
    const endpoint = (await t.call('POST', '/api/config/webhooks', { as: admin, body: { url: `${receiver.origin}/later`, events: ['contact.closed'], active: false } })).json();
    // Queued as the server stops (its pump is closed): written, not sent.
    await t.oltp.db.updateTable('webhook_endpoints').set({ active: 1 }).where('id', '=', endpoint.id).execute();
    await t.webhooks.close();
    await t.webhooks.reload();
    await t.webhooks.enqueue(t.oltp.db, (await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id, 'contact.closed', { contactId: 'kept' });
    expect(receiver.received.filter((r) => r.path === '/later')).toHaveLength(0);
    t = await t.restart();
    await expect.poll(() => receiver.received.filter((r) => r.path === '/later').length, { timeout: 5_000 }).toBe(1);
    expect(JSON.parse(receiver.received.find((r) => r.path === '/later')!.body)).toMatchObject({ type: 'contact.closed', seq: 1, data: { contactId: 'kept' } });
  });
});

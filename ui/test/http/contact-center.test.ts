import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signCustomerToken } from '../../server/contact-center/customer-token.ts';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { clearFloor } from '../support/floor.ts';
import { TestSocket, type Message } from '../support/sockets.ts';

/**
 * The live contact center through the real server: agents', customers' and supervisors' sockets
 * over loopback, the engine inside, both stores, events into ClickHouse (chdb).
 */
describe.each(testDatabases())('the contact center, live ($name)', (database) => {
  let t: TestApp;
  let origin: string;
  let webshop: string;
  let orgId: string;
  let secret: string;
  const open: TestSocket[] = [];

  const socket = async (path: string, caller?: Caller) => {
    const s = await TestSocket.open(origin, path, caller ? { cookie: caller.cookie } : {});
    open.push(s);
    return s;
  };
  /** An agent's console, signed in and available. */
  const agentConsole = async (username: string, available = true) => {
    const caller = await t.signIn(username);
    const s = await socket('/api/agent/ws', caller);
    await s.next('state');
    if (available) expect(await s.command({ type: 'set-status', status: 'available' })).toMatchObject({ type: 'ack' });
    return { caller, s };
  };
  const customer = async (start: Record<string, unknown>) => {
    const s = await socket('/api/widget/ws');
    const answer = await s.command({ type: 'start', queueId: webshop, ...start });
    expect(answer).toMatchObject({ type: 'ack' });
    const started = await s.next('started');
    return { s, contactId: started.contactId as string, resumeToken: started.resumeToken as string };
  };
  const offerIn = (s: TestSocket, contactId: string, after = 0) => s.next((m) => m.type === 'state' && m.offers.some((o: { contactId: string }) => o.contactId === contactId), { after });
  const signOutEveryone = async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await clearFloor(t.live.org(orgId));
  };

  beforeAll(async () => {
    t = await startTestApp(database, { sessionRecheckMs: 200, live: { preferredAgentTimeoutSeconds: 1, reconnectGraceSeconds: 1.5, offerTimeoutSeconds: 30, customerGraceSeconds: 1, callbackRetrySeconds: 1 } });
    origin = await t.listen();
    webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    const org = await t.oltp.db.selectFrom('organisations').select(['id', 'widget_secret']).executeTakeFirstOrThrow();
    orgId = org.id;
    secret = org.widget_secret!;
  });
  afterEach(signOutEveryone);
  afterAll(async () => t.close());

  it('carries a chat from the widget to an agent and back: offer, accept, messages both ways, end, classify, rate', async () => {
    const { s: agent } = await agentConsole('agent2');
    const { s: cust, contactId } = await customer({ name: 'Liisa', email: 'liisa@example.com', text: 'Hei, tilaukseni on myöhässä' });

    const offered = await offerIn(agent, contactId);
    expect(offered.offers[0]).toMatchObject({ contactId, channel: 'chat', queueName: 'Verkkokauppa', customerName: 'Liisa', subject: 'Hei, tilaukseni on myöhässä' });
    expect(offered.offers[0].expiresAt - offered.offers[0].offeredAt).toBe(30_000);

    expect(await agent.command({ type: 'accept', contactId })).toMatchObject({ type: 'ack' });
    expect(await cust.next('agent')).toMatchObject({ name: 'Eero' });
    const history = await agent.next((m) => m.type === 'messages' && m.contactId === contactId);
    expect(history.messages.map((m: Message) => [m.from, m.text])).toEqual([['customer', 'Hei, tilaukseni on myöhässä']]);

    await agent.command({ type: 'typing', contactId });
    await cust.next('typing');
    await agent.command({ type: 'send', contactId, text: 'Hei Liisa, katson asiaa.' });
    expect((await cust.next((m) => m.type === 'message' && m.message.from === 'agent')).message.text).toBe('Hei Liisa, katson asiaa.');
    await cust.command({ type: 'send', text: 'Kiitos!' });
    expect((await agent.next((m) => m.type === 'message' && m.message.from === 'customer')).message).toMatchObject({ contactId, text: 'Kiitos!', seq: 3 });

    const mark = agent.count;
    await agent.command({ type: 'end', contactId });
    expect(await cust.next('ended')).toMatchObject({ by: 'agent' });
    const wrapping = await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: mark });
    expect(wrapping.me.state).toBe('wrap-up');
    expect(wrapping.contacts[0].classificationRequired).toBe(true);
    // The queue requires a classification: none is refused, one from another queue's set too.
    expect(await agent.command({ type: 'wrap-up', contactId, classificationId: null })).toMatchObject({ type: 'error', code: 'CLASSIFICATION_REQUIRED' });
    expect(await agent.command({ type: 'wrap-up', contactId, classificationId: 'not-a-classification' })).toMatchObject({ type: 'error', code: 'UNKNOWN_CLASSIFICATION' });
    const orderStatus = wrapping.contacts[0].classifications.find((c: { code: string }) => c.code === 'order-status');
    expect(await agent.command({ type: 'wrap-up', contactId, classificationId: orderStatus.id })).toMatchObject({ type: 'ack' });
    expect((await agent.next((m) => m.type === 'state' && m.contacts.length === 0 && m.me.state === 'idle', { after: mark })).me.contactsToday).toBe(1);

    expect(await cust.command({ type: 'rate', score: 5 })).toMatchObject({ type: 'ack' });
    expect(await cust.command({ type: 'rate', score: 1 })).toMatchObject({ type: 'error', code: 'ALREADY_RATED' });

    const row = await t.oltp.db.selectFrom('contacts').selectAll().where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'closed', close_reason: 'handled', classification_id: orderStatus.id, rating: 5, channel: 'chat', customer_name: 'Liisa' });
    expect(await t.oltp.db.selectFrom('messages').select('body').where('contact_id', '=', contactId).orderBy('seq').execute()).toHaveLength(3);

    // The same story in ClickHouse: every step, the classification by code, the rating, the messages.
    await t.writer.flush();
    const q = async (sql: string) => (await t.analytics.client.query({ query: sql, query_params: { c: contactId }, format: 'JSONEachRow' })).json<Record<string, string>>();
    const steps = await q(`SELECT type, agent_id, classification FROM ${t.analytics.database}.contact_events WHERE contact_id = {c:String} ORDER BY at, toString(event_id)`);
    expect(steps.map((r) => r.type)).toEqual(['contact.enqueued', 'contact.offered', 'contact.offer_accepted', 'contact.connected', 'contact.wrap_up_started', 'contact.wrap_up_ended', 'contact.closed']);
    expect(steps.find((r) => r.type === 'contact.wrap_up_ended')!.classification).toBe('order-status');
    expect(await q(`SELECT kind, score FROM ${t.analytics.database}.survey_answers WHERE contact_id = {c:String}`)).toEqual([{ kind: 'csat', score: 5 }]);
    expect(await q(`SELECT sender_role FROM ${t.analytics.database}.message_events WHERE contact_id = {c:String} ORDER BY at`)).toEqual([
      { sender_role: 'customer' },
      { sender_role: 'agent' },
      { sender_role: 'customer' },
    ]);
  });

  it('answers malformed messages with a coded error and changes nothing', async () => {
    const { s: agent } = await agentConsole('agent2', false);
    agent.sendRaw('this is not json');
    expect(await agent.next('error')).toMatchObject({ code: 'BAD_JSON' });
    expect(await agent.command({ v: 2, type: 'hello' })).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    expect(await agent.command({ type: 'launch-rockets' })).toMatchObject({ code: 'UNKNOWN_TYPE' });
    expect(await agent.command({ type: 'accept' })).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringContaining('contactId') });
    expect(await agent.command({ type: 'set-status', status: 'not-ready' })).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await agent.command({ type: 'set-status', status: 'available', extra: 1 })).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await agent.command({ type: 'accept', contactId: 'nothing-offered' })).toMatchObject({ type: 'error', code: 'NO_SUCH_OFFER' });
    expect(t.live.org(orgId).engine.agentView((await t.signIn('agent2')).userId).status).toBe('offline');

    const cust = await socket('/api/widget/ws');
    expect(await cust.command({ type: 'send', text: 'hello?' })).toMatchObject({ code: 'RESUME_INVALID' });
    expect(await cust.command({ type: 'start', queueId: 'no-such-queue' })).toMatchObject({ code: 'UNKNOWN_QUEUE' });
    expect(await cust.command({ type: 'resume', resumeToken: 'x'.repeat(32) })).toMatchObject({ code: 'RESUME_INVALID' });
    // Nobody staffed: the widget is told so (callback or feedback instead) and no contact is made.
    expect(await cust.command({ type: 'start', queueId: webshop, text: 'anyone?' })).toMatchObject({ type: 'ack' });
    expect(await cust.next('unavailable')).toMatchObject({ reason: 'nobody-staffed' });
    expect(await cust.command({ type: 'request', queueId: webshop, kind: 'callback', name: 'Pekka' })).toMatchObject({ code: 'VALIDATION_FAILED' });
    // Feedback instead: taken in even with nobody staffed, routed by its topic ("other" by default).
    expect(await cust.command({ type: 'request', queueId: webshop, kind: 'feedback', text: 'Sivusto on hidas' })).toMatchObject({ type: 'ack' });
    const request = await cust.next('requested');
    expect(
      await t.oltp.db
        .selectFrom('contacts')
        .innerJoin('queues', 'queues.id', 'contacts.queue_id')
        .select(['contacts.channel', 'contacts.workflow_status', 'contacts.subject', 'queues.name'])
        .where('contacts.id', '=', request.contactId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ channel: 'feedback', workflow_status: 'new', subject: 'Sivusto on hidas', name: 'Asiakaspalvelu' });
    // …and no chat was made for the customer nobody could answer.
    expect(await t.oltp.db.selectFrom('contacts').select('id').where('channel', '=', 'chat').where('status', '=', 'waiting').execute()).toEqual([]);
  });

  it('routes a callback request, keeps its place in line ahead of later chats through a retry, and records each attempt', async () => {
    const { s: agent } = await agentConsole('agent2', false);
    await agent.command({ type: 'set-status', status: 'not-ready', reason: 'break' });
    const requester = await socket('/api/widget/ws');
    expect(await requester.command({ type: 'request', queueId: webshop, kind: 'callback', name: 'Pekka', phone: '+358 40 123 4567', preferredTime: 'klo 16' })).toMatchObject({ type: 'ack' });
    const callback = (await requester.next('requested')).contactId as string;
    const b = await customer({ text: 'later chat 1' });
    const c = await customer({ text: 'later chat 2' });
    const engine = t.live.org(orgId).engine;
    expect(engine.line(webshop)).toEqual([callback, b.contactId, c.contactId]);

    // A callback takes the whole agent (a call): offered alone, with what the customer left.
    const mark = agent.count;
    await agent.command({ type: 'set-status', status: 'available' });
    const offered = await offerIn(agent, callback, mark);
    expect(offered.offers).toMatchObject([{ contactId: callback, channel: 'callback', customerName: 'Pekka', details: { phone: '+358 40 123 4567', preferredTime: 'klo 16' } }]);
    await agent.command({ type: 'accept', contactId: callback });
    expect(await agent.command({ type: 'callback-outcome', contactId: b.contactId, outcome: 'reached' })).toMatchObject({ code: 'NOT_YOUR_CONTACT' });
    const mark2 = agent.count;
    expect(await agent.command({ type: 'callback-outcome', contactId: callback, outcome: 'no-answer' })).toMatchObject({ type: 'ack' });
    const wrap = await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: mark2 });
    await agent.command({ type: 'set-status', status: 'not-ready', reason: 'after-call-work' });
    await agent.command({ type: 'wrap-up', contactId: callback, classificationId: wrap.contacts[0].classifications[0].id });
    expect(await t.oltp.db.selectFrom('contacts').select(['status', 'attempts', 'outcome']).where('id', '=', callback).executeTakeFirstOrThrow()).toEqual({ status: 'scheduled', attempts: 1, outcome: 'no-answer' });
    expect(engine.line(webshop)).toEqual([b.contactId, c.contactId]);

    // The retry: back in line at its original place, ahead of the chats that came after it.
    await expect.poll(() => engine.line(webshop), { timeout: 3000 }).toEqual([callback, b.contactId, c.contactId]);
    const mark3 = agent.count;
    await agent.command({ type: 'set-status', status: 'available' });
    await offerIn(agent, callback, mark3);
    await agent.command({ type: 'accept', contactId: callback });
    await agent.command({ type: 'callback-outcome', contactId: callback, outcome: 'reached' });
    await expect.poll(async () => (await t.oltp.db.selectFrom('contacts').select(['status', 'attempts', 'outcome']).where('id', '=', callback).executeTakeFirstOrThrow()).status).toBe('wrap-up');
    await t.writer.flush();
    const attempts = await (
      await t.analytics.client.query({ query: `SELECT reason, position FROM ${t.analytics.database}.contact_events WHERE contact_id = {c:String} AND type = 'contact.callback_attempted' ORDER BY position`, query_params: { c: callback }, format: 'JSONEachRow' })
    ).json();
    expect(attempts).toEqual([
      { reason: 'no-answer', position: 1 },
      { reason: 'reached', position: 2 },
    ]);
  });

  it('refuses a cross-site page opening an agent socket with the agent’s cookie', async () => {
    const caller = await t.signIn('agent2');
    await expect(TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie, origin: 'https://evil.example' })).rejects.toThrow('403');
    await expect(TestSocket.open(origin, '/api/agent/ws')).rejects.toThrow('401');
    const supervisor = await t.signIn('supervisor');
    await expect(TestSocket.open(origin, '/api/agent/ws', { cookie: supervisor.cookie })).rejects.toThrow('403');
  });

  it('closes an agent’s and a supervisor’s open sockets once their sessions end', async () => {
    const { s: agent, caller } = await agentConsole('agent2', false);
    const supervisor = await t.signIn('supervisor');
    const floor = await socket('/api/supervisor/ws', supervisor);
    await floor.next('live');
    const closed = (s: TestSocket) => new Promise<number>((resolve) => s.ws.once('close', (code) => resolve(code)));
    const agentClosed = closed(agent);
    const floorClosed = closed(floor);
    expect((await t.call('POST', '/api/auth/sign-out', { as: caller })).statusCode).toBe(200);
    expect(await agentClosed).toBe(4401);
    expect(floor.ws.readyState).toBe(floor.ws.OPEN);
    expect((await t.call('POST', '/api/auth/sign-out', { as: supervisor })).statusCode).toBe(200);
    expect(await floorClosed).toBe(4401);
  });

  it('never offers a voice contact to an agent busy in a chat, and offers it when the chat ends (the seed’s rule)', async () => {
    const { s: agent, caller } = await agentConsole('agent2');
    const supervisor = await t.signIn('supervisor');
    const { contactId: chat } = await customer({ text: 'chat first' });
    await offerIn(agent, chat);
    await agent.command({ type: 'accept', contactId: chat });

    const created = await t.call('POST', '/api/contacts', { as: supervisor, body: { channel: 'voice', queueId: webshop, customerName: 'Soittaja' } });
    expect(created.statusCode).toBe(201);
    const voice = created.json().contactId as string;
    const engine = t.live.org(orgId).engine;
    expect(engine.contactView(voice)).toMatchObject({ phase: 'waiting', offeredTo: [] });
    expect(engine.agentView(caller.userId).freeFor).not.toContain('voice');

    const mark = agent.count;
    await agent.command({ type: 'end', contactId: chat });
    // Still in wrap-up: wrap-up holds the chat's capacity, so still no call.
    expect(engine.contactView(voice).offeredTo).toEqual([]);
    const wrap = await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: mark });
    await agent.command({ type: 'wrap-up', contactId: chat, classificationId: wrap.contacts[0].classifications[0].id });
    const offer = await offerIn(agent, voice, mark);
    expect(offer.offers).toMatchObject([{ contactId: voice, channel: 'voice', customerName: 'Soittaja' }]);

    // On the call, nothing else: in the default preset a call blocks chats, e-mails and tasks alike.
    await agent.command({ type: 'accept', contactId: voice });
    expect(engine.agentView(caller.userId).freeFor).toEqual([]);
    const { contactId: chat2 } = await customer({ text: 'chat during a call' });
    const others = [chat2];
    for (const channel of ['email', 'task']) others.push((await t.call('POST', '/api/contacts', { as: supervisor, body: { channel, queueId: webshop, subject: `${channel} during a call` } })).json().contactId);
    for (const id of others) expect(engine.contactView(id).offeredTo).not.toContain(caller.userId);
    const afterCall = agent.count;
    await agent.command({ type: 'end', contactId: voice });
    const callWrap = await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: afterCall });
    await agent.command({ type: 'wrap-up', contactId: voice, classificationId: callWrap.contacts[0].classifications[0].id });
    // Free again: the waiting work comes to them (whatever another agent has not taken meanwhile).
    await expect.poll(() => others.some((id) => engine.contactView(id).offeredTo.includes(caller.userId) || engine.contactView(id).agentId !== null)).toBe(true);
    for (const id of others) if (engine.contactView(id).phase !== 'closed') await t.call('POST', `/api/contacts/${id}/end`, { as: supervisor });

    // Bad input to the contact API: a coded 4xx, nothing made.
    const bad = await t.call('POST', '/api/contacts', { as: supervisor, body: { channel: 'fax', queueId: webshop } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    expect((await t.call('POST', '/api/contacts', { as: await t.signIn('agent3'), body: { channel: 'voice', queueId: webshop } })).statusCode).toBe(403);
  });

  it('rings a callback’s customer in their browser only while their widget is open, and only for callbacks', async () => {
    const { s: agent } = await agentConsole('agent2', false);
    const requester = await socket('/api/widget/ws');
    expect(await requester.command({ type: 'request', queueId: webshop, kind: 'callback', name: 'Selain', phone: '+358 40 765 4321' })).toMatchObject({ type: 'ack' });
    const requested = await requester.next('requested');
    const callback = requested.contactId as string;
    // The widget keeps a token for the call back; it is stored only as a hash.
    expect(requested.callToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const row = await t.oltp.db.selectFrom('contacts').select('resume_hash').where('id', '=', callback).executeTakeFirstOrThrow();
    expect(row.resume_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.resume_hash).not.toContain(requested.callToken);

    // Not before the agent has it.
    expect(await agent.command({ type: 'ring', contactId: callback })).toMatchObject({ type: 'error', code: 'NOT_YOUR_CONTACT' });
    const mark = agent.count;
    await agent.command({ type: 'set-status', status: 'available' });
    await offerIn(agent, callback, mark);
    await agent.command({ type: 'accept', contactId: callback });

    const seen = requester.count;
    expect(await agent.command({ type: 'ring', contactId: callback })).toMatchObject({ type: 'ack' });
    expect(await requester.next('incoming-call', { after: seen })).toMatchObject({ contactId: callback });

    // The page is gone: the agent is told to use the number.
    await requester.close();
    await expect.poll(async () => (await agent.command({ type: 'ring', contactId: callback })).code).toBe('CUSTOMER_NOT_ONLINE');
    // The agent reached them by phone after all: the callback ends with its outcome.
    expect(await agent.command({ type: 'callback-outcome', contactId: callback, outcome: 'reached' })).toMatchObject({ type: 'ack' });
  });

  it('transfers a call to a named colleague, who is offered it first; refuses a transfer to oneself or to nobody and changes nothing', async () => {
    const a = await agentConsole('agent2');
    const b = await agentConsole('agent3');
    const supervisor = await t.signIn('supervisor');
    const created = await t.call('POST', '/api/contacts', { as: supervisor, body: { channel: 'voice', queueId: webshop, customerName: 'Siirrettävä' } });
    const call = created.json().contactId as string;
    const engine = t.live.org(orgId).engine;
    // Whoever is offered it first takes it; the other is the colleague.
    await expect.poll(() => engine.contactView(call).offeredTo.length).toBe(1);
    const [first, second] = engine.contactView(call).offeredTo[0] === a.caller.userId ? [a, b] : [b, a];
    expect(await first.s.command({ type: 'accept', contactId: call })).toMatchObject({ type: 'ack' });

    // The colleagues the picker shows: everyone else, with who is free for a call now.
    const colleagues = (await t.call('GET', '/api/me/colleagues', { as: first.caller })).json().colleagues as { id: string; name: string; status: string; freeFor: string[] }[];
    expect(colleagues.map((c) => c.id)).not.toContain(first.caller.userId);
    expect(colleagues.find((c) => c.id === second.caller.userId)).toMatchObject({ status: 'available', freeFor: expect.arrayContaining(['voice']) });
    expect((await t.call('GET', '/api/me/colleagues', { as: supervisor })).statusCode).toBe(403);

    // To oneself, or to someone who is not a colleague: refused with a code, the call stays.
    expect(await first.s.command({ type: 'transfer', contactId: call, queueId: webshop, agentId: first.caller.userId })).toMatchObject({ type: 'error', code: 'UNKNOWN_AGENT' });
    expect(await first.s.command({ type: 'transfer', contactId: call, queueId: webshop, agentId: 'no-such-agent' })).toMatchObject({ type: 'error', code: 'UNKNOWN_AGENT' });
    expect(engine.contactView(call)).toMatchObject({ phase: 'connected', agentId: first.caller.userId });

    // The colleague named is the one who just came in: the queue alone would pick the longer-idle
    // agent, so an offer to them shows the name decided it.
    const named = await agentConsole('agent6');
    const mark = named.s.count;
    expect(await first.s.command({ type: 'transfer', contactId: call, queueId: webshop, agentId: named.caller.userId })).toMatchObject({ type: 'ack' });
    await offerIn(named.s, call, mark);
    expect(engine.contactView(call).offeredTo).toEqual([named.caller.userId]);
    expect(await named.s.command({ type: 'accept', contactId: call })).toMatchObject({ type: 'ack' });
    expect(engine.contactView(call)).toMatchObject({ phase: 'connected', agentId: named.caller.userId });
    await t.writer.flush();
    const transferred = await (
      await t.analytics.client.query({ query: `SELECT agent_id, reason FROM ${t.analytics.database}.contact_events WHERE contact_id = {c:String} AND type = 'contact.transferred'`, query_params: { c: call }, format: 'JSONEachRow' })
    ).json<{ agent_id: string }>();
    expect(transferred).toHaveLength(1);
  });

  it('offers a VIP to their account manager first, and to the queue once the wait for the manager runs out', async () => {
    const { s: other } = await agentConsole('agent2');
    const { s: manager, caller: managerCaller } = await agentConsole('agent6');
    const token = (claims: object) => signCustomerToken(secret, { sub: 'CRM-1001', name: 'Matti Meikäläinen', segment: 'vip', accountManager: 'agent6', exp: Math.floor(Date.now() / 1000) + 600, ...claims });

    // agent2 has been idle longer and would win by longest-idle; the account manager goes first.
    const first = await customer({ token: token({}), text: 'VIP here' });
    const offered = await offerIn(manager, first.contactId);
    expect(offered.offers[0]).toMatchObject({ vip: true, customerName: 'Matti Meikäläinen' });
    expect(t.live.org(orgId).engine.contactView(first.contactId).offeredTo).toEqual([managerCaller.userId]);
    await manager.command({ type: 'accept', contactId: first.contactId });
    // The customer panel: the registry entry made from the token, with the account manager.
    const panel = await t.call('GET', `/api/contacts/${first.contactId}/customer`, { as: managerCaller });
    expect(panel.json().customer).toMatchObject({ externalId: 'CRM-1001', segment: 'vip', accountManager: 'Juha Nieminen' });
    expect((await t.call('GET', `/api/contacts/${first.contactId}/customer`, { as: await t.signIn('agent3') })).json().error.code).toBe('NOT_YOUR_CONTACT');
    await manager.command({ type: 'end', contactId: first.contactId });

    // The manager is signed in but not ready: the VIP waits for them a while, then anyone in the queue may take them.
    await manager.command({ type: 'set-status', status: 'not-ready', reason: 'meeting' });
    const started = Date.now();
    const second = await customer({ token: token({}), text: 'VIP again' });
    await offerIn(other, second.contactId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    // A tampered token is ignored (and logged): a plain visitor, routed by the queue's strategy, no VIP priority.
    const forged = token({}).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const third = await customer({ token: forged, text: 'trust me' });
    const row = await t.oltp.db.selectFrom('contacts').select(['customer_id', 'priority', 'preferred_agent_id']).where('id', '=', third.contactId).executeTakeFirstOrThrow();
    expect(row).toEqual({ customer_id: null, priority: 0, preferred_agent_id: null });
  });

  it('keeps an agent’s chat through a page reload, and re-offers what a vanished agent was offered', async () => {
    const first = await agentConsole('agent2');
    const { s: cust, contactId } = await customer({ text: 'reload test' });
    await offerIn(first.s, contactId);
    await first.s.command({ type: 'accept', contactId });
    await first.s.command({ type: 'send', contactId, text: 'Ennen päivitystä' });
    await first.s.close();

    // The reload: a new console within the grace period gets the chat back with its messages.
    const again = await socket('/api/agent/ws', first.caller);
    const state = await again.next('state');
    expect(state.me.status).toBe('available');
    expect(state.contacts).toMatchObject([{ contactId, phase: 'connected' }]);
    const history = await again.next((m) => m.type === 'messages' && m.contactId === contactId);
    expect(history.messages.map((m: Message) => m.text)).toEqual(['reload test', 'Ennen päivitystä']);
    await new Promise((resolve) => setTimeout(resolve, 1800));
    expect(t.live.org(orgId).engine.contactView(contactId)).toMatchObject({ phase: 'connected', agentId: first.caller.userId });
    expect(cust.received.some((m) => m.type === 'waiting')).toBe(false);

    // An offer rings on a console that goes away for good: after the grace period it goes to someone else.
    const { s: helper } = await agentConsole('agent6');
    await helper.command({ type: 'set-status', status: 'not-ready', reason: 'break' });
    const { contactId: waiting } = await customer({ text: 'who takes me?' });
    await offerIn(again, waiting);
    await again.close();
    await helper.command({ type: 'set-status', status: 'available' });
    const moved = await offerIn(helper, waiting);
    expect(moved.offers[0].contactId).toBe(waiting);
    // …and the chat they were in goes back to the line, at its original place, told to the customer.
    expect(await cust.next('waiting')).toMatchObject({ reason: 'agent-disconnected' });
  });

  it('lets a customer’s widget come back after a blip, and ends the chat of a customer who does not', async () => {
    const { s: agent } = await agentConsole('agent2');
    await agent.command({ type: 'set-status', status: 'not-ready', reason: 'break' });
    const waiting = await customer({ text: 'still there?' });
    // A blip: the socket drops and the widget resumes within the grace period; the chat waits on.
    await waiting.s.close();
    const back = await socket('/api/widget/ws');
    await back.command({ type: 'resume', resumeToken: waiting.resumeToken });
    expect(await back.next('resumed')).toMatchObject({ contactId: waiting.contactId, phase: 'waiting' });
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(t.live.org(orgId).phaseOf(waiting.contactId)).toBe('waiting');

    // Gone for good while waiting: abandoned, so no agent is offered a chat nobody is in.
    await back.close();
    await expect.poll(() => t.live.org(orgId).phaseOf(waiting.contactId), { timeout: 3000 }).toBe('closed');
    // The engine moves first; its row follows once the events are written.
    await expect
      .poll(() => t.oltp.db.selectFrom('contacts').select(['status', 'close_reason']).where('id', '=', waiting.contactId).executeTakeFirstOrThrow(), { timeout: 3000 })
      .toEqual({ status: 'closed', close_reason: 'abandoned' });

    // Gone for good during the chat: it ends, and the agent goes on to wrap-up.
    await agent.command({ type: 'set-status', status: 'available' });
    const talking = await customer({ text: 'bye soon' });
    await offerIn(agent, talking.contactId);
    await agent.command({ type: 'accept', contactId: talking.contactId });
    const mark = agent.count;
    await talking.s.close();
    expect((await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: mark, timeoutMs: 3000 })).contacts[0].contactId).toBe(talking.contactId);
  });

  it('shows supervisors the live floor and lets them act on it', async () => {
    const supervisor = await t.signIn('supervisor');
    const live = await socket('/api/supervisor/ws', supervisor);
    const first = await live.next('live');
    const tile = first.queues.find((q: { name: string }) => q.name === 'Verkkokauppa');
    expect(tile).toMatchObject({ waiting: 0, channels: ['voice', 'chat', 'email', 'callback', 'task'] });
    expect(first.agents).toHaveLength(10);

    const { s: agent, caller } = await agentConsole('agent2');
    const after = live.count;
    const busy = await live.next((m) => m.type === 'live' && m.agents.some((a: { id: string; status: string }) => a.id === caller.userId && a.status === 'available'), { after });
    expect(busy.queues.find((q: { name: string }) => q.name === 'Verkkokauppa').byChannel.chat.free).toBe(1);

    await agent.command({ type: 'set-status', status: 'not-ready', reason: 'lunch' });
    const a = await customer({ text: 'first' });
    const b = await customer({ text: 'second' });
    const seen = await live.next((m) => m.type === 'live' && m.waiting.length === 2);
    expect(seen.waiting.map((w: { contactId: string }) => w.contactId)).toEqual([a.contactId, b.contactId]);
    expect(seen.queues.find((q: { name: string }) => q.name === 'Verkkokauppa')).toMatchObject({ waiting: 2, byChannel: { chat: { free: 0, notReady: 1 } } });

    // Raise the second one's priority: it goes first in line; the customer hears their new place.
    expect(await live.command({ type: 'set-priority', contactId: b.contactId, priority: 50 })).toMatchObject({ type: 'ack' });
    expect(await b.s.next((m) => m.type === 'queue' && m.position === 1)).toBeTruthy();
    expect(t.live.org(orgId).engine.line(webshop)).toEqual([b.contactId, a.contactId]);
    // Change the agent's state from the view: the agent's console hears it, the line starts moving.
    expect(await live.command({ type: 'set-agent-status', agentId: caller.userId, status: 'available' })).toMatchObject({ type: 'ack' });
    expect((await offerIn(agent, b.contactId)).me.status).toBe('available');
    expect(await live.command({ type: 'set-agent-status', agentId: caller.userId, status: 'not-ready' })).toMatchObject({ code: 'BAD_MESSAGE' });
    const audit = await t.call('GET', '/api/audit?action=contact.priority_set', { as: await t.signIn('admin') });
    expect(audit.json().items[0]).toMatchObject({ actorUsername: 'supervisor', targetId: b.contactId, details: { priority: 50 } });
  });
});

describe.each(testDatabases())('a server restart ($name)', (database) => {
  it('keeps the waiting contacts in their order and the open chat with its agent and messages', async () => {
    let t = await startTestApp(database, { live: { reconnectGraceSeconds: 5 } });
    let origin = await t.listen();
    const webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    const caller = await t.signIn('agent2');
    const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });
    const start = async (text: string) => {
      const s = await TestSocket.open(origin, '/api/widget/ws');
      await s.command({ type: 'start', queueId: webshop, text });
      return { s, started: await s.next('started') };
    };
    const chat = await start('open chat');
    await agent.next((m) => m.type === 'state' && m.offers.length === 1);
    await agent.command({ type: 'accept', contactId: chat.started.contactId });
    await agent.command({ type: 'send', contactId: chat.started.contactId, text: 'Palvelen sinua' });
    await agent.command({ type: 'set-status', status: 'not-ready', reason: 'break' });
    const b = await start('waiting one');
    const c = await start('waiting two');
    const orgId = t.live.org((await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id).orgId;
    expect(t.live.org(orgId).engine.line(webshop)).toEqual([b.started.contactId, c.started.contactId]);
    await Promise.all([agent, chat.s, b.s, c.s].map((s) => s.close()));

    t = await t.restart();
    try {
      origin = await t.listen();
      const engine = t.live.org(orgId).engine;
      expect(engine.line(webshop)).toEqual([b.started.contactId, c.started.contactId]);
      expect(engine.contactView(chat.started.contactId)).toMatchObject({ phase: 'connected', agentId: caller.userId });
      expect(engine.agentView(caller.userId)).toMatchObject({ status: 'not-ready', notReadyReason: 'break', state: 'busy' });

      // The customer's widget resumes with its token; the agent's console comes back to the same chat.
      const resumed = await TestSocket.open(origin, '/api/widget/ws');
      await resumed.command({ type: 'resume', resumeToken: chat.started.resumeToken });
      expect(await resumed.next('resumed')).toMatchObject({ contactId: chat.started.contactId, phase: 'connected', agentName: 'Eero' });
      expect((await resumed.next('messages')).messages.map((m: Message) => m.text)).toEqual(['open chat', 'Palvelen sinua']);
      const console2 = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
      expect((await console2.next('state')).contacts).toMatchObject([{ contactId: chat.started.contactId, phase: 'connected' }]);
      await console2.command({ type: 'set-status', status: 'available' });
      // The line resumes where it was: the first waiting contact is offered first (chats share the agent's capacity).
      const offered = await console2.next((m) => m.type === 'state' && m.offers.length > 0);
      expect(offered.offers.map((o: { contactId: string }) => o.contactId)).toEqual([b.started.contactId, c.started.contactId]);
      await console2.close();
      await resumed.close();
    } finally {
      await t.close();
    }
  });
});

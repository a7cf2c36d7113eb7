import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { smtpSink, type SmtpSink } from '../support/smtp.ts';
import { TestSocket } from '../support/sockets.ts';

/** The customer registry (every channel in one history, search, merge, consent) and surveys by e-mail link. */
describe.each(testDatabases())('customers and surveys ($name)', (database) => {
  let t: TestApp;
  let sink: SmtpSink;
  let customerMail: Transporter;
  let admin: Caller;
  let supervisor: Caller;
  let webshop: string;
  let origin: string;
  let agent: TestSocket;

  beforeAll(async () => {
    sink = await smtpSink();
    const config = loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0', PUBLIC_URL: 'https://cc.demo.example/', SMTP_URL: sink.url, MAIL_FROM: 'Demo Oy <palvelu@demo.example>' });
    t = await startTestApp(database, { config });
    customerMail = nodemailer.createTransport({ host: '127.0.0.1', port: t.inboundSmtpPort!, secure: false, ignoreTLS: true });
    admin = await t.signIn('admin');
    supervisor = await t.signIn('supervisor');
    webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    origin = await t.listen();
    agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: (await t.signIn('agent2')).cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });
  });
  afterAll(async () => {
    await agent.close();
    customerMail.close();
    await t.close();
    await sink.close();
  });

  const contactOf = async (channel: string, since: number) =>
    (await t.oltp.db.selectFrom('contacts').select(['id', 'customer_id']).where('channel', '=', channel).where('created_at', '>=', since).orderBy('created_at', 'desc').executeTakeFirstOrThrow());

  it('links a customer’s chat, e-mail, callback, feedback and task into one history, in time order; search finds them; a second record merges in', async () => {
    const chat = await TestSocket.open(origin, '/api/widget/ws');
    await chat.command({ type: 'start', queueId: webshop, name: 'Kaisa Koskinen', email: 'Kaisa@Example.com', text: 'Hei' });
    await chat.next('started');
    await customerMail.sendMail({ from: 'Kaisa Koskinen <kaisa@example.com>', to: 'verkkokauppa@demo.example', subject: 'Palautus', text: 'Haluan palauttaa tuotteen.' });
    await expect.poll(async () => (await t.oltp.db.selectFrom('contacts').select('id').where('channel', '=', 'email').execute()).length).toBe(1);
    const widget = await TestSocket.open(origin, '/api/widget/ws');
    await widget.command({ type: 'request', queueId: webshop, kind: 'callback', name: 'Kaisa', email: 'kaisa@example.com', phone: '+358 40 765 4321' });
    await widget.next('requested');
    expect((await t.call('POST', '/api/feedback', { as: admin, body: { topic: 'delivery', text: 'Paketti myöhässä', email: 'kaisa@example.com' } })).statusCode).toBe(201);
    expect((await t.call('POST', '/api/contacts', { as: admin, body: { channel: 'task', queueId: webshop, subject: 'Hyvitä toimituskulut', customer: { email: 'kaisa@example.com' } } })).statusCode).toBe(201);

    const found = (await t.call('GET', '/api/customers?q=KAISA', { as: supervisor })).json().items;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ name: 'Kaisa Koskinen', email: 'kaisa@example.com', mergedInto: null });
    const kaisa = found[0].id as string;
    const profile = (await t.call('GET', `/api/customers/${kaisa}`, { as: supervisor })).json();
    expect(profile.history.map((h: { channel: string }) => h.channel)).toEqual(['task', 'feedback', 'callback', 'email', 'chat']);
    const times = profile.history.map((h: { createdAt: number }) => h.createdAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // The same person once called from a number only: a record of its own, until a supervisor merges it in.
    await widget.command({ type: 'request', queueId: webshop, kind: 'callback', name: 'K. Koskinen', phone: '+358 50 123 4567' });
    await widget.next((m) => m.type === 'requested' && m.kind === 'callback');
    const byPhone = (await t.call('GET', '/api/customers?q=50%20123%204567', { as: supervisor })).json().items;
    expect(byPhone).toMatchObject([{ name: 'K. Koskinen', phone: '+358 50 123 4567', email: null }]);
    const other = byPhone[0].id as string;

    expect((await t.call('POST', `/api/customers/${kaisa}/merge`, { as: await t.signIn('agent3'), body: { from: other } })).statusCode).toBe(403);
    const self = await t.call('POST', `/api/customers/${kaisa}/merge`, { as: supervisor, body: { from: kaisa } });
    expect([self.statusCode, self.json().error.code]).toEqual([400, 'INVALID_MERGE']);
    const merged = await t.call('POST', `/api/customers/${kaisa}/merge`, { as: supervisor, body: { from: other } });
    expect(merged.statusCode).toBe(200);
    expect(merged.json()).toMatchObject({ movedContacts: 1, customer: { id: kaisa, email: 'kaisa@example.com', phone: '+358 50 123 4567' } });
    const after = (await t.call('GET', `/api/customers/${kaisa}`, { as: supervisor })).json();
    expect(after.history.map((h: { channel: string }) => h.channel)).toEqual(['callback', 'task', 'feedback', 'callback', 'email', 'chat']);
    expect((await t.call('GET', `/api/customers/${other}`, { as: supervisor })).json()).toMatchObject({ customer: { mergedInto: kaisa }, history: [] });
    // Search shows the kept record only, now found by either number's digits.
    expect((await t.call('GET', '/api/customers?q=1234567', { as: supervisor })).json().items.map((c: { id: string }) => c.id)).toEqual([kaisa]);
    const again = await t.call('POST', `/api/customers/${kaisa}/merge`, { as: supervisor, body: { from: other } });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'CUSTOMER_MERGED']);
    const audit = (await t.call('GET', '/api/audit?action=customer.merged', { as: admin })).json().items;
    expect(audit).toMatchObject([{ targetId: kaisa, details: { from: other, movedContacts: 1 } }]);

    // Bad input, clear errors.
    for (const [url, body, status, code] of [
      [`/api/customers/${kaisa}`, { name: 'Kaisa', email: 'not-an-address' }, 400, 'VALIDATION_FAILED'],
      [`/api/customers/${kaisa}`, { name: 'Kaisa', accountManager: 'nobody' }, 400, 'REFERENCE_NOT_FOUND'],
      [`/api/customers/${other}`, { name: 'K' }, 409, 'CUSTOMER_MERGED'],
    ] as const) {
      const response = await t.call('PUT', url, { as: supervisor, body });
      expect([response.statusCode, response.json().error.code]).toEqual([status, code]);
    }
    expect((await t.call('GET', '/api/customers?q=k', { as: supervisor })).statusCode).toBe(400);

    // Nothing of hers stays in line for the next test.
    for (const h of after.history) if (h.status !== 'closed') await t.call('POST', `/api/contacts/${h.contactId}/end`, { as: supervisor });
    await chat.close();
    await widget.close();
  });

  it('asks for CSAT and NPS by e-mail link after an e-mail contact, once each, unless the customer said no', async () => {
    const handle = async (subject: string) => {
      const since = Date.now();
      await customerMail.sendMail({ from: 'Olli Ostaja <olli@example.com>', to: 'verkkokauppa@demo.example', subject, text: 'Missä tilaukseni on?' });
      const offered = await agent.next((m) => m.type === 'state' && m.offers.some((o: { subject: string }) => o.subject === subject));
      const contactId = offered.offers.find((o: { subject: string }) => o.subject === subject).contactId as string;
      await agent.command({ type: 'accept', contactId });
      const mark = agent.count;
      await agent.command({ type: 'end', contactId });
      const wrap = await agent.next((m) => m.type === 'state' && m.contacts.some((c: { contactId: string; phase: string }) => c.contactId === contactId && c.phase === 'wrap-up'), { after: mark });
      await agent.command({ type: 'wrap-up', contactId, classificationId: wrap.contacts.find((c: { contactId: string }) => c.contactId === contactId).classifications[0].id });
      expect((await contactOf('email', since)).id).toBe(contactId);
      return contactId;
    };
    const mailsBefore = sink.mails.length;
    const contactId = await handle('Tilaus 555');
    await expect.poll(() => sink.mails.length).toBe(mailsBefore + 1);
    const invitation = sink.mails.at(-1)!;
    expect([invitation.to].flat()[0]!.value[0]!.address).toBe('olli@example.com');
    expect(invitation.subject).toBe('Miten onnistuimme? (Verkkokauppa)');
    const link = invitation.text!.match(/https:\/\/cc\.demo\.example\/survey\/(\S+)/);
    expect(link).not.toBeNull();
    const token = link![1]!;

    const page = await t.call('GET', `/survey/${token}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Kuinka tyytyväinen olit palveluun (1–5)?');
    const answer = (kind: string, score: number, tok = token) => t.call('POST', `/api/surveys/${tok}`, { body: { kind, score } });
    const tooHigh = await answer('csat', 7);
    expect([tooHigh.statusCode, tooHigh.json().error.code]).toEqual([400, 'INVALID_SCORE']);
    expect((await answer('csat', 4)).statusCode).toBe(200);
    const twice = await answer('csat', 5);
    expect([twice.statusCode, twice.json().error.code]).toEqual([409, 'ALREADY_RATED']);
    expect((await answer('nps', 9)).statusCode).toBe(200);
    expect((await t.call('GET', `/survey/${token}`)).body).toContain('Olet jo vastannut tähän');
    // A forged or broken link opens nothing.
    const forged = token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await t.call('GET', `/survey/${forged}`)).statusCode).toBe(404);
    expect((await answer('nps', 3, forged)).statusCode).toBe(404);
    expect((await t.call('POST', '/api/surveys/not-a-token', { body: { kind: 'nps', score: 3 } })).statusCode).toBe(400);

    const row = await t.oltp.db.selectFrom('contacts').select(['rating', 'nps']).where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(row).toEqual({ rating: 4, nps: 9 });
    await t.writer.flush();
    const answers = await (
      await t.analytics.client.query({ query: `SELECT kind, score, channel, queue_id FROM ${t.analytics.database}.survey_answers WHERE contact_id = {c:String} ORDER BY kind`, query_params: { c: contactId }, format: 'JSONEachRow' })
    ).json();
    expect(answers).toEqual([
      { kind: 'csat', score: 4, channel: 'email', queue_id: webshop },
      { kind: 'nps', score: 9, channel: 'email', queue_id: webshop },
    ]);
    const profile = (await t.call('GET', `/api/customers?q=olli`, { as: supervisor })).json().items[0];
    expect((await t.call('GET', `/api/customers/${profile.id}`, { as: supervisor })).json().history[0]).toMatchObject({ contactId, rating: 4, nps: 9 });

    // Olli says no to surveys: his next e-mail is handled without an invitation.
    const update = await t.call('PUT', `/api/customers/${profile.id}`, { as: supervisor, body: { name: 'Olli Ostaja', email: 'olli@example.com', consent: { surveys: false } } });
    expect(update.json()).toMatchObject({ consent: { surveys: false } });
    const mailsNow = sink.mails.length;
    const second = await handle('Toinen tilaus');
    await t.writer.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.mails.length).toBe(mailsNow);
    expect((await t.oltp.db.selectFrom('contacts').select('survey_sent_at').where('id', '=', second).executeTakeFirstOrThrow()).survey_sent_at).toBeNull();
  });
});

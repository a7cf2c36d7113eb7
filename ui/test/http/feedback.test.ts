import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { smtpSink } from '../support/smtp.ts';
import { TestSocket } from '../support/sockets.ts';

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('web feedback through its workflow', () => {
  let t: TestApp;
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  let customerMail: Transporter;

  beforeAll(async () => {
    sink = await smtpSink();
    t = await startTestApp(sqlite, { config: { ...loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0' }), smtpUrl: sink.url, mailFrom: 'Demo Oy <palaute@demo.example>' } });
    customerMail = nodemailer.createTransport({ host: '127.0.0.1', port: t.inboundSmtpPort!, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    customerMail.close();
    await t.close();
    await sink.close();
  });

  it('goes to the topic’s queue, new → assigned → answered (by e-mail) → closed, each step a fact; the customer’s reply reopens it', async () => {
    const origin = await t.listen();
    const webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    // The widget learns the topics with the queue.
    const queue = (await t.call('GET', `/api/widget/queues/${webshop}`)).json();
    expect(queue.feedbackTopics.map((x: { code: string }) => x.code)).toEqual(['delivery', 'invoice', 'service', 'other']);

    // agent4 (Laskutus) answers invoice feedback; it is taken in at any hour.
    const caller = await t.signIn('agent4');
    const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });

    const widget = await TestSocket.open(origin, '/api/widget/ws');
    expect(await widget.command({ type: 'request', queueId: webshop, kind: 'feedback', topic: 'no-such-topic', text: 'x' })).toMatchObject({ code: 'UNKNOWN_TOPIC' });
    await widget.command({ type: 'request', queueId: webshop, kind: 'feedback', topic: 'invoice', name: 'Kalle', email: 'kalle@example.com', text: 'Laskussa on väärä summa.' });
    const contactId = (await widget.next('requested')).contactId as string;
    const row = await t.oltp.db.selectFrom('contacts').innerJoin('queues', 'queues.id', 'contacts.queue_id').select(['contacts.channel', 'queues.name', 'contacts.workflow_status']).where('contacts.id', '=', contactId).executeTakeFirstOrThrow();
    expect(row).toEqual({ channel: 'feedback', name: 'Laskutus', workflow_status: 'new' });

    const offer = await agent.next((m) => m.type === 'state' && m.offers.some((o: { contactId: string }) => o.contactId === contactId));
    expect(offer.offers[0]).toMatchObject({ channel: 'feedback', customerName: 'Kalle', details: { email: 'kalle@example.com' } });
    await agent.command({ type: 'accept', contactId });
    await expect.poll(async () => (await t.oltp.db.selectFrom('contacts').select('workflow_status').where('id', '=', contactId).executeTakeFirstOrThrow()).workflow_status).toBe('assigned');
    expect(await agent.command({ type: 'send', contactId, text: 'Hei Kalle, korjasimme laskun.' })).toMatchObject({ type: 'ack' });
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]).toMatchObject({ subject: expect.stringMatching(/^Re: Laskussa on väärä summa\. \[#[0-9a-f]{12}\]$/) });
    expect([sink.mails[0]!.to].flat()[0]!.value[0]!.address).toBe('kalle@example.com');
    await agent.command({ type: 'end', contactId });
    await expect.poll(async () => (await t.oltp.db.selectFrom('contacts').select(['workflow_status', 'status']).where('id', '=', contactId).executeTakeFirstOrThrow())).toEqual({ workflow_status: 'closed', status: 'closed' });

    await t.writer.flush();
    const steps = await (
      await t.analytics.client.query({ query: `SELECT previous_status, status, topic FROM ${t.analytics.database}.feedback_events WHERE feedback_id = {c:String} ORDER BY at, toString(event_id)`, query_params: { c: contactId }, format: 'JSONEachRow' })
    ).json();
    expect(steps).toEqual([
      { previous_status: '', status: 'new', topic: 'invoice' },
      { previous_status: 'new', status: 'assigned', topic: 'invoice' },
      { previous_status: 'assigned', status: 'answered', topic: 'invoice' },
      { previous_status: 'answered', status: 'closed', topic: 'invoice' },
    ]);

    // The customer answers the answer: the same feedback is new again, in the same queue.
    await customerMail.sendMail({ from: 'kalle@example.com', to: 'laskutus@demo.example', subject: sink.mails[0]!.subject!, text: 'Kiitos!', inReplyTo: sink.mails[0]!.messageId });
    await expect.poll(async () => (await t.oltp.db.selectFrom('contacts').select(['workflow_status', 'status']).where('id', '=', contactId).executeTakeFirstOrThrow())).toEqual({ workflow_status: 'new', status: 'waiting' });

    // The API for other systems: a key, a topic, a text.
    const admin = await t.signIn('admin');
    const key = (await t.call('POST', '/api/config/api-keys', { as: admin, body: { name: 'Verkkosivut' } })).json().key;
    const viaApi = await t.call('POST', '/api/feedback', { headers: { authorization: `Bearer ${key}` }, body: { topic: 'delivery', text: 'Paketti tuli rikki', email: 'liisa@example.com' } });
    expect(viaApi.statusCode).toBe(201);
    expect((await t.oltp.db.selectFrom('contacts').innerJoin('queues', 'queues.id', 'contacts.queue_id').select('queues.name').where('contacts.id', '=', viaApi.json().contactId).executeTakeFirstOrThrow()).name).toBe('Asiakaspalvelu');
    const bad = await t.call('POST', '/api/feedback', { headers: { authorization: `Bearer ${key}` }, body: { topic: 'delivery', text: '   ' } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    await widget.close();
    await agent.close();
  });
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { smtpSink } from '../support/smtp.ts';
import { TestSocket, type Message } from '../support/sockets.ts';

describe.each(testDatabases())('e-mail through the one ACD ($name)', (database) => {
  let t: TestApp;
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  let dataDir: string;
  /** A real SMTP client, as the company's mail server forwarding to our listener. */
  let customerMail: Transporter;

  beforeAll(async () => {
    sink = await smtpSink();
    const config = { ...loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0' }), smtpUrl: sink.url, inboundMailMaxBytes: 64 * 1024 };
    t = await startTestApp(database, { config });
    dataDir = t.dataDir;
    customerMail = nodemailer.createTransport({ host: '127.0.0.1', port: t.inboundSmtpPort!, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    customerMail?.close();
    await t.close();
    await sink.close();
  });

  it('takes mail in over SMTP, offers it, sends the answer in its thread, and a reply reopens the same contact', async () => {
    const origin = await t.listen();
    const caller = await t.signIn('agent2');
    const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });

    const sent = await customerMail.sendMail({
      from: 'Pirjo Asiakas <pirjo@example.com>',
      to: 'verkkokauppa@demo.example',
      subject: 'Tilaus 123 on myöhässä',
      text: 'Hei, tilaukseni 123 ei ole vielä tullut.',
      attachments: [{ filename: 'kuitti.txt', content: 'Kuitti 123' }],
    });
    const offer = await agent.next((m) => m.type === 'state' && m.offers.length === 1);
    expect(offer.offers[0]).toMatchObject({ channel: 'email', queueName: 'Verkkokauppa', customerName: 'Pirjo Asiakas', subject: 'Tilaus 123 on myöhässä' });
    const contactId = offer.offers[0].contactId as string;

    // Stored as received (and its attachment), linked to the customer registry by address.
    const inbound = await t.oltp.db.selectFrom('email_messages').selectAll().where('contact_id', '=', contactId).executeTakeFirstOrThrow();
    expect(inbound).toMatchObject({ direction: 'in', message_id: sent.messageId, from_addr: 'pirjo@example.com', flagged: 0 });
    expect(readFileSync(path.join(dataDir, inbound.raw_path!), 'utf8')).toContain(sent.messageId);
    const [attachment] = JSON.parse(inbound.attachments);
    expect(attachment).toMatchObject({ filename: 'kuitti.txt', contentType: 'text/plain', size: 10 });
    expect(readFileSync(path.join(dataDir, attachment.path), 'utf8')).toBe('Kuitti 123');

    await agent.command({ type: 'accept', contactId });
    // The agent reads the mail's files: listed with the thread, downloaded as files (never rendered), each download audited.
    const mail = (await t.call('GET', `/api/contacts/${contactId}/email`, { as: caller })).json().items;
    expect(mail).toMatchObject([{ direction: 'in', from: 'pirjo@example.com', attachments: [{ index: 0, filename: 'kuitti.txt', contentType: 'text/plain', size: 10 }] }]);
    const file = await t.call('GET', `/api/contacts/${contactId}/email/${mail[0].id}/attachments/0`, { as: caller });
    expect([file.statusCode, file.body, file.headers['content-type'], file.headers['content-disposition']]).toEqual([200, 'Kuitti 123', 'application/octet-stream', "attachment; filename*=UTF-8''kuitti.txt"]);
    expect((await t.call('GET', `/api/contacts/${contactId}/email/${mail[0].id}/attachments/1`, { as: caller })).statusCode).toBe(404);
    const stranger = await t.signIn('agent3');
    expect((await t.call('GET', `/api/contacts/${contactId}/email/${mail[0].id}/attachments/0`, { as: stranger })).json().error.code).toBe('NOT_YOUR_CONTACT');
    expect((await t.call('GET', '/api/audit?action=attachment.downloaded', { as: await t.signIn('admin') })).json().items).toHaveLength(1);
    const thread = await agent.next((m) => m.type === 'messages' && m.contactId === contactId);
    expect(thread.messages.map((m: Message) => m.text)).toEqual(['Hei, tilaukseni 123 ei ole vielä tullut.']);
    expect(await agent.command({ type: 'send', contactId, text: 'Hei Pirjo, tilauksesi lähti tänään.', cc: ['varasto@demo.example'] })).toMatchObject({ type: 'ack' });

    // The answer, as the customer's mail server gets it: threaded, with the token, from the mailbox written to.
    expect(sink.mails).toHaveLength(1);
    const answer = sink.mails[0]!;
    expect(answer.inReplyTo).toBe(sent.messageId);
    expect([answer.references].flat()).toEqual([sent.messageId]);
    expect(answer.subject).toMatch(/^Re: Tilaus 123 on myöhässä \[#[0-9a-f]{12}\]$/);
    expect(answer.from?.value).toEqual([{ name: 'Demo Oy', address: 'verkkokauppa@demo.example' }]);
    expect(answer.cc && [answer.cc].flat()[0]!.value.map((a) => a.address)).toEqual(['varasto@demo.example']);
    expect(answer.text?.trim()).toBe('Hei Pirjo, tilauksesi lähti tänään.');

    const mark = agent.count;
    await agent.command({ type: 'end', contactId });
    const wrap = await agent.next((m) => m.type === 'state' && m.contacts[0]?.phase === 'wrap-up', { after: mark });
    await agent.command({ type: 'wrap-up', contactId, classificationId: wrap.contacts[0].classifications[0].id });
    expect((await t.oltp.db.selectFrom('contacts').select('status').where('id', '=', contactId).executeTakeFirstOrThrow()).status).toBe('closed');

    // The customer answers the answer: the same contact, back in line, offered again.
    const after = agent.count;
    await customerMail.sendMail({
      from: 'pirjo@example.com',
      to: 'verkkokauppa@demo.example',
      subject: answer.subject!,
      text: 'Kiitos! Entä seurantakoodi?',
      inReplyTo: answer.messageId,
      references: [sent.messageId!, answer.messageId!],
    });
    const again = await agent.next((m) => m.type === 'state' && m.offers.length === 1, { after });
    expect(again.offers[0].contactId).toBe(contactId);
    // Lost headers, the token in the subject still finds it (while it is open: added to the thread).
    await agent.command({ type: 'accept', contactId });
    await customerMail.sendMail({ from: 'pirjo@example.com', to: 'verkkokauppa@demo.example', subject: `Vielä yksi asia ${answer.subject!.match(/\[#[0-9a-f]+\]/)![0]}`, text: 'Ja lasku?' });
    await agent.next((m) => m.type === 'message' && m.message.text === 'Ja lasku?');
    const rows = await t.oltp.db.selectFrom('email_messages').select(['direction', 'contact_id']).where('org_id', '=', inbound.org_id).orderBy('at').execute();
    expect(rows.map((r) => [r.direction, r.contact_id])).toEqual([
      ['in', contactId],
      ['out', contactId],
      ['in', contactId],
      ['in', contactId],
    ]);
    expect(await t.oltp.db.selectFrom('contacts').select('id').where('channel', '=', 'email').execute()).toHaveLength(1);

    // The e-mail and a chat side by side, within the capacity model (a chat and an e-mail fit together).
    const webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    const customer = await TestSocket.open(origin, '/api/widget/ws');
    await customer.command({ type: 'start', queueId: webshop, text: 'chat too' });
    const chat = (await customer.next('started')).contactId;
    expect((await agent.next((m) => m.type === 'state' && m.offers.some((o: { contactId: string }) => o.contactId === chat))).contacts).toHaveLength(1);
    await customer.close();
    await agent.close();
  });

  it('refuses unknown mailboxes and oversized mail at the SMTP door, and keeps broken mail flagged without stopping', async () => {
    await expect(customerMail.sendMail({ from: 'x@example.com', to: 'nobody@demo.example', subject: 'hi', text: 'hi' })).rejects.toMatchObject({ responseCode: 550 });
    await expect(customerMail.sendMail({ from: 'x@example.com', to: 'laskutus@demo.example', subject: 'big', text: 'x'.repeat(100 * 1024) })).rejects.toMatchObject({ responseCode: 552 });

    // No From, a broken multipart: stored as received and flagged for a person to look at.
    const raw = 'To: laskutus@demo.example\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n--wrong\r\ngarbage\r\n';
    await customerMail.sendMail({ envelope: { from: 'mailer-daemon@example.com', to: ['laskutus@demo.example'] }, raw });
    const flagged = await t.oltp.db.selectFrom('email_messages').selectAll().where('flagged', '=', 1).execute();
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ contact_id: null, flag_reason: 'no sender address', from_addr: 'mailer-daemon@example.com' });
    expect(existsSync(path.join(dataDir, flagged[0]!.raw_path!))).toBe(true);

    // The listener goes on: the next good mail is a contact in Laskutus.
    await customerMail.sendMail({ from: 'Maksaja <maksaja@example.com>', to: 'laskutus@demo.example', subject: 'Lasku', text: 'Laskussa on virhe' });
    const contact = await t.oltp.db
      .selectFrom('contacts')
      .innerJoin('queues', 'queues.id', 'contacts.queue_id')
      .select(['contacts.channel', 'contacts.status', 'queues.name'])
      .where('contacts.customer_name', '=', 'Maksaja')
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ channel: 'email', status: 'waiting', name: 'Laskutus' });
  });

  it('sends an agent’s attachments with the answer, and refuses files too big, empty or not theirs', async () => {
    const origin = await t.listen();
    const caller = await t.signIn('agent6');
    const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
    await agent.next('state');
    await agent.command({ type: 'set-status', status: 'available' });
    await customerMail.sendMail({ from: 'Maija <maija@example.com>', to: 'verkkokauppa@demo.example', subject: 'Hyvitys', text: 'Saanko hyvityslaskun?' });
    const offer = await agent.next((m) => m.type === 'state' && m.offers.some((o: { subject: string }) => o.subject === 'Hyvitys'));
    const contactId = offer.offers.find((o: { subject: string }) => o.subject === 'Hyvitys').contactId as string;
    const upload = (body: Buffer | string, filename: string, as: Caller = caller, id = contactId) =>
      t.call('POST', `/api/contacts/${id}/attachments?filename=${encodeURIComponent(filename)}`, { as, body, headers: { 'content-type': 'application/pdf' } });
    // Not accepted yet: not theirs to answer.
    expect((await upload('%PDF-1.4 lasku', 'lasku.pdf')).json().error.code).toBe('NOT_YOUR_CONTACT');
    await agent.command({ type: 'accept', contactId });
    const made = await upload('%PDF-1.4 hyvityslasku', 'Hyvityslasku 12/2026.pdf');
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ filename: 'Hyvityslasku 12/2026.pdf'.replace('/', '_'), contentType: 'application/pdf', size: 21 });
    const tooBig = await upload(Buffer.alloc(10 * 1024 * 1024 + 1), 'iso.bin');
    expect([tooBig.statusCode, tooBig.json().error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    expect((await upload('', 'tyhjä.txt')).statusCode).toBe(400);
    expect((await upload('x', 'x.txt', await t.signIn('agent2'))).json().error.code).toBe('NOT_YOUR_CONTACT');

    const before = sink.mails.length;
    expect(await agent.command({ type: 'send', contactId, text: 'Hyvityslasku liitteenä.', attachments: ['not-an-upload'] })).toMatchObject({ type: 'error', code: 'UNKNOWN_ATTACHMENT' });
    expect(await agent.command({ type: 'send', contactId, text: 'Hyvityslasku liitteenä.', attachments: [made.json().id] })).toMatchObject({ type: 'ack' });
    expect(sink.mails).toHaveLength(before + 1);
    const sent = sink.mails.at(-1)!;
    expect(sent.attachments.map((a) => [a.filename, a.contentType, a.content.toString('utf8')])).toEqual([['Hyvityslasku 12_2026.pdf', 'application/pdf', '%PDF-1.4 hyvityslasku']]);
    // Sent once: the same upload cannot go again, and the thread lists it on the answer.
    expect(await agent.command({ type: 'send', contactId, text: 'Uudestaan', attachments: [made.json().id] })).toMatchObject({ type: 'error', code: 'UNKNOWN_ATTACHMENT' });
    const thread = (await t.call('GET', `/api/contacts/${contactId}/email`, { as: caller })).json().items;
    expect(thread.map((m: { direction: string; attachments: { filename: string }[] }) => [m.direction, m.attachments.map((a) => a.filename)])).toEqual([
      ['in', []],
      ['out', ['Hyvityslasku 12_2026.pdf']],
    ]);
    await agent.close();
  });
});

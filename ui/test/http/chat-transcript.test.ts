import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { smtpSink } from '../support/smtp.ts';
import { availableAgent, TestSocket } from '../support/sockets.ts';
import { loadConfig } from '../../server/config.ts';

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('a chat transcript by e-mail', () => {
  let t: TestApp;
  let sink: Awaited<ReturnType<typeof smtpSink>>;

  beforeAll(async () => {
    sink = await smtpSink();
    const config = { ...loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0' }), smtpUrl: sink.url, mailFrom: 'Demo Oy <palvelu@demo.example>' };
    t = await startTestApp(sqlite, { config });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('is sent through the SMTP relay when the chat ends, in the customer’s language with every message; asked after the end, at once', async () => {
    const origin = await t.listen();
    const webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    const agent = await availableAgent(origin, await t.signIn('agent2'));
    const customer = await TestSocket.open(origin, '/api/widget/ws');
    await customer.command({ type: 'start', queueId: webshop, language: 'sv', text: 'Hej, var är min order?' });
    const { contactId } = await customer.next('started');
    await agent.next((m) => m.type === 'state' && m.offers.length === 1);
    await agent.command({ type: 'accept', contactId });
    await agent.command({ type: 'send', contactId, text: 'Den skickades i går.' });
    await customer.next((m) => m.type === 'message' && m.message.from === 'agent');

    // Asked while the chat is on: sent when it ends.
    await customer.command({ type: 'transcript', email: 'kund@example.com' });
    expect(await customer.next('transcript')).toMatchObject({ status: 'queued' });
    expect(sink.mails).toHaveLength(0);
    await agent.command({ type: 'end', contactId });
    await expect.poll(() => sink.mails.length, { timeout: 5000 }).toBe(1);
    const mail = sink.mails[0]!;
    expect(sink.envelopes[0]).toEqual(['kund@example.com']);
    expect(mail.subject).toBe('Din chatt: Verkkokauppa');
    expect(mail.from?.value).toEqual([{ name: 'Demo Oy', address: 'palvelu@demo.example' }]);
    expect(mail.text).toMatch(/Du: Hej, var är min order\?\n.*Kundtjänst: Den skickades i går\./);
    expect(mail.headers.get('x-contact-id')).toBe(contactId);

    // The row remembers it went; asked again after the end, it goes at once (to the address given then).
    const sentAt = (await t.oltp.db.selectFrom('contacts').select('transcript_sent_at').where('id', '=', contactId).executeTakeFirstOrThrow()).transcript_sent_at;
    expect(sentAt).toBeGreaterThan(0);
    await customer.command({ type: 'transcript', email: 'toinen@example.com' });
    expect(await customer.next((m) => m.type === 'transcript' && m.status === 'sent')).toBeTruthy();
    expect(sink.envelopes).toEqual([['kund@example.com'], ['toinen@example.com']]);
    await agent.close();
    await customer.close();
  });
});

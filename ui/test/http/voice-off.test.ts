// Voice that cannot start (here: the worker binary is missing) never takes the platform down: the
// server serves every other channel, and health, the voice endpoint and the widget say why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { availableAgent, TestSocket } from '../support/sockets.ts';

describe('a server whose voice cannot start', () => {
  let t: TestApp;
  const before = process.env.MEDIASOUP_WORKER_BIN;

  beforeAll(async () => {
    process.env.MEDIASOUP_WORKER_BIN = '/nonexistent/mediasoup-worker';
    const config = { ...loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0' }), voice: true };
    t = await startTestApp(testDatabases().find((d) => d.name === 'sqlite')!, { config });
  });
  afterAll(async () => {
    if (before === undefined) delete process.env.MEDIASOUP_WORKER_BIN;
    else process.env.MEDIASOUP_WORKER_BIN = before;
    await t?.close();
  });

  it('serves everything else and says why voice is off; a call is refused with a code, a chat goes through', async () => {
    const health = await t.call('GET', '/api/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', voice: { enabled: false, reason: expect.stringContaining('MEDIASOUP_WORKER_BIN=/nonexistent/mediasoup-worker does not exist') } });
    expect((await t.call('GET', '/api/voice')).json().voice).toEqual(health.json().voice);

    const origin = await t.listen();
    const webshop = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow()).id;
    const agent = await availableAgent(origin, await t.signIn('agent2'));
    const customer = await TestSocket.open(origin, '/api/widget/ws');
    expect(await customer.command({ type: 'start', queueId: webshop, channel: 'voice' })).toMatchObject({ type: 'error', code: 'VOICE_UNAVAILABLE' });
    // Nothing was made of the refused call; a chat on the same socket goes through.
    expect(await t.oltp.db.selectFrom('contacts').select('id').where('channel', '=', 'voice').execute()).toEqual([]);
    expect(await customer.command({ type: 'start', queueId: webshop, text: 'Hei' })).toMatchObject({ type: 'ack' });
    const { contactId } = await customer.next('started');
    await agent.next((m) => m.type === 'state' && m.offers.some((o: { contactId: string }) => o.contactId === contactId));
    customer.close();
    agent.close();
  });
});

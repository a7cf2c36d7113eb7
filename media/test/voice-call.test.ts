// Who hears whom in a call, on a real mediasoup worker (the browsers' side is not needed to see
// which streams the SFU hands each participant, and which of them flow).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaServer, opusRtpParameters, VoiceCall, type ConsumerInfo } from '../src/index.ts';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A participant's signalling as the call sees it: what it was given to play, and what was taken back. */
class Sink {
  readonly streams = new Map<string, ConsumerInfo>();
  consume(info: ConsumerInfo) {
    this.streams.set(info.consumerId, info);
  }
  consumerClosed(consumerId: string) {
    this.streams.delete(consumerId);
  }
  sources(): string[] {
    return [...this.streams.values()].map((s) => s.source).sort();
  }
}

describe('a call’s audio rules on a real SFU', () => {
  let server: MediaServer;
  let ssrc = 1000;
  const opus = () => opusRtpParameters(ssrc++);

  beforeAll(async () => {
    server = await MediaServer.start({ workers: 1, listenIp: '127.0.0.1', rtcMinPort: 30000, rtcMaxPort: 30999, log: quiet });
  });
  afterAll(() => server?.close());

  async function call() {
    const c = await VoiceCall.create(server, { id: `call-${ssrc}`, clips: null, log: quiet });
    const sinks = { customer: new Sink(), agent: new Sink(), supervisor: new Sink() };
    const ids = { customer: 'customer:1', agent: 'agent:2', supervisor: 'supervisor:3' };
    for (const role of ['customer', 'agent', 'supervisor'] as const) {
      const { send } = await c.join(ids[role], role, server.rtpCapabilities, sinks[role]);
      await c.produce(ids[role], send.id, opus());
    }
    // Every participant's browser says it is ready for what it was given.
    for (const role of ['customer', 'agent', 'supervisor'] as const) for (const id of sinks[role].streams.keys()) await c.consumerReady(ids[role], id);
    return { c, sinks, ids };
  }

  it('listen: the supervisor hears both and nobody hears the supervisor; whisper: only the agent does; barge: both do', async () => {
    const { c, sinks, ids } = await call();
    expect(sinks.customer.sources()).toEqual(['agent']);
    expect(sinks.agent.sources()).toEqual(['customer']);
    expect(sinks.supervisor.sources()).toEqual(['agent', 'customer']);

    await c.setMode(ids.supervisor, 'whisper');
    expect(sinks.customer.sources()).toEqual(['agent']);
    expect(sinks.agent.sources()).toEqual(['customer', 'supervisor']);

    await c.setMode(ids.supervisor, 'barge');
    expect(sinks.customer.sources()).toEqual(['agent', 'supervisor']);
    expect(sinks.agent.sources()).toEqual(['customer', 'supervisor']);

    await c.setMode(ids.supervisor, 'listen');
    expect(sinks.customer.sources()).toEqual(['agent']);
    expect(sinks.agent.sources()).toEqual(['customer']);
    expect((await server.counts()).consumers).toBe(4);
    await c.close();
    expect(await server.counts()).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
  });

  it('hold pauses the customer–agent pair both ways while the supervisor still hears; a leaver’s streams are taken back', async () => {
    const { c, sinks, ids } = await call();
    expect(c.receiving(ids.customer)).toEqual({ agent: true });
    await c.setHeld(true);
    expect(c.receiving(ids.customer)).toEqual({ agent: false });
    expect(c.receiving(ids.agent)).toEqual({ customer: false });
    expect(c.receiving(ids.supervisor)).toEqual({ agent: true, customer: true });
    await c.setHeld(false);
    expect(c.receiving(ids.customer)).toEqual({ agent: true });
    expect(c.receiving(ids.agent)).toEqual({ customer: true });

    // Muted at the router: the stream stays, nothing flows from it (and the recording gets silence).
    await c.setMuted(ids.agent, true);
    await expect.poll(() => c.receiving(ids.customer)).toEqual({ agent: false });
    expect(c.receiving(ids.supervisor)).toEqual({ agent: false, customer: true });
    await c.setMuted(ids.agent, false);
    await expect.poll(() => c.receiving(ids.customer)).toEqual({ agent: true });

    await c.leave(ids.agent);
    expect(sinks.customer.sources()).toEqual([]);
    expect(sinks.supervisor.sources()).toEqual(['customer']);
    expect(c.roster().map((p) => p.role).sort()).toEqual(['customer', 'supervisor']);
    await c.close();
    expect((await server.counts()).transports).toBe(0);
  });
});

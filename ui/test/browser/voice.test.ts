import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToPcm, PCM_RATE, sha256Of, writeTestModel } from '@cc/media';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dominantFrequency, listen, rmsWindows, tonePower, writeToneWav } from '../support/audio.ts';
import { launchChromium, signInOn } from '../support/chromium.ts';
import { testDatabases } from '../support/databases.ts';
import { clearFloor } from '../support/floor.ts';

const handlerFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/handler.js');
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

/** Fake microphones play a file; echo cancellation, noise suppression and gain control are turned off. */
const RAW_MICROPHONE = `(() => {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => original({ ...constraints, audio: constraints && constraints.audio ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false } : false });
})();`;

describe('voice through the SFU, with real Chromium peers', () => {
  let t: TestApp;
  let origin: string;
  let tones: string;
  let customerBrowser: Browser;
  let agentBrowser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    tones = mkdtempSync(path.join(os.tmpdir(), 'cc-tones-'));
    writeToneWav(path.join(tones, '440.wav'), 440);
    writeToneWav(path.join(tones, '880.wav'), 880);
    // Transcription with a model the test writes (random weights: the words are noise, the times are real).
    const model = path.join(tones, 'model.bin');
    writeTestModel(model);
    const transcription = { transcriptionModel: model, transcriptionModelSha256: await sha256Of(model), transcriptionThreads: 1, transcriptionTimeoutSeconds: 60 };
    t = await startTestApp(sqlite, { webHandlerFile: handlerFile, config: { voice: true, mediaWorkers: 1, ...transcription } as never, live: { reconnectGraceSeconds: 3 } });
    expect(t.calls.voice.status).toEqual({ enabled: true, reason: null });
    origin = await t.listen();
    const media = (file: string) => [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${file}`,
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
    ];
    customerBrowser = await launchChromium(media(path.join(tones, '440.wav')));
    agentBrowser = await launchChromium(media(path.join(tones, '880.wav')));
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await customerBrowser?.close();
    await agentBrowser?.close();
    await t?.close();
    rmSync(tones, { recursive: true, force: true });
  });

  const open = async (browser: Browser): Promise<Page> => {
    const context = await browser.newContext({ locale: 'fi-FI', viewport: { width: 1280, height: 900 } });
    await context.addInitScript(RAW_MICROPHONE);
    contexts.push(context);
    const page = await context.newPage();
    if (process.env.DEBUG_VOICE) page.on('console', (m) => console.error(`[${browser === agentBrowser ? 'agent' : 'customer'}] ${m.text()}`));
    return page;
  };
  const signIn = async (browser: Browser, username: string) => {
    return signInOn(await open(browser), origin, username);
  };
  const callFromWidget = async (name = 'Ville Virtanen') => {
    const customer = await open(customerBrowser);
    await customer.goto(`${origin}/demo`);
    await customer.click('[data-testid=cc-open]');
    await customer.locator('[data-testid=cc-call]').waitFor();
    await customer.fill('[data-testid=cc-prechat] input[name=name]', name);
    await customer.click('[data-testid=cc-call]');
    return customer;
  };
  /** Waits until the page hears `frequency` loudest (what it receives is the other side's microphone). */
  const hears = async (page: Page, frequency: number, selector?: string) => {
    await expect
      .poll(
        async () => {
          const { peak } = await listen(page, [frequency], selector);
          if (process.env.DEBUG_VOICE) console.error(`heard ${peak} wanting ${frequency}`);
          return Math.abs(peak - frequency);
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBeLessThan(12);
  };

  /** The first test's agent, left in wrap-up: the second test finishes it and signs them off. */
  let firstAgent: Page | undefined;

  it('a customer calls from the widget; the agent answers; each hears the other; hold, PCI pause, a supervisor listening in; the recording keeps each side on its own channel, is transcribed per speaker, and QA seeks it from the transcript', async () => {
    const agent = await signIn(agentBrowser, 'agent2');
    firstAgent = agent;
    await agent.waitForURL(`${origin}/agent`);
    await agent.click('[data-testid=status-available]');
    await expect.poll(() => agent.locator('[data-testid=status-available]').getAttribute('aria-pressed')).toBe('true');

    const customer = await callFromWidget();
    const offer = agent.locator('[data-testid=offer]');
    const step = (name: string) => process.env.DEBUG_VOICE && console.error(`STEP ${name}`);
    step('called');
    await offer.waitFor();
    step('offered');
    expect(await offer.textContent()).toContain('Ville Virtanen');
    await customer.locator('[data-testid=cc-call-state]', { hasText: 'soi' }).waitFor();
    await offer.locator('[data-testid=accept]').click();
    step('accepted');
    await agent.locator('[data-testid=call-panel][data-status=connected]').waitFor();
    step('agent media connected');
    await customer.locator('[data-testid=cc-call-state]', { hasText: 'Eero' }).waitFor();

    // Each side hears the other's tone: the customer the agent's 880 Hz, the agent the customer's 440 Hz.
    await hears(agent, 440);
    await hears(customer, 880);
    const contact = await t.oltp.db.selectFrom('contacts').select(['id']).where('customer_name', '=', 'Ville Virtanen').executeTakeFirstOrThrow();
    const bridge = t.calls.bridge(t.live.org((await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id).orgId);
    expect(bridge.liveCalls().find((c) => c.contactId === contact.id)?.participants.map((p) => p.role).sort()).toEqual(['agent', 'customer']);

    // A supervisor opens the call from the realtime view and hears both sides, without being heard.
    const supervisor = await signIn(customerBrowser, 'supervisor');
    await supervisor.waitForURL(`${origin}/supervisor`);
    await supervisor.locator('[data-testid=agent-row][data-agent="Eero Korhonen"] [data-testid=listen]').click();
    await supervisor.locator('[data-testid=listen-panel][data-status=connected]').waitFor();
    await expect
      .poll(async () => {
        const { levels } = await listen(supervisor, [440, 880, 1300]);
        // Both tones stand well above the floor between them.
        return Math.min(levels[440]! - levels[1300]!, levels[880]! - levels[1300]!);
      }, { timeout: 15_000 })
      .toBeGreaterThan(20);
    await hears(customer, 880); // the customer still hears only the agent
    const audit = await t.oltp.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'call.monitor_started').execute();
    expect(audit).toEqual([{ action: 'call.monitor_started', target_id: contact.id }]);
    await supervisor.click('[data-testid=stop-listening]');

    // Hold: the customer hears the hold chime (660 Hz), not the agent; back to the call: the agent again.
    await agent.click('[data-testid=call-hold]');
    await customer.locator('[data-testid=cc-call-state]', { hasText: 'pidossa' }).waitFor();
    await hears(customer, 660);
    await agent.click('[data-testid=call-resume]');
    await hears(customer, 880);

    // PCI: the agent pauses the recording while a card number is read out, then resumes it.
    await agent.click('[data-testid=call-pci]');
    await agent.locator('[data-testid=recording-state]', { hasText: 'tauolla' }).waitFor();
    const pausedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await agent.click('[data-testid=call-pci]');
    await agent.locator('[data-testid=recording-state]', { hasText: 'Tallennetaan' }).waitFor();
    const pausedFor = Date.now() - pausedAt;
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // The agent hangs up: the call goes to wrap-up and nothing is left in the worker.
    await agent.click('[data-testid=call-hangup]');
    await agent.locator('[data-testid=wrap-up]').waitFor();
    await customer.locator('[data-testid=cc-after]').waitFor();
    await expect.poll(async () => (await t.calls.voice.server!.counts()).transports, { timeout: 5000 }).toBe(0);
    expect(await t.calls.voice.server!.counts()).toMatchObject({ workers: 1, routers: 0, transports: 0, producers: 0, consumers: 0 });

    // Quality samples came every 5 s while the call ran: both senders, on loopback without loss.
    await t.writer.flush();
    const quality = await (
      await t.analytics.client.query({
        query: `SELECT participant, count() AS n, max(packet_loss) AS loss, max(rtt_ms) AS rtt, avg(bitrate_kbps) AS kbps FROM ${t.analytics.database}.media_quality WHERE contact_id = {c:String} GROUP BY participant ORDER BY participant`,
        query_params: { c: contact.id },
        format: 'JSONEachRow',
      })
    ).json<{ participant: string; n: string; loss: number; rtt: number; kbps: number }>();
    expect(quality.map((q) => q.participant)).toEqual(['agent', 'customer']);
    for (const q of quality) {
      expect(Number(q.n)).toBeGreaterThanOrEqual(2);
      expect(q.loss).toBe(0);
      expect(q.rtt).toBeGreaterThanOrEqual(0);
      expect(q.rtt).toBeLessThan(200);
      expect(q.kbps).toBeGreaterThan(5);
    }

    // The recording: ready, with the pause kept, the customer's 440 Hz on their channel and the agent's 880 Hz on theirs.
    const recording = await expect
      .poll(() => t.oltp.db.selectFrom('recordings').selectAll().where('contact_id', '=', contact.id).executeTakeFirst(), { timeout: 10_000 })
      .toMatchObject({ status: 'ready' })
      .then(() => t.oltp.db.selectFrom('recordings').selectAll().where('contact_id', '=', contact.id).executeTakeFirstOrThrow());
    const pauses = JSON.parse(recording.pauses) as { fromMs: number; toMs: number }[];
    expect(pauses).toHaveLength(1);
    expect(Math.abs(pauses[0]!.toMs - pauses[0]!.fromMs - pausedFor)).toBeLessThan(400);
    expect(Number(recording.paused_ms)).toBe(pauses[0]!.toMs - pauses[0]!.fromMs);
    const dir = t.calls.recordings.directory(recording);
    const customerPcm = await decodeToPcm(path.join(dir, 'customer.opus'));
    const agentPcm = await decodeToPcm(path.join(dir, 'agent.opus'));
    // Both channels run the whole recording, to within a frame.
    expect(Math.abs(customerPcm.length / PCM_RATE - Number(recording.duration_ms) / 1000)).toBeLessThan(0.1);
    expect(Math.abs(agentPcm.length - customerPcm.length) / PCM_RATE).toBeLessThan(0.05);
    // A second of audio before the pause: the right tone on each channel, and not the other side's.
    const probe = Math.round((pauses[0]!.fromMs / 1000 - 1.5) * PCM_RATE);
    const second = [probe, probe + PCM_RATE] as const;
    expect(dominantFrequency(customerPcm, PCM_RATE, ...second)).toBe(440);
    expect(dominantFrequency(agentPcm, PCM_RATE, ...second)).toBe(880);
    expect(tonePower(customerPcm, PCM_RATE, 880, ...second)).toBeLessThan(tonePower(customerPcm, PCM_RATE, 440, ...second) / 100);
    expect(tonePower(agentPcm, PCM_RATE, 440, ...second)).toBeLessThan(tonePower(agentPcm, PCM_RATE, 880, ...second) / 100);
    // The pause is silence of the pause's length, on both channels.
    for (const pcm of [customerPcm, agentPcm]) {
      const windows = rmsWindows(pcm, PCM_RATE / 50); // 20 ms
      const silent = windows.map((rms) => rms < 0.01);
      let longest = 0;
      let run = 0;
      for (const s of silent) {
        run = s ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      expect(Math.abs(longest * 20 - (pauses[0]!.toMs - pauses[0]!.fromMs))).toBeLessThan(150);
    }
    // Playback: only through the audited route, seekable with a range request.
    const qa = await t.signIn('qa');
    const ranged = await t.call('GET', `/api/recordings/${recording.id}/audio/mix`, { as: qa, headers: { range: 'bytes=100-199' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toMatch(/^bytes 100-199\/\d+$/);
    expect(ranged.rawPayload.length).toBe(100);
    expect((await t.call('GET', `/api/recordings/${recording.id}/audio/mix`, { as: await t.signIn('agent3') })).statusCode).toBe(403);
    const played = await t.oltp.db.selectFrom('audit_log').select(['action', 'target_id', 'actor_username']).where('action', '=', 'recording.played').execute();
    expect(played).toEqual([{ action: 'recording.played', target_id: recording.id, actor_username: 'qa' }]);

    // Transcribed per speaker; in the QA view a click on a line seeks the recording to where it starts.
    await expect
      .poll(async () => (await t.oltp.db.selectFrom('transcription_jobs').select('status').where('recording_id', '=', recording.id).executeTakeFirst())?.status, { timeout: 30_000 })
      .toBe('done');
    const reviewer = await signIn(customerBrowser, 'qa');
    await reviewer.waitForURL(`${origin}/qa`);
    await reviewer.locator(`[data-testid=recording-row][data-recording="${recording.id}"]`).click();
    const lines = reviewer.locator('[data-testid=transcript-segment]');
    await lines.first().waitFor();
    const speakers = new Set(await lines.evaluateAll((els) => els.map((e) => e.getAttribute('data-speaker'))));
    expect(speakers).toEqual(new Set(['customer', 'agent']));
    const audio = reviewer.locator('[data-testid=qa-audio]');
    type Media = { readyState: number; duration: number; currentTime: number };
    /** Reads (or sets) the QA player's media state in the page (the tests have no DOM types). */
    const player = <T>(read: (a: Media) => T) => audio.evaluate(read as unknown as (el: unknown) => T);
    await expect.poll(() => player((a) => a.readyState >= 1 && a.duration > 0)).toBe(true);
    const starts = (await lines.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-start'))))) as number[];
    const target = starts.indexOf(Math.max(...starts));
    // Somewhere else first (the end), so the click has to move it.
    await player((a) => (a.currentTime = a.duration));
    await lines.nth(target).click();
    await expect.poll(() => player((a) => a.currentTime)).toBeGreaterThanOrEqual(starts[target]! / 1000 - 0.05);
    expect(await player((a) => a.currentTime)).toBeLessThan(starts[target]! / 1000 + 1.5);
  }, 180_000);

  it('an agent whose browser goes away mid-call: the customer hears the notice and the chime, the agent’s media goes, and the call goes back to the line at its place and to the next agent', async () => {
    // The first call's agent classifies it and signs off, so the line is this test's own.
    const chosen = await firstAgent!.locator('[data-testid=classification] option:not([value=""])').first().getAttribute('value');
    await firstAgent!.selectOption('[data-testid=classification]', chosen!);
    await firstAgent!.click('[data-testid=finish-wrap-up]');
    await firstAgent!.click('[data-testid=status-offline]');
    await expect.poll(() => firstAgent!.locator('[data-testid=status-offline]').getAttribute('aria-pressed')).toBe('true');

    const dropping = await signIn(agentBrowser, 'agent3');
    await dropping.waitForURL(`${origin}/agent`);
    await dropping.click('[data-testid=status-available]');
    await expect.poll(() => dropping.locator('[data-testid=status-available]').getAttribute('aria-pressed')).toBe('true');
    const customer = await callFromWidget('Kaisa Korpi');
    await dropping.locator('[data-testid=offer]').waitFor();
    await dropping.locator('[data-testid=offer] [data-testid=accept]').click();
    await dropping.locator('[data-testid=call-panel][data-status=connected]').waitFor();
    await hears(customer, 880);
    await hears(dropping, 440);

    const org = await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
    const live = t.live.org(org.id);
    const bridge = t.calls.bridge(org.id);
    const contact = await t.oltp.db.selectFrom('contacts').select(['id', 'queue_id']).where('customer_name', '=', 'Kaisa Korpi').executeTakeFirstOrThrow();
    // Another caller comes after, and waits.
    const later = await t.call('POST', '/api/contacts', { as: await t.signIn('supervisor'), body: { channel: 'voice', queueId: contact.queue_id, customerName: 'Myöhempi Soittaja' } });
    expect(later.statusCode).toBe(201);
    const laterId = later.json().contactId as string;

    // The agent's browser goes away without a word.
    await dropping.context().close();

    // At once: the agent is out of the call and the customer hears the notice, then the hold chime, never the agent.
    await expect.poll(() => bridge.liveCalls().find((c) => c.contactId === contact.id)?.participants.map((p) => p.role), { timeout: 20_000 }).toEqual(['customer']);
    await hears(customer, 660);
    await t.writer.flush();
    const lostFacts = await (
      await t.analytics.client.query({ query: `SELECT count() AS n FROM ${t.analytics.database}.contact_events WHERE contact_id = {c:String} AND type = 'call.agent_media_lost'`, query_params: { c: contact.id }, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    expect(Number(lostFacts[0]!.n)).toBe(1);

    // After the grace (3 s here) the call is back in line, ahead of the caller who came later.
    await expect.poll(() => live.engine.contactView(contact.id).phase, { timeout: 15_000 }).toBe('waiting');
    const line = live.engine.line(contact.queue_id);
    expect(line.indexOf(contact.id)).toBeGreaterThanOrEqual(0);
    expect(line.indexOf(contact.id)).toBeLessThan(line.indexOf(laterId));

    // The next agent gets it first, and the two hear each other.
    const next = await signIn(agentBrowser, 'agent6');
    await next.waitForURL(`${origin}/agent`);
    await next.click('[data-testid=status-available]');
    const offer = next.locator('[data-testid=offer]').first();
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Kaisa Korpi');
    await offer.locator('[data-testid=accept]').click();
    await next.locator('[data-testid=call-panel][data-status=connected]').waitFor();
    await hears(customer, 880);
    await hears(next, 440);
    await next.click('[data-testid=call-hangup]');
    await expect.poll(async () => (await t.calls.voice.server!.counts()).transports, { timeout: 5000 }).toBe(0);
  }, 120_000);

  it('an agent calls a callback back in the customer’s browser while their page is still open', async () => {
    // The floor from before is cleared: every agent signed off, nothing left waiting.
    const org = await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
    const live = t.live.org(org.id);
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
    await clearFloor(live);

    // Nobody is staffed: the widget offers a callback instead, and the customer asks for one.
    const customer = await open(customerBrowser);
    await customer.goto(`${origin}/demo`);
    await customer.click('[data-testid=cc-open]');
    await customer.locator('[data-testid=cc-request]').waitFor();
    await customer.fill('[data-testid=cc-request] input[name=name]', 'Tiina Takaisin');
    await customer.fill('[data-testid=cc-request] input[name=phone]', '+358 40 123 4567');
    await customer.click('[data-testid=cc-request] button[type=submit]');
    const callback = await expect
      .poll(() => t.oltp.db.selectFrom('contacts').select(['id', 'channel']).where('customer_name', '=', 'Tiina Takaisin').executeTakeFirst())
      .toMatchObject({ channel: 'callback' })
      .then(() => t.oltp.db.selectFrom('contacts').select('id').where('customer_name', '=', 'Tiina Takaisin').executeTakeFirstOrThrow());

    // An agent takes the callback and calls it in the browser: the customer's widget rings.
    const agent = await signIn(agentBrowser, 'agent2');
    await agent.waitForURL(`${origin}/agent`);
    await agent.click('[data-testid=status-available]');
    const offer = agent.locator('[data-testid=offer]');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Tiina Takaisin');
    await offer.locator('[data-testid=accept]').click();
    await agent.click('[data-testid=callback-browser-call]');
    await customer.locator('[data-testid=cc-answer]').click();
    await agent.locator(`[data-testid=call-panel][data-contact="${callback.id}"][data-status=connected]`).waitFor();
    await hears(customer, 880);
    await hears(agent, 440);
    const bridge = t.calls.bridge(org.id);
    expect(bridge.liveCalls().find((c) => c.contactId === callback.id)?.participants.map((p) => p.role).sort()).toEqual(['agent', 'customer']);
    // A callback called in the browser has no hold; it is recorded like any call.
    expect(await agent.locator('[data-testid=call-hold]').count()).toBe(0);
    await expect.poll(() => t.oltp.db.selectFrom('recordings').select('status').where('contact_id', '=', callback.id).executeTakeFirst()).toMatchObject({ status: 'recording' });

    // The agent marks the callback reached: the call ends for both, and nothing is left in the worker.
    await agent.click('[data-testid=outcome-reached]');
    await agent.locator('[data-testid=wrap-up]').waitFor();
    await expect.poll(async () => customer.locator('[data-testid=cc-callbar]').isVisible()).toBe(false);
    await expect.poll(async () => (await t.calls.voice.server!.counts()).transports, { timeout: 5000 }).toBe(0);
    await expect.poll(() => t.oltp.db.selectFrom('recordings').select('status').where('contact_id', '=', callback.id).executeTakeFirst(), { timeout: 10_000 }).toMatchObject({ status: 'ready' });
  }, 120_000);
});

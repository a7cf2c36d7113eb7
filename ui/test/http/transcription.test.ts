// The transcription queue through the real server: a recording's two channels are transcribed apart
// by whisper.cpp (a model the test writes itself: real format, random weights, so the words are
// noise and accuracy is not measured), stored per speaker with times in the OLTP store and in
// ClickHouse, searchable, and read only through the audited API.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mixStereo, runFfmpeg, sha256Of, writeTestModel } from '@cc/media';
import { loadConfig } from '../../server/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';

const DURATION_MS = 4_000;

describe.each(testDatabases())('transcription ($name)', (database) => {
  let t: TestApp;
  let modelDir: string;

  beforeAll(async () => {
    modelDir = mkdtempSync(path.join(os.tmpdir(), 'cc-model-'));
    const model = path.join(modelDir, 'model.bin');
    writeTestModel(model);
    const config = {
      ...loadConfig({ DEMO_SEED: '1', LOG_LEVEL: 'silent', INBOUND_SMTP_PORT: '0', VOICE: 'off' }),
      transcriptionModel: model,
      transcriptionModelSha256: await sha256Of(model),
      transcriptionThreads: 1,
      transcriptionTimeoutSeconds: 60,
    };
    t = await startTestApp(database, { config });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(modelDir, { recursive: true, force: true });
  });

  /** A finished call's recording as the recorder leaves it: one Ogg Opus file per speaker and their stereo mix. */
  async function recordedCall(files: { customer: boolean } = { customer: true }, endedDaysAgo = 0) {
    const supervisor = await t.signIn('supervisor');
    const queue = await t.oltp.db.selectFrom('queues').select(['id', 'org_id']).where('name', '=', 'Verkkokauppa').executeTakeFirstOrThrow();
    const created = await t.call('POST', '/api/contacts', { as: supervisor, body: { channel: 'voice', queueId: queue.id, customerName: 'Soittaja' } });
    expect(created.statusCode).toBe(201);
    const contactId = created.json().contactId as string;
    const { id, dir } = await t.calls.recordings.begin({ orgId: queue.org_id, contactId, queueId: queue.id, agentId: null, language: 'fi' });
    const tone = (hz: number, file: string) => runFfmpeg(['-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${DURATION_MS / 1000}`, '-c:a', 'libopus', path.join(dir, file)]);
    if (files.customer) await tone(440, 'customer.opus');
    await tone(880, 'agent.opus');
    if (files.customer) await mixStereo(path.join(dir, 'customer.opus'), path.join(dir, 'agent.opus'), path.join(dir, 'mix.opus'));
    const startedAt = Date.now() - DURATION_MS - endedDaysAgo * 86_400_000;
    const row = await t.calls.recordings.finish(queue.org_id, id, contactId, {
      startedAt,
      endedAt: startedAt + DURATION_MS,
      durationMs: DURATION_MS,
      pausedMs: 0,
      pauses: [],
      files: { customer: 'customer.opus', agent: 'agent.opus', mix: files.customer ? 'mix.opus' : 'agent.opus' },
      bytes: 1,
      packets: { customer: 200, agent: 200 },
      mixError: null,
    });
    await t.calls.transcription.enqueue(row);
    return { recordingId: id, contactId, orgId: queue.org_id };
  }

  const job = (recordingId: string) => t.oltp.db.selectFrom('transcription_jobs').selectAll().where('recording_id', '=', recordingId).executeTakeFirst();

  it('transcribes each speaker apart and keeps the segments with times, in the store, in ClickHouse and behind the audited API', async () => {
    expect(t.calls.transcription.status).toEqual({ configured: true, engine: 'whisper.cpp', reason: null });
    const { recordingId, contactId } = await recordedCall();
    await expect.poll(async () => (await job(recordingId))?.status, { timeout: 30_000, interval: 200 }).toBe('done');
    expect(await job(recordingId)).toMatchObject({ attempts: 1, progress: 1, error: null });

    const segments = await t.oltp.db.selectFrom('transcript_segments').selectAll().where('recording_id', '=', recordingId).orderBy('seq').execute();
    // Each channel gives at least one segment: the transcript says who spoke.
    expect(new Set(segments.map((s) => s.speaker))).toEqual(new Set(['customer', 'agent']));
    expect(segments.map((s) => s.seq)).toEqual(segments.map((_, i) => i));
    for (const [i, s] of segments.entries()) {
      expect(s.contact_id).toBe(contactId);
      expect(s.language).toBe('fi');
      expect(s.text.length).toBeGreaterThan(0);
      expect(Number(s.start_ms)).toBeGreaterThanOrEqual(0);
      expect(Number(s.end_ms)).toBeGreaterThanOrEqual(Number(s.start_ms));
      expect(Number(s.end_ms)).toBeLessThanOrEqual(DURATION_MS);
      if (i > 0) expect(Number(s.start_ms)).toBeGreaterThanOrEqual(Number(segments[i - 1]!.start_ms));
      expect(Array.isArray(JSON.parse(s.words))).toBe(true);
    }

    // The same segments in ClickHouse, for search.
    await t.writer.flush();
    const inClickHouse = await (
      await t.analytics.client.query({
        query: `SELECT speaker, start_ms, end_ms, text FROM ${t.analytics.database}.transcript_segments WHERE recording_id = {r:String} ORDER BY start_ms, speaker`,
        query_params: { r: recordingId },
        format: 'JSONEachRow',
      })
    ).json<{ speaker: string; start_ms: string; end_ms: string; text: string }>();
    expect(inClickHouse.map((r) => [r.speaker, Number(r.start_ms), Number(r.end_ms), r.text]).sort()).toEqual(
      segments.map((s) => [s.speaker, Number(s.start_ms), Number(s.end_ms), s.text]).sort(),
    );

    // The API: QA reads the transcript (audited); search by what was said finds the recording; agents may not.
    const qa = await t.signIn('qa');
    const detail = await t.call('GET', `/api/recordings/${recordingId}`, { as: qa });
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ id: recordingId, transcription: { configured: true, job: { status: 'done' } } });
    expect(detail.json().segments.map((s: { speaker: string; startMs: number; text: string }) => [s.speaker, s.startMs, s.text])).toEqual(
      segments.map((s) => [s.speaker, Number(s.start_ms), s.text]),
    );
    const audit = await t.oltp.db.selectFrom('audit_log').select(['action', 'target_id', 'actor_username']).where('action', '=', 'transcript.read').execute();
    expect(audit).toEqual([{ action: 'transcript.read', target_id: recordingId, actor_username: 'qa' }]);
    const found = await t.call('GET', `/api/recordings?q=${encodeURIComponent(segments[0]!.text)}`, { as: qa });
    expect(found.json().items.map((i: { id: string }) => i.id)).toContain(recordingId);
    expect((await t.call('GET', `/api/recordings?q=${encodeURIComponent('ei sanottu koskaan')}`, { as: qa })).json().items).toEqual([]);
    expect((await t.call('GET', `/api/recordings/${recordingId}`, { as: await t.signIn('agent2') })).statusCode).toBe(403);
  }, 60_000);

  it('records a failed attempt with its reason and keeps the job for a retry', async () => {
    // The customer's channel is missing: the engine cannot be given its audio.
    const { recordingId } = await recordedCall({ customer: false });
    await expect.poll(async () => (await job(recordingId))?.attempts, { timeout: 30_000, interval: 200 }).toBe(1);
    await expect.poll(async () => (await job(recordingId))?.status, { timeout: 10_000, interval: 200 }).toBe('queued');
    const failed = await job(recordingId);
    expect(failed!.error).toMatch(/ffmpeg|customer/);
    // Tried again later (back-off), not at once, and nothing was stored for it.
    expect(Number(failed!.next_attempt_at)).toBeGreaterThan(Date.now() + 20_000);
    expect(await t.oltp.db.selectFrom('transcript_segments').select('id').where('recording_id', '=', recordingId).execute()).toEqual([]);
  }, 60_000);

  it('keeps recordings for the organisation’s retention, then deletes their files and transcripts and keeps a trace', async () => {
    const admin = await t.signIn('admin');
    const { recordingId } = await recordedCall({ customer: true }, 3);
    await expect.poll(async () => (await job(recordingId))?.status, { timeout: 30_000, interval: 200 }).toBe('done');
    const row = await t.oltp.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
    const dir = t.calls.recordings.directory(row);
    expect(existsSync(path.join(dir, 'mix.opus'))).toBe(true);
    // Default retention (365 days): nothing to delete yet.
    expect((await t.call('GET', '/api/config/recording-retention', { as: admin })).json()).toEqual({ days: 365 });
    expect(await t.calls.recordings.sweep()).toBe(0);

    // Only admins set it, to a whole number of days.
    expect((await t.call('PUT', '/api/config/recording-retention', { as: await t.signIn('qa'), body: { days: 2 } })).statusCode).toBe(403);
    const bad = await t.call('PUT', '/api/config/recording-retention', { as: admin, body: { days: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');

    // Two days: this recording ended three days ago, so it goes; the others stay.
    expect((await t.call('PUT', '/api/config/recording-retention', { as: admin, body: { days: 2 } })).json()).toEqual({ days: 2 });
    const kept = await t.oltp.db.selectFrom('recordings').select(['id', 'ended_at', 'delete_after']).where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(Number(kept.delete_after)).toBe(Number(kept.ended_at) + 2 * 86_400_000);
    expect(await t.calls.recordings.sweep()).toBe(1);
    expect(existsSync(dir)).toBe(false);
    expect(await t.oltp.db.selectFrom('recordings').select(['status', 'bytes']).where('id', '=', recordingId).executeTakeFirstOrThrow()).toEqual({ status: 'deleted', bytes: 0 });
    expect(await t.oltp.db.selectFrom('transcript_segments').select('id').where('recording_id', '=', recordingId).execute()).toEqual([]);
    const qa = await t.signIn('qa');
    expect((await t.call('GET', `/api/recordings/${recordingId}`, { as: qa })).statusCode).toBe(404);
    expect((await t.call('GET', `/api/recordings/${recordingId}/audio/mix`, { as: qa })).statusCode).toBe(404);
    expect((await t.call('GET', '/api/recordings', { as: qa })).json().items.map((i: { id: string }) => i.id)).not.toContain(recordingId);
    const audit = await t.oltp.db.selectFrom('audit_log').select(['action']).where('action', '=', 'config.recording_retention_changed').execute();
    expect(audit).toHaveLength(1);
  }, 60_000);
});

describe('transcription without a model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(testDatabases().find((d) => d.name === 'sqlite')!);
  });
  afterAll(async () => t?.close());

  it('says it is not configured instead of showing text, and refuses a model that is not pinned', async () => {
    expect(t.calls.transcription.status).toMatchObject({ configured: false, engine: null });
    expect(t.calls.transcription.status.reason).toMatch(/TRANSCRIPTION_MODEL/);
    const listed = await t.call('GET', '/api/recordings', { as: await t.signIn('qa') });
    expect(listed.json().transcription).toMatchObject({ configured: false });
    expect(() => loadConfig({ TRANSCRIPTION_MODEL: '/models/ggml-base.bin' })).toThrow(/TRANSCRIPTION_MODEL_SHA256/);
  });
});

import path from 'node:path';
import type { Kysely } from 'kysely';
import { createUuidV7Generator, FAMILIES, type EventRecord, type EventWriter } from '@cc/ingest';
import { decodeToPcm, RECORDING_FILES, SPEAKERS, whisperAddonPath, WhisperCppEngine, type TranscriptionEngine } from '@cc/media';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../contact-center/live-organisation.ts';
import type { Database } from '../stores/oltp/schema.ts';
import type { RecordingRow, Recordings } from './recordings.ts';

export interface TranscriptionStatus {
  configured: boolean;
  engine: string | null;
  /** Why transcription is off (no model configured, a bad pin, …). */
  reason: string | null;
}

const MAX_ATTEMPTS = 3;
const POLL_MS = 2_000;

/**
 * The transcription job queue: one job per recording, kept in the OLTP store (so a restart loses
 * none), run one at a time off the event loop by the engine, each channel apart so the transcript
 * says who spoke. A failure is retried with back-off, then marked failed with its reason.
 */
export class Transcription {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly nextId: () => string;
  private closed = false;

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: EventWriter,
    private readonly recordings: Recordings,
    private readonly engine: TranscriptionEngine | null,
    readonly status: TranscriptionStatus,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.nextId = createUuidV7Generator(now);
  }

  static async start(deps: { db: Kysely<Database>; writer: EventWriter; recordings: Recordings; config: ServerConfig; now: () => number; log: Logger }): Promise<Transcription> {
    const { config } = deps;
    let engine: TranscriptionEngine | null = null;
    let status: TranscriptionStatus = { configured: false, engine: null, reason: 'no model is configured (TRANSCRIPTION_MODEL and TRANSCRIPTION_MODEL_SHA256)' };
    if (config.transcriptionModel) {
      try {
        engine = await WhisperCppEngine.open({
          addonPath: whisperAddonPath(),
          modelPath: config.transcriptionModel,
          sha256: config.transcriptionModelSha256!,
          threads: config.transcriptionThreads,
          timeoutMs: config.transcriptionTimeoutSeconds * 1000,
        });
        status = { configured: true, engine: engine.name, reason: null };
      } catch (error) {
        status = { configured: false, engine: null, reason: (error as Error).message };
        deps.log.error({ reason: status.reason }, 'transcription is off');
      }
    }
    const transcription = new Transcription(deps.db, deps.writer, deps.recordings, engine, status, deps.now, deps.log);
    if (engine) {
      // Jobs a stopped process was running go back in line; ready recordings without a job get one.
      await deps.db.updateTable('transcription_jobs').set({ status: 'queued' }).where('status', '=', 'running').execute();
      const missing = await deps.db
        .selectFrom('recordings')
        .leftJoin('transcription_jobs', 'transcription_jobs.recording_id', 'recordings.id')
        .selectAll('recordings')
        .where('recordings.status', 'in', ['ready', 'interrupted'])
        .where('transcription_jobs.id', 'is', null)
        .execute();
      for (const row of missing) await transcription.enqueue(row);
      transcription.schedule(0);
    }
    return transcription;
  }

  /** A recording is ready: its transcription waits in line (nothing when no engine is configured). */
  async enqueue(recording: RecordingRow): Promise<void> {
    if (!this.engine || this.closed) return;
    const at = this.now();
    await this.db
      .insertInto('transcription_jobs')
      .values({ id: this.nextId(), org_id: recording.org_id, recording_id: recording.id, status: 'queued', attempts: 0, progress: 0, error: null, next_attempt_at: at, started_at: null, finished_at: null, created_at: at })
      .onConflict((oc) => oc.column('recording_id').doNothing())
      .execute();
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed || !this.engine) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) this.running = this.drain().finally(() => (this.running = null));
    }, delayMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const job = await this.db
        .selectFrom('transcription_jobs')
        .selectAll()
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', this.now())
        .orderBy('next_attempt_at')
        .limit(1)
        .executeTakeFirst();
      if (!job) break;
      await this.process(job.id, job.recording_id, job.attempts + 1);
    }
    const next = await this.db.selectFrom('transcription_jobs').select('next_attempt_at').where('status', '=', 'queued').orderBy('next_attempt_at').limit(1).executeTakeFirst();
    this.schedule(next ? Math.max(POLL_MS, Number(next.next_attempt_at) - this.now()) : 60_000);
  }

  private async process(jobId: string, recordingId: string, attempt: number): Promise<void> {
    const started = this.now();
    await this.db.updateTable('transcription_jobs').set({ status: 'running', attempts: attempt, progress: 0, started_at: started, error: null }).where('id', '=', jobId).execute();
    try {
      const recording = await this.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
      const files = JSON.parse(recording.files) as Record<string, string>;
      const dir = this.recordings.directory(recording);
      const segments: { speaker: 'customer' | 'agent'; startMs: number; endMs: number; text: string; words: unknown; confidence: number; language: string }[] = [];
      let lastProgressWrite = 0;
      for (const [index, speaker] of SPEAKERS.entries()) {
        const pcm = await decodeToPcm(path.join(dir, files[speaker] ?? RECORDING_FILES[speaker]));
        const result = await this.engine!.transcribe(pcm, {
          language: recording.language,
          onProgress: (fraction) => {
            if (this.now() - lastProgressWrite < 1000) return;
            lastProgressWrite = this.now();
            void this.db.updateTable('transcription_jobs').set({ progress: (index + fraction) / SPEAKERS.length }).where('id', '=', jobId).execute();
          },
        });
        for (const s of result.segments) segments.push({ speaker, startMs: s.startMs, endMs: s.endMs, text: s.text, words: s.words, confidence: s.confidence, language: result.language || recording.language });
        await this.db.updateTable('transcription_jobs').set({ progress: (index + 1) / SPEAKERS.length }).where('id', '=', jobId).execute();
      }
      segments.sort((a, b) => a.startMs - b.startMs || a.speaker.localeCompare(b.speaker));
      const rows = segments.map((s, seq) => ({
        id: this.nextId(),
        org_id: recording.org_id,
        recording_id: recording.id,
        contact_id: recording.contact_id,
        speaker: s.speaker,
        seq,
        start_ms: s.startMs,
        end_ms: s.endMs,
        language: s.language,
        text: s.text,
        words: JSON.stringify(s.words),
        confidence: s.confidence,
      }));
      // The facts for search first (spooled durably), then the rows and the job's end together.
      const at = this.now();
      const records: EventRecord[] = rows.map((r) => ({
        table: FAMILIES.transcript.table,
        row: {
          event_id: r.id,
          org_id: r.org_id,
          at: recording.started_at + r.start_ms,
          type: 'transcript.segment',
          version: FAMILIES.transcript.version,
          ingested_at: at,
          contact_id: r.contact_id,
          recording_id: r.recording_id,
          speaker: r.speaker,
          start_ms: r.start_ms,
          end_ms: r.end_ms,
          language: r.language,
          text: r.text,
        },
      }));
      if (records.length > 0) await this.writer.append(records);
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('transcript_segments').where('recording_id', '=', recording.id).execute();
        for (let i = 0; i < rows.length; i += 200) await trx.insertInto('transcript_segments').values(rows.slice(i, i + 200)).execute();
        await trx.updateTable('transcription_jobs').set({ status: 'done', progress: 1, finished_at: this.now() }).where('id', '=', jobId).execute();
      });
      this.log.info({ recordingId, segments: rows.length, ms: this.now() - started }, 'recording transcribed');
    } catch (error) {
      if (this.closed) {
        // Stopped by a shutdown, not by the recording: it runs again at the next start, uncounted.
        await this.db.updateTable('transcription_jobs').set({ status: 'queued', attempts: attempt - 1 }).where('id', '=', jobId).execute().catch(() => {});
        return;
      }
      const message = (error as Error).message;
      const failed = attempt >= MAX_ATTEMPTS;
      await this.db
        .updateTable('transcription_jobs')
        .set({ status: failed ? 'failed' : 'queued', error: message.slice(0, 2000), next_attempt_at: this.now() + 30_000 * 2 ** (attempt - 1) })
        .where('id', '=', jobId)
        .execute();
      this.log.error({ recordingId, attempt, err: error }, failed ? 'transcription failed for good' : 'transcription failed; it is tried again');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.engine?.close();
    await this.running?.catch(() => {});
  }
}

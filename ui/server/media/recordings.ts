import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import { createUuidV7Generator, FAMILIES, type EventWriter } from '@cc/ingest';
import { finishRecordingFiles, RECORDING_FILES, type RecordingResult } from '@cc/media';
import type { Logger } from '../contact-center/live-organisation.ts';
import type { Webhooks } from '../contact-center/webhooks.ts';
import type { Database } from '../stores/oltp/schema.ts';

export type RecordingRow = Selectable<Database['recordings']>;

const DAY_MS = 86_400_000;

/**
 * Recording metadata in the OLTP store (where it is, how long, the PCI pauses, until when it is
 * kept) and its facts in ClickHouse (started, paused, resumed, stopped, ready, deleted). The files
 * live under DATA_DIR/recordings/<organisation>/<yyyy-mm>/<id>/, readable by this process only.
 */
export class Recordings {
  private readonly nextId: () => string;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: EventWriter,
    private readonly dataDir: string,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly webhooks: Webhooks | null,
    private readonly defaultRetentionDays: number,
  ) {
    this.nextId = createUuidV7Generator(now);
  }

  /** The absolute directory of a recording. */
  directory(row: Pick<RecordingRow, 'dir'>): string {
    return path.join(this.dataDir, row.dir);
  }

  /** A new recording, in the store before its first byte is written (a crash leaves a trace, never a stray file). */
  async begin(input: { orgId: string; contactId: string; queueId: string; agentId: string | null; language: string }): Promise<{ id: string; dir: string }> {
    const id = this.nextId();
    const at = this.now();
    const month = new Date(at).toISOString().slice(0, 7);
    const dir = path.join('recordings', input.orgId, month, id);
    mkdirSync(path.join(this.dataDir, dir), { recursive: true, mode: 0o700 });
    await this.db
      .insertInto('recordings')
      .values({
        id,
        org_id: input.orgId,
        contact_id: input.contactId,
        queue_id: input.queueId,
        agent_user_id: input.agentId,
        status: 'recording',
        dir,
        files: JSON.stringify({ ...RECORDING_FILES, mix: null }),
        bytes: 0,
        started_at: at,
        ended_at: null,
        duration_ms: 0,
        paused_ms: 0,
        pauses: '[]',
        language: input.language,
        delete_after: null,
        error: null,
        created_at: at,
      })
      .execute();
    await this.fact(input.orgId, id, input.contactId, 'started', at, 0, 0);
    return { id, dir: path.join(this.dataDir, dir) };
  }

  /** A PCI pause or its end, as a fact (the pauses themselves are kept with the recording when it stops). */
  async paused(orgId: string, recordingId: string, contactId: string, paused: boolean, offsetMs: number): Promise<void> {
    await this.fact(orgId, recordingId, contactId, paused ? 'paused' : 'resumed', this.now(), offsetMs, 0);
  }

  /** The recording stopped: its length, pauses and files are kept, and it is ready (or failed, with why). */
  async finish(orgId: string, recordingId: string, contactId: string, result: RecordingResult): Promise<RecordingRow> {
    const retention = await this.retentionDays(orgId);
    const status = result.files.mix ? 'ready' : 'failed';
    await this.db
      .updateTable('recordings')
      .set({
        status,
        files: JSON.stringify(result.files),
        bytes: result.bytes,
        ended_at: result.endedAt,
        duration_ms: result.durationMs,
        paused_ms: result.pausedMs,
        pauses: JSON.stringify(result.pauses),
        delete_after: result.endedAt + retention * DAY_MS,
        error: result.mixError,
      })
      .where('id', '=', recordingId)
      .execute();
    await this.fact(orgId, recordingId, contactId, 'stopped', result.endedAt, result.durationMs, result.pausedMs);
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', recordingId).executeTakeFirstOrThrow();
    if (status === 'ready') {
      await this.fact(orgId, recordingId, contactId, 'ready', this.now(), result.durationMs, result.pausedMs);
      await this.webhooks?.emit(orgId, 'recording.ready', {
        recordingId,
        contactId,
        queueId: row.queue_id,
        agentId: row.agent_user_id,
        startedAt: row.started_at,
        durationMs: result.durationMs,
        pausedMs: result.pausedMs,
      });
    } else {
      this.log.error({ recordingId, error: result.mixError }, 'recording kept per speaker, but its stereo mix failed');
    }
    return row;
  }

  /**
   * At start: recordings the last process did not finish (a crash, a kill) are kept as far as they
   * got. Each channel file is valid up to its last whole page; a mix is made from what is there.
   */
  async recoverInterrupted(): Promise<void> {
    const rows = await this.db.selectFrom('recordings').selectAll().where('status', '=', 'recording').execute();
    for (const row of rows) {
      const { files, bytes, mixError } = await finishRecordingFiles(this.directory(row));
      const error = `the server stopped during the call; kept as far as it got${mixError ? `; no mix: ${mixError}` : ''}`;
      const endedAt = this.now();
      const retention = await this.retentionDays(row.org_id);
      await this.db
        .updateTable('recordings')
        .set({ status: 'interrupted', files: JSON.stringify(files), bytes, ended_at: endedAt, delete_after: endedAt + retention * DAY_MS, error })
        .where('id', '=', row.id)
        .execute();
      await this.fact(row.org_id, row.id, row.contact_id, 'interrupted', endedAt, 0, 0);
      this.log.warn({ recordingId: row.id }, 'recording interrupted by a restart; kept as far as it got');
    }
  }

  /** Retention: recordings past their time are deleted, files and transcripts with them; the row stays as a trace. */
  async sweep(): Promise<number> {
    const due = await this.db
      .selectFrom('recordings')
      .select(['id', 'org_id', 'contact_id', 'dir'])
      .where('status', 'in', ['ready', 'failed', 'interrupted'])
      .where('delete_after', '<=', this.now())
      .execute();
    for (const row of due) {
      rmSync(this.directory(row), { recursive: true, force: true });
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('transcript_segments').where('recording_id', '=', row.id).execute();
        await trx.deleteFrom('transcription_jobs').where('recording_id', '=', row.id).execute();
        await trx.updateTable('recordings').set({ status: 'deleted', bytes: 0 }).where('id', '=', row.id).execute();
      });
      await this.fact(row.org_id, row.id, row.contact_id, 'deleted', this.now(), 0, 0);
    }
    if (due.length > 0) this.log.info({ deleted: due.length }, 'recordings past their retention deleted');
    return due.length;
  }

  /** A new retention for the organisation: every kept recording's deletion moves to its end plus `days`. */
  async applyRetention(orgId: string, days: number): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set((eb) => ({ delete_after: eb('ended_at', '+', days * DAY_MS) }))
      .where('org_id', '=', orgId)
      .where('status', '!=', 'deleted')
      .where('ended_at', 'is not', null)
      .execute();
  }

  async retentionDays(orgId: string): Promise<number> {
    const org = await this.db.selectFrom('organisations').select('recording_retention_days').where('id', '=', orgId).executeTakeFirst();
    return org?.recording_retention_days ?? this.defaultRetentionDays;
  }

  private async fact(orgId: string, recordingId: string, contactId: string, action: string, at: number, durationMs: number, pausedMs: number): Promise<void> {
    await this.writer.append([
      {
        table: FAMILIES.recording.table,
        row: {
          event_id: this.nextId(),
          org_id: orgId,
          at,
          type: `recording.${action}`,
          version: FAMILIES.recording.version,
          ingested_at: this.now(),
          recording_id: recordingId,
          contact_id: contactId,
          action,
          duration_ms: durationMs,
          paused_ms: pausedMs,
        },
      },
    ]);
  }
}

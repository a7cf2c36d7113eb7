import type { Kysely } from 'kysely';

// Voice: recordings of calls (one per agent's part of a call; files under DATA_DIR, kept for the
// organisation's retention), the transcription job queue, and transcript segments per speaker.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('agent_user_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dir', 'text', (c) => c.notNull())
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('paused_ms', 'bigint', (c) => c.notNull())
    .addColumn('pauses', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('delete_after', 'bigint')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recordings_contact').on('recordings').columns(['contact_id']).execute();
  await db.schema.createIndex('recordings_org_started').on('recordings').columns(['org_id', 'started_at']).execute();
  await db.schema.createIndex('recordings_delete_after').on('recordings').columns(['status', 'delete_after']).execute();
  await db.schema
    .createTable('transcription_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('progress', 'real', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('transcription_jobs_recording', ['recording_id'])
    .execute();
  await db.schema.createIndex('transcription_jobs_next').on('transcription_jobs').columns(['status', 'next_attempt_at']).execute();
  await db.schema
    .createTable('transcript_segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('speaker', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('words', 'text', (c) => c.notNull())
    .addColumn('confidence', 'real', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('transcript_segments_recording').on('transcript_segments').columns(['recording_id', 'start_ms']).execute();
  await db.schema.alterTable('organisations').addColumn('recording_retention_days', 'integer').execute();
  await db.schema.alterTable('queues').addColumn('transcription_language', 'text', (c) => c.notNull().defaultTo('auto')).execute();
}

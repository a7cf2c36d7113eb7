import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { searchTranscripts, type AnalyticsStore } from '@cc/analytics';
import { adminsOnly, onlyRoles, publicRoute, rolesOrApiKey } from '../access.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { AppError, errors } from '../errors.ts';
import { opaqueId, opaqueIdParams } from '../config-api/schema-parts.ts';
import { guardSocketSession } from '../http/socket-guard.ts';
import type { LiveAcd } from '../contact-center/live-acd.ts';
import type { Database } from '../stores/oltp/schema.ts';
import type { Calls } from './calls.ts';
import { mediaSocket, mediaToApp } from './media-socket.ts';
import type { RecordingRow } from './recordings.ts';

export interface MediaRoutesOptions {
  db: Kysely<Database>;
  live: LiveAcd;
  calls: Calls;
  analytics: AnalyticsStore;
  audit: AuditLog;
  sessions: SessionStore;
  sessionRecheckMs: number;
  now: () => number;
}

const CHANNELS = ['mix', 'customer', 'agent'] as const;
type AudioChannel = (typeof CHANNELS)[number];
/** Who may hear recordings and read transcripts: quality reviewers, supervisors, admins. Every access is audited. */
const REVIEWERS = onlyRoles('qa', 'supervisor', 'admin');
/** Audit one playback, not each of the range requests a player makes while seeking. */
const AUDIT_AGAIN_AFTER_MS = 10 * 60_000;

/**
 * The media signalling context: the media sockets (customers by their call's token; agents and
 * supervisors by session), PCI pause for other systems, and recordings with their transcripts —
 * heard and read only through these audited routes.
 */
export async function mediaRoutes(app: FastifyInstance, options: MediaRoutesOptions): Promise<void> {
  const { db, calls, audit } = options;
  const socketDeps = {
    live: options.live,
    db,
    bridge: (orgId: string) => calls.bridge(orgId),
    rtpCapabilities: () => calls.voice.server?.rtpCapabilities ?? null,
    voiceOffReason: () => calls.voice.status.reason ?? 'voice is off',
    audit,
  };

  app.get('/api/media/ws', { config: { access: onlyRoles('agent', 'supervisor') }, websocket: true }, (socket, request) => {
    guardSocketSession(socket, request, options.sessions, ['agent', 'supervisor'], options.sessionRecheckMs);
    mediaSocket(socket, { kind: 'staff', auth: request.auth!, ip: request.ip }, { ...socketDeps, log: request.log });
  });

  // Public: the customer's browser proves its call with the resume token its widget holds.
  app.get('/api/media/widget/ws', { config: { access: publicRoute }, websocket: true }, (socket, request) => {
    mediaSocket(socket, { kind: 'customer', ip: request.ip }, { ...socketDeps, log: request.log });
  });

  /** Whether voice runs here and why not (the consoles say so instead of offering a dead button). */
  app.get('/api/voice', { config: { access: publicRoute } }, async () => ({
    voice: calls.voice.status,
    transcription: calls.transcription.status,
  }));

  // PCI pause from another system (a payment IVR, the CRM's card form) or a supervisor.
  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/contacts/:id/recording/${action}`,
      { config: { access: rolesOrApiKey('agent', 'supervisor', 'admin') }, schema: { params: opaqueIdParams } },
      async (request) => {
        const auth = request.auth!;
        const org = options.live.org(auth.orgId);
        const contact = org.engine.inspect().contacts.get(request.params.id);
        if (!contact || contact.channel !== 'voice') throw errors.notFound('No such call');
        const isStaffOverride = auth.roles.includes('supervisor') || auth.roles.includes('admin') || auth.userId.startsWith('api-key:');
        if (!isStaffOverride && contact.agentId !== auth.userId) throw new AppError('NOT_YOUR_CONTACT', 403, 'This call is not yours');
        try {
          const state = await calls.bridge(auth.orgId).setRecordingPaused(request.params.id, action === 'pause');
          await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: `recording.${action}d`, targetType: 'contact', targetId: request.params.id, ip: request.ip });
          return { contactId: request.params.id, recording: state };
        } catch (error) {
          throw mediaToApp(error);
        }
      },
    );
  }

  /** Recordings for review, newest first: by queue, agent, time, or what was said (transcript search). */
  app.get<{ Querystring: { queueId?: string; agentId?: string; contactId?: string; from?: number; to?: number; q?: string; limit?: number } }>(
    '/api/recordings',
    {
      config: { access: REVIEWERS },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            queueId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            agentId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            contactId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            from: { type: 'integer', minimum: 0 },
            to: { type: 'integer', minimum: 0 },
            q: { type: 'string', minLength: 2, maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
        },
      },
    },
    async (request) => {
      const auth = request.auth!;
      const query = request.query;
      let ids: string[] | null = null;
      if (query.q) ids = (await searchTranscripts(options.analytics, auth.orgId, query.q)).map((h) => h.recordingId);
      if (ids && ids.length === 0) return { items: [], transcription: calls.transcription.status };
      let select = db
        .selectFrom('recordings')
        .leftJoin('contacts', 'contacts.id', 'recordings.contact_id')
        .leftJoin('queues', 'queues.id', 'recordings.queue_id')
        .leftJoin('users', 'users.id', 'recordings.agent_user_id')
        .leftJoin('classifications', 'classifications.id', 'contacts.classification_id')
        .leftJoin('transcription_jobs', 'transcription_jobs.recording_id', 'recordings.id')
        .select([
          'recordings.id',
          'recordings.contact_id',
          'recordings.queue_id',
          'queues.name as queue_name',
          'recordings.agent_user_id',
          'users.display_name as agent_name',
          'contacts.customer_name',
          'classifications.name as classification',
          'recordings.status',
          'recordings.started_at',
          'recordings.duration_ms',
          'recordings.paused_ms',
          'transcription_jobs.status as transcript_status',
        ])
        .where('recordings.org_id', '=', auth.orgId)
        .where('recordings.status', '!=', 'deleted');
      if (ids) select = select.where('recordings.id', 'in', ids);
      if (query.queueId) select = select.where('recordings.queue_id', '=', query.queueId);
      if (query.agentId) select = select.where('recordings.agent_user_id', '=', query.agentId);
      if (query.contactId) select = select.where('recordings.contact_id', '=', query.contactId);
      if (query.from !== undefined) select = select.where('recordings.started_at', '>=', query.from);
      if (query.to !== undefined) select = select.where('recordings.started_at', '<', query.to);
      const rows = await select.orderBy('recordings.started_at', 'desc').limit(query.limit ?? 100).execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          contactId: r.contact_id,
          queueId: r.queue_id,
          queueName: r.queue_name ?? '',
          agentId: r.agent_user_id,
          agentName: r.agent_name ?? '',
          customerName: r.customer_name ?? '',
          classification: r.classification ?? null,
          status: r.status,
          startedAt: Number(r.started_at),
          durationMs: Number(r.duration_ms),
          pausedMs: Number(r.paused_ms),
          transcript: r.transcript_status ?? (calls.transcription.status.configured ? 'none' : 'not-configured'),
        })),
        transcription: calls.transcription.status,
      };
    },
  );

  const recordingOf = async (orgId: string, id: string): Promise<RecordingRow> => {
    const row = await db.selectFrom('recordings').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
    if (!row || row.status === 'deleted') throw errors.notFound('No such recording (or it is past its retention)');
    return row;
  };

  /** One recording with its transcript (per speaker, with times) and the state of its transcription. */
  app.get<{ Params: { id: string } }>('/api/recordings/:id', { config: { access: REVIEWERS }, schema: { params: opaqueIdParams } }, async (request) => {
    const auth = request.auth!;
    const row = await recordingOf(auth.orgId, request.params.id);
    const [segments, job] = await Promise.all([
      db.selectFrom('transcript_segments').selectAll().where('recording_id', '=', row.id).orderBy('start_ms').orderBy('seq').execute(),
      db.selectFrom('transcription_jobs').selectAll().where('recording_id', '=', row.id).executeTakeFirst(),
    ]);
    await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'transcript.read', targetType: 'recording', targetId: row.id, ip: request.ip });
    const files = JSON.parse(row.files) as Record<AudioChannel, string | null>;
    return {
      id: row.id,
      contactId: row.contact_id,
      queueId: row.queue_id,
      agentId: row.agent_user_id,
      status: row.status,
      startedAt: Number(row.started_at),
      endedAt: row.ended_at === null ? null : Number(row.ended_at),
      durationMs: Number(row.duration_ms),
      pausedMs: Number(row.paused_ms),
      pauses: JSON.parse(row.pauses) as { fromMs: number; toMs: number }[],
      deleteAfter: row.delete_after === null ? null : Number(row.delete_after),
      error: row.error,
      channels: CHANNELS.filter((c) => files[c]),
      transcription: {
        ...calls.transcription.status,
        job: job ? { status: job.status, progress: job.progress, attempts: job.attempts, error: job.error } : null,
      },
      segments: segments.map((s) => ({
        id: s.id,
        speaker: s.speaker,
        startMs: Number(s.start_ms),
        endMs: Number(s.end_ms),
        language: s.language,
        text: s.text,
        words: JSON.parse(s.words) as unknown[],
        confidence: s.confidence,
      })),
    };
  });

  const lastAudited = new Map<string, number>();
  /** The audio, as a file the browser can seek in (HTTP range requests); every playback is audited. */
  app.get<{ Params: { id: string; channel: AudioChannel } }>(
    '/api/recordings/:id/audio/:channel',
    {
      config: { access: REVIEWERS },
      schema: { params: { type: 'object', required: ['id', 'channel'], properties: { id: opaqueId, channel: { enum: CHANNELS } } } },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const row = await recordingOf(auth.orgId, request.params.id);
      const file = (JSON.parse(row.files) as Record<AudioChannel, string | null>)[request.params.channel];
      if (!file) throw errors.notFound(`This recording has no ${request.params.channel} audio`);
      const key = `${auth.userId}:${row.id}:${request.params.channel}`;
      const now = options.now();
      if (now - (lastAudited.get(key) ?? 0) > AUDIT_AGAIN_AFTER_MS) {
        lastAudited.set(key, now);
        if (lastAudited.size > 10_000) lastAudited.clear();
        await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'recording.played', targetType: 'recording', targetId: row.id, ip: request.ip, details: { channel: request.params.channel } });
      }
      return sendRange(request, reply, path.join(calls.recordings.directory(row), file));
    },
  );

  app.get('/api/config/recording-retention', { config: { access: adminsOnly } }, async (request) => ({ days: await calls.recordings.retentionDays(request.auth!.orgId) }));
  app.put<{ Body: { days: number } }>(
    '/api/config/recording-retention',
    { config: { access: adminsOnly }, schema: { body: { type: 'object', additionalProperties: false, required: ['days'], properties: { days: { type: 'integer', minimum: 1, maximum: 3650 } } } } },
    async (request) => {
      const auth = request.auth!;
      const before = await calls.recordings.retentionDays(auth.orgId);
      await db.updateTable('organisations').set({ recording_retention_days: request.body.days }).where('id', '=', auth.orgId).execute();
      // Recordings already kept move to the new time too (from when they ended).
      await calls.recordings.applyRetention(auth.orgId, request.body.days);
      await audit.record({ orgId: auth.orgId, actorUserId: auth.userId, actorUsername: auth.username, action: 'config.recording_retention_changed', ip: request.ip, details: { days: request.body.days, previous: before } });
      return { days: request.body.days };
    },
  );
}

/** Serves a file whole or one byte range of it (RFC 9110 §14): what an audio element needs to seek. */
function sendRange(request: FastifyRequest, reply: FastifyReply, file: string) {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw errors.notFound('The recording’s file is missing');
  }
  reply.header('accept-ranges', 'bytes');
  reply.header('cache-control', 'private, no-store');
  reply.header('content-disposition', 'inline');
  reply.type('audio/ogg');
  const range = request.headers.range;
  if (!range) {
    reply.header('content-length', size);
    return reply.send(createReadStream(file));
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let start = match?.[1] ? Number(match[1]) : NaN;
  let end = match?.[2] ? Number(match[2]) : size - 1;
  if (match && !match[1] && match[2]) {
    // A suffix range: the last N bytes.
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  }
  if (!match || !Number.isFinite(start) || start >= size || end < start) {
    reply.header('content-range', `bytes */${size}`);
    throw new AppError('RANGE_NOT_SATISFIABLE', 416, `The file has ${size} bytes`);
  }
  end = Math.min(end, size - 1);
  reply.status(206);
  reply.header('content-range', `bytes ${start}-${end}/${size}`);
  reply.header('content-length', end - start + 1);
  return reply.send(createReadStream(file, { start, end }));
}

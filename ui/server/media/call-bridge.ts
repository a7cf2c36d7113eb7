import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CONTACT_DEFAULTS, createUuidV7Generator, FAMILIES, type AcdEvent, type EventRecord, type EventWriter } from '@cc/ingest';
import { mediaErrors, VoiceCall, type PeerSink, type RecordingResult, type Role, type SupervisorMode, type TransportInfo } from '@cc/media';
import type { MediasoupTypes as types } from '@cc/media';
import type { LiveOrganisation, Logger, Notice } from '../contact-center/live-organisation.ts';
import type { Database } from '../stores/oltp/schema.ts';
import type { Recordings } from './recordings.ts';
import type { Transcription } from './transcription.ts';
import type { Voice } from './voice.ts';

/** A participant's browser as the bridge sees it: the call's streams, and the end of its part. */
export interface MediaPeer extends PeerSink {
  /** This participant's part is over (the call ended, they were transferred away): the socket closes. */
  ended(reason: string): void;
  /** The recording was paused or resumed (the agent's console shows it). */
  recording(state: { active: boolean; paused: boolean }): void;
}

interface CallEntry {
  contactId: string;
  callId: string;
  call: VoiceCall;
  peers: Map<string, MediaPeer>;
  recording: { id: string; agentId: string | null; dir: string } | null;
  quality: NodeJS.Timeout;
  /** Operations on one call run one after another (events and commands arrive together). */
  queue: Promise<void>;
}

const QUALITY_EVERY_MS = 5_000;
/** Phases in which a call has media: before an agent (waiting, ringing) and with one. */
const LIVE_PHASES = new Set(['waiting', 'offered', 'connected', 'held']);

/**
 * Joins one organisation's ACD to the SFU: a voice contact's call is made when its first participant
 * joins, and follows the contact — recorded from the moment an agent has it, paused while on hold,
 * a new recording for each agent it reaches, closed (and its recording kept) when it ends.
 */
export class CallBridge {
  private readonly calls = new Map<string, CallEntry>();
  private readonly unsubscribe: () => void;
  private readonly nextId: () => string;
  /** Recordings being kept (their metadata written, transcription queued): shutdown waits for them. */
  private readonly saving = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly org: LiveOrganisation,
    private readonly voice: Voice,
    private readonly db: Kysely<Database>,
    private readonly writer: EventWriter,
    private readonly recordings: Recordings,
    private readonly transcription: Transcription,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.nextId = createUuidV7Generator(now);
    this.unsubscribe = org.subscribe((notice) => this.onNotice(notice));
  }

  /** Live calls of this organisation (the supervisor's view marks them). */
  liveCalls(): { contactId: string; participants: { id: string; role: Role; mode: SupervisorMode }[]; recording: { paused: boolean } | null }[] {
    return [...this.calls.values()].map((e) => ({
      contactId: e.contactId,
      participants: e.call.roster().map(({ id, role, mode }) => ({ id, role, mode })),
      recording: e.call.recording ? { paused: e.call.recording.paused } : null,
    }));
  }

  entry(contactId: string): CallEntry {
    const entry = this.calls.get(contactId);
    if (!entry) throw mediaErrors.closed();
    return entry;
  }

  private run(entry: CallEntry, op: () => Promise<void>): Promise<void> {
    const next = entry.queue.then(op);
    entry.queue = next.catch((error: unknown) => this.log.error({ err: error, contactId: entry.contactId }, 'call operation failed'));
    return next;
  }

  /**
   * A participant joins the contact's call (made now if it is the first). The caller has checked
   * that this participant may (the customer's token, the agent's own contact, a supervisor).
   */
  async join(contactId: string, participant: { id: string; role: Role; mode?: SupervisorMode }, rtpCapabilities: types.RtpCapabilities, peer: MediaPeer): Promise<{ send: TransportInfo; recv: TransportInfo; recording: { active: boolean; paused: boolean } }> {
    if (this.closed || !this.voice.server) throw mediaErrors.unavailable(this.voice.status.reason ?? 'voice is off');
    const phase = this.org.phaseOf(contactId);
    if (!LIVE_PHASES.has(phase)) throw mediaErrors.closed();
    const entry = this.calls.get(contactId) ?? (await this.open(contactId));
    let answer!: { send: TransportInfo; recv: TransportInfo };
    await this.run(entry, async () => {
      answer = await entry.call.join(participant.id, participant.role, rtpCapabilities, peer, participant.mode ?? 'listen');
      entry.peers.set(participant.id, peer);
      if (participant.role === 'supervisor') await this.callFact(entry, 'call.monitor_started', participant.id, participant.mode ?? 'listen');
    });
    const recorder = entry.call.recording;
    return { ...answer, recording: { active: recorder !== null, paused: recorder?.paused ?? false } };
  }

  private async open(contactId: string): Promise<CallEntry> {
    const call = await VoiceCall.create(this.voice.server!, { id: contactId, clips: this.voice.clips, log: this.log });
    // Someone else may have opened it meanwhile (two participants joining at once): keep the first.
    const existing = this.calls.get(contactId);
    if (existing) {
      await call.close();
      return existing;
    }
    const entry: CallEntry = {
      contactId,
      callId: randomUUID(),
      call,
      peers: new Map(),
      recording: null,
      quality: setInterval(() => void this.sample(entry), QUALITY_EVERY_MS),
      queue: Promise.resolve(),
    };
    entry.quality.unref();
    this.calls.set(contactId, entry);
    call.on('peer-lost', (participantId, role) => {
      entry.peers.get(participantId)?.ended('media-lost');
      entry.peers.delete(participantId);
      if (role === 'agent') void this.run(entry, async () => this.agentLost(entry, participantId));
    });
    call.on('media-lost', () => {
      // The worker under the call died: everyone is told, and their browsers join a new call.
      for (const peer of entry.peers.values()) peer.ended('media-restart');
    });
    call.on('closed', (result) => {
      clearInterval(entry.quality);
      if (this.calls.get(contactId) === entry) this.calls.delete(contactId);
      for (const peer of entry.peers.values()) peer.ended('call-ended');
      entry.peers.clear();
      if (result && entry.recording) {
        const saved = this.saveRecording(entry, entry.recording, result);
        this.saving.add(saved);
        void saved.finally(() => this.saving.delete(saved));
      }
      entry.recording = null;
    });
    await this.callFact(entry, 'call.media_started', '', '');
    // An agent may have the contact already (they accepted before anyone's browser joined).
    const contact = this.org.engine.inspect().contacts.get(contactId);
    if (contact && (contact.phase === 'connected' || contact.phase === 'held') && contact.agentId) {
      await this.run(entry, () => this.startRecording(entry, contact.agentId));
      if (contact.phase === 'held') await entry.call.setHeld(true);
    }
    return entry;
  }

  /** A participant's part ends: by their own hang-up or leaving, or because their browser went away. */
  async leave(contactId: string, participantId: string, how: 'left' | 'lost'): Promise<void> {
    const entry = this.calls.get(contactId);
    if (!entry || !entry.call.has(participantId)) return;
    const role = entry.call.roleOf(participantId);
    await this.run(entry, async () => {
      entry.peers.delete(participantId);
      await entry.call.leave(participantId);
      if (role === 'supervisor') await this.callFact(entry, 'call.monitor_ended', participantId, how);
      if (role === 'agent' && how === 'lost') await this.agentLost(entry, participantId);
    });
  }

  /** The agent's line broke while the contact is still theirs: the customer hears so, and holds on. */
  private async agentLost(entry: CallEntry, participantId: string): Promise<void> {
    const contact = this.org.engine.inspect().contacts.get(entry.contactId);
    if (!contact || !['connected', 'held'].includes(contact.phase) || `agent:${contact.agentId}` !== participantId) return;
    entry.call.playNotice('agent-lost');
    await this.callFact(entry, 'call.agent_media_lost', contact.agentId ?? '', '');
  }

  async setMuted(contactId: string, participantId: string, muted: boolean): Promise<void> {
    const entry = this.entry(contactId);
    await this.run(entry, async () => {
      await entry.call.setMuted(participantId, muted);
      await this.callFact(entry, muted ? 'call.muted' : 'call.unmuted', participantId, entry.call.roleOf(participantId) ?? '');
    });
  }

  async setMode(contactId: string, participantId: string, mode: SupervisorMode): Promise<void> {
    const entry = this.entry(contactId);
    await this.run(entry, async () => {
      await entry.call.setMode(participantId, mode);
      await this.callFact(entry, 'call.monitor_mode', participantId, mode);
    });
  }

  /** PCI: the agent (or another system) pauses the recording while a card number is read out. */
  async setRecordingPaused(contactId: string, paused: boolean): Promise<{ active: boolean; paused: boolean }> {
    const entry = this.entry(contactId);
    await this.run(entry, async () => {
      const recorder = entry.call.recording;
      if (!recorder || !entry.recording) throw mediaErrors.notRecording();
      const changed = paused ? await recorder.pause() : await recorder.resume();
      if (changed) await this.recordings.paused(this.org.orgId, entry.recording.id, entry.contactId, paused, this.now() - recorder.startedAt);
      for (const peer of entry.peers.values()) peer.recording({ active: true, paused });
    });
    return { active: entry.call.recording !== null, paused: entry.call.recording?.paused ?? false };
  }

  private async startRecording(entry: CallEntry, agentId: string | null): Promise<void> {
    if (entry.call.recording || entry.call.closed) return;
    const contact = this.org.engine.inspect().contacts.get(entry.contactId);
    const queueId = contact?.queueId ?? '';
    const queue = await this.db.selectFrom('queues').select('transcription_language').where('id', '=', queueId).executeTakeFirst();
    const { id, dir } = await this.recordings.begin({ orgId: this.org.orgId, contactId: entry.contactId, queueId, agentId, language: queue?.transcription_language ?? 'auto' });
    entry.recording = { id, agentId, dir };
    await entry.call.startRecording(dir, this.now, { CC_RECORDING: id, CC_CONTACT: entry.contactId });
    for (const peer of entry.peers.values()) peer.recording({ active: true, paused: false });
  }

  private async stopRecording(entry: CallEntry): Promise<void> {
    const recording = entry.recording;
    if (!recording) return;
    entry.recording = null;
    const result = await entry.call.stopRecording();
    if (result) await this.saveRecording(entry, recording, result);
  }

  private async saveRecording(entry: CallEntry, recording: { id: string }, result: RecordingResult): Promise<void> {
    try {
      const row = await this.recordings.finish(this.org.orgId, recording.id, entry.contactId, result);
      if (row.status === 'ready') await this.transcription.enqueue(row);
    } catch (error) {
      this.log.error({ err: error, recordingId: recording.id }, 'could not keep a recording’s metadata');
    }
  }

  private onNotice(notice: Notice): void {
    if (notice.kind !== 'acd') return;
    for (const event of notice.events) {
      if (event.type === 'routing.decision' || !('contactId' in event)) continue;
      const entry = this.calls.get(event.contactId);
      if (entry) void this.run(entry, () => this.follow(entry, event));
    }
  }

  /** The call follows its contact through the ACD. */
  private async follow(entry: CallEntry, event: AcdEvent): Promise<void> {
    switch (event.type) {
      case 'contact.connected':
        await this.startRecording(entry, event.agentId);
        break;
      case 'contact.held':
        await entry.call.setHeld(true);
        break;
      case 'contact.resumed':
        await entry.call.setHeld(false);
        break;
      case 'contact.transferred':
      case 'contact.requeued': {
        // The agent's part is over; the customer holds on (the chime) for the next one.
        await this.stopRecording(entry);
        if (entry.call.isHeld) await entry.call.setHeld(false);
        for (const { id, role } of entry.call.roster()) {
          if (role !== 'agent') continue;
          entry.peers.get(id)?.ended(event.type === 'contact.transferred' ? 'transferred' : 'requeued');
          entry.peers.delete(id);
          await entry.call.leave(id);
        }
        break;
      }
      case 'contact.wrap_up_started':
      case 'contact.closed':
      case 'contact.abandoned':
        await entry.call.close();
        await this.callFact(entry, 'call.media_ended', '', event.type === 'contact.abandoned' ? 'abandoned' : 'ended');
        break;
      default:
        break;
    }
  }

  private async sample(entry: CallEntry): Promise<void> {
    if (entry.call.closed) return;
    const samples = await entry.call.qualitySamples();
    if (samples.length === 0) return;
    const at = this.now();
    const records: EventRecord[] = samples.map((s) => ({
      table: FAMILIES.mediaQuality.table,
      row: {
        event_id: this.nextId(),
        org_id: this.org.orgId,
        at,
        type: 'media.quality',
        version: FAMILIES.mediaQuality.version,
        ingested_at: at,
        call_id: entry.callId,
        contact_id: entry.contactId,
        participant: s.role,
        rtt_ms: s.rttMs,
        jitter_ms: s.jitterMs,
        packet_loss: s.packetLoss,
        bitrate_kbps: s.bitrateKbps,
      },
    }));
    await this.writer.append(records).catch((error: unknown) => this.log.error({ err: error }, 'media quality samples not written'));
  }

  /** A call step that is not the ACD's (media up, muted, listened in) as a contact fact. */
  private async callFact(entry: CallEntry, type: string, agentId: string, reason: string): Promise<void> {
    const contact = this.org.engine.inspect().contacts.get(entry.contactId);
    const meta = this.org.meta.get(entry.contactId);
    const at = this.now();
    await this.writer.append([
      {
        table: FAMILIES.contact.table,
        row: {
          event_id: this.nextId(),
          org_id: this.org.orgId,
          at,
          type,
          version: FAMILIES.contact.version,
          ingested_at: at,
          ...CONTACT_DEFAULTS,
          contact_id: entry.contactId,
          queue_id: contact?.queueId ?? meta?.queueId ?? '',
          channel: contact?.channel ?? meta?.channel ?? 'voice',
          agent_id: agentId.replace(/^(agent|supervisor):/, ''),
          customer_id: contact?.customerId ?? '',
          reason,
        },
      },
    ]);
  }

  /** Ends every call (shutdown): recordings are stopped and kept. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await Promise.all([...this.calls.values()].map((entry) => this.run(entry, async () => void (await entry.call.close()))));
    await Promise.all([...this.saving]);
  }
}

import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { ClipPlayer } from '../announcements/clip-player.ts';
import type { ClipName, Clips } from '../announcements/clips.ts';
import { mediaErrors } from '../errors.ts';
import { CallRecorder, type RecordingResult } from '../recording/call-recorder.ts';
import type { MediaLogger, MediaServer } from '../sfu/media-server.ts';

export type Role = 'customer' | 'agent' | 'supervisor';
/** A supervisor listens (heard by nobody), whispers (heard by the agent only) or barges in (heard by both). */
export type SupervisorMode = 'listen' | 'whisper' | 'barge';
export type Source = Role | 'announcement';

/** What a browser needs to make its side of a WebRTC transport (mediasoup-client's TransportOptions). */
export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** A new audio stream for a participant to receive; it starts paused until the browser is ready. */
export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  kind: 'audio';
  rtpParameters: types.RtpParameters;
  source: Source;
}

/** How a call reaches one participant's browser (the signalling socket). */
export interface PeerSink {
  consume(info: ConsumerInfo): void;
  consumerClosed(consumerId: string): void;
}

export interface QualitySample {
  participantId: string;
  role: Role;
  /** Round trip to this participant's browser (from its RTCP receiver reports), ms. */
  rttMs: number;
  /** Jitter of what this participant sends us, ms. */
  jitterMs: number;
  /** Share of this participant's packets lost on the way to us, 0–1. */
  packetLoss: number;
  bitrateKbps: number;
}

interface Participant {
  id: string;
  role: Role;
  mode: SupervisorMode;
  rtpCapabilities: types.RtpCapabilities;
  sink: PeerSink;
  send: types.WebRtcTransport;
  recv: types.WebRtcTransport;
  producer: types.Producer | null;
  /** By producer id: the consumer and whether the browser said it is ready to play it. */
  consumers: Map<string, { consumer: types.Consumer; ready: boolean; source: Source }>;
}

export interface VoiceCallEvents {
  /** A participant's media went away without a goodbye (ICE consent lost, DTLS failed). */
  'peer-lost': [participantId: string, role: Role];
  /** The router closed under the call (its worker died): participants must rejoin. */
  'media-lost': [];
  /** The call is over; the recording it made (if any) comes with it. */
  closed: [recording: RecordingResult | null];
}

/**
 * One call in the SFU: a router with the customer, the agent and any supervisors listening in,
 * who hears whom (and what is paused while the customer is on hold), the system's announcements,
 * and the server-side recording. Closing it closes everything it made; closing twice is harmless.
 */
export class VoiceCall extends EventEmitter<VoiceCallEvents> {
  private readonly participants = new Map<string, Participant>();
  private held = false;
  private notice: ClipName | null = null;
  private recorder: CallRecorder | null = null;
  private closing = false;

  private constructor(
    readonly id: string,
    private readonly router: types.Router,
    private readonly player: ClipPlayer | null,
    private readonly clipsTransport: types.DirectTransport,
    private readonly clips: Clips | null,
    private readonly log: MediaLogger,
  ) {
    super();
    router.observer.once('close', () => {
      if (!this.closing) this.emit('media-lost');
      void this.close();
    });
  }

  static async create(server: MediaServer, options: { id: string; clips: Clips | null; log: MediaLogger }): Promise<VoiceCall> {
    const router = await server.createRouter();
    try {
      const clipsTransport = await router.createDirectTransport();
      const player = options.clips ? await ClipPlayer.create(clipsTransport) : null;
      const call = new VoiceCall(options.id, router, player, clipsTransport, options.clips, options.log);
      call.listenInfo = server.listenInfo;
      return call;
    } catch (error) {
      router.close();
      throw error;
    }
  }

  private listenInfo!: types.TransportListenInfo;

  get closed(): boolean {
    return this.closing;
  }

  get isHeld(): boolean {
    return this.held;
  }

  has(participantId: string): boolean {
    return this.participants.has(participantId);
  }

  roleOf(participantId: string): Role | null {
    return this.participants.get(participantId)?.role ?? null;
  }

  /** Who is in the call, by role (tests, the supervisor's view). */
  roster(): { id: string; role: Role; mode: SupervisorMode; sending: boolean }[] {
    return [...this.participants.values()].map((p) => ({ id: p.id, role: p.role, mode: p.mode, sending: p.producer !== null && !p.producer.closed }));
  }

  /** What a participant receives, by source, and whether it flows right now: not held, not muted (tests, diagnostics). */
  receiving(participantId: string): Partial<Record<Source, boolean>> {
    const out: Partial<Record<Source, boolean>> = {};
    for (const { consumer, source } of this.participant(participantId).consumers.values()) if (!consumer.closed) out[source] = !consumer.paused && !consumer.producerPaused;
    return out;
  }

  private participant(id: string): Participant {
    const p = this.participants.get(id);
    if (!p) throw mediaErrors.noSuchPeer();
    return p;
  }

  /**
   * A participant joins (or joins again after a reload: the old transports are closed first). Returns
   * the send and receive transports for the browser; audio already in the call comes as consumers.
   */
  async join(participantId: string, role: Role, rtpCapabilities: types.RtpCapabilities, sink: PeerSink, mode: SupervisorMode = 'listen'): Promise<{ send: TransportInfo; recv: TransportInfo }> {
    if (this.closing) throw mediaErrors.closed();
    if (!rtpCapabilities.codecs?.some((c) => c.mimeType.toLowerCase() === 'audio/opus')) throw mediaErrors.cannotConsume();
    if (this.participants.has(participantId)) await this.leave(participantId);
    const options: types.WebRtcTransportOptions = { listenInfos: [this.listenInfo], enableUdp: true, enableTcp: false, initialAvailableOutgoingBitrate: 100_000, iceConsentTimeout: 15 };
    const send = await this.router.createWebRtcTransport(options);
    const recv = await this.router.createWebRtcTransport(options);
    const participant: Participant = { id: participantId, role, mode: role === 'supervisor' ? mode : 'listen', rtpCapabilities, sink, send, recv, producer: null, consumers: new Map() };
    for (const transport of [send, recv]) {
      transport.on('dtlsstatechange', (state) => {
        if (state === 'failed' || state === 'closed') this.lost(participant);
      });
      transport.on('icestatechange', (state) => {
        if (state === 'disconnected') this.lost(participant);
      });
    }
    this.participants.set(participantId, participant);
    await this.refresh();
    return { send: transportInfo(send), recv: transportInfo(recv) };
  }

  private lost(participant: Participant): void {
    if (this.closing || this.participants.get(participant.id) !== participant) return;
    this.log.warn({ callId: this.id, participantId: participant.id, role: participant.role }, 'a participant’s media went away');
    void this.leave(participant.id).then(() => this.emit('peer-lost', participant.id, participant.role));
  }

  async connect(participantId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    const p = this.participant(participantId);
    const transport = [p.send, p.recv].find((t) => t.id === transportId);
    if (!transport) throw mediaErrors.noSuchTransport();
    try {
      await transport.connect({ dtlsParameters });
    } catch (error) {
      throw mediaErrors.badParameters((error as Error).message);
    }
  }

  /** The participant's microphone: recorded as their channel, heard by whom the rules say. */
  async produce(participantId: string, transportId: string, rtpParameters: types.RtpParameters): Promise<string> {
    const p = this.participant(participantId);
    if (p.send.id !== transportId) throw mediaErrors.noSuchTransport();
    if (p.producer && !p.producer.closed) throw mediaErrors.alreadyProducing();
    let producer: types.Producer;
    try {
      producer = await p.send.produce({ kind: 'audio', rtpParameters, appData: { participantId, role: p.role } });
    } catch (error) {
      throw mediaErrors.badParameters((error as Error).message);
    }
    p.producer = producer;
    producer.observer.once('close', () => {
      if (p.producer === producer) p.producer = null;
    });
    if (this.recorder && (p.role === 'customer' || p.role === 'agent')) await this.recorder.attach(p.role, producer);
    await this.refresh();
    return producer.id;
  }

  /** The browser has set up the consumer: it may play now (unless the customer is on hold). */
  async consumerReady(participantId: string, consumerId: string): Promise<void> {
    const p = this.participant(participantId);
    const entry = [...p.consumers.values()].find((c) => c.consumer.id === consumerId);
    if (!entry) throw mediaErrors.noSuchConsumer();
    entry.ready = true;
    await this.applyPauses();
  }

  /** Mute on the server: the producer stops at the router (nobody hears it, the recording gets silence). */
  async setMuted(participantId: string, muted: boolean): Promise<void> {
    const p = this.participant(participantId);
    if (!p.producer) throw mediaErrors.notSending();
    if (muted) await p.producer.pause();
    else await p.producer.resume();
  }

  async setMode(participantId: string, mode: SupervisorMode): Promise<void> {
    const p = this.participant(participantId);
    if (p.role !== 'supervisor') throw mediaErrors.noSuchPeer();
    p.mode = mode;
    await this.refresh();
  }

  /** A participant leaves: their transports close, and with them their producer and consumers. */
  async leave(participantId: string): Promise<void> {
    const p = this.participants.get(participantId);
    if (!p) return;
    this.participants.delete(participantId);
    const producerId = p.producer?.id;
    p.send.close();
    p.recv.close();
    // Others' consumers of this participant's audio go now (the worker's own notice comes later).
    if (producerId) for (const other of this.participants.values()) this.dropConsumer(other, producerId);
    if (!this.closing) this.updateAnnouncements();
  }

  /** On hold: customer and agent stop hearing each other; the customer hears the hold chime. */
  async setHeld(held: boolean): Promise<void> {
    this.held = held;
    await this.applyPauses();
    this.updateAnnouncements();
  }

  /** Plays a notice to the customer once (the agent's line broke), then whatever the state calls for. */
  playNotice(name: ClipName): void {
    if (!this.player || !this.clips) return;
    this.notice = name;
    this.player.play(this.clips[name], false, () => {
      this.notice = null;
      this.updateAnnouncements();
    });
  }

  /** The hold chime plays while the customer is on hold or alone (waiting for an agent, or for the next one). */
  private updateAnnouncements(): void {
    if (!this.player || !this.clips || this.closing || this.notice) return;
    const roles = [...this.participants.values()];
    const agentHere = roles.some((p) => p.role === 'agent' && p.producer);
    const customerHere = roles.some((p) => p.role === 'customer');
    const wanted = customerHere && (this.held || !agentHere);
    if (wanted && !this.player.playing) this.player.play(this.clips.hold, true);
    if (!wanted && this.player.playing) this.player.stop();
  }

  /** Whether `listener` should receive audio from `source` at all. */
  private audible(source: Participant | 'announcement', listener: Participant): boolean {
    if (source === 'announcement') return listener.role === 'customer';
    if (source.id === listener.id) return false;
    switch (source.role) {
      case 'customer':
        return listener.role === 'agent' || listener.role === 'supervisor';
      case 'agent':
        return listener.role === 'customer' || listener.role === 'supervisor';
      case 'supervisor':
        if (source.mode === 'whisper') return listener.role === 'agent';
        if (source.mode === 'barge') return listener.role === 'agent' || listener.role === 'customer';
        return false;
    }
  }

  /** Whether audio that is audible should flow right now (hold pauses the customer–agent pair). */
  private flowing(source: Source, listener: Participant): boolean {
    if (!this.held || source === 'announcement' || listener.role === 'supervisor') return true;
    if (listener.role === 'customer') return false;
    return !(listener.role === 'agent' && source === 'customer');
  }

  /** Makes every participant's consumers match the rules: new ones for new audio, none for audio they may no longer hear. */
  private async refresh(): Promise<void> {
    const sources: { producer: types.Producer; from: Participant | 'announcement'; source: Source }[] = [];
    for (const p of this.participants.values()) if (p.producer && !p.producer.closed) sources.push({ producer: p.producer, from: p, source: p.role });
    if (this.player && !this.player.producer.closed) sources.push({ producer: this.player.producer, from: 'announcement', source: 'announcement' });
    for (const listener of this.participants.values()) {
      for (const { producer, from, source } of sources) {
        const has = listener.consumers.get(producer.id);
        const should = this.audible(from, listener);
        if (should && !has) {
          if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: listener.rtpCapabilities })) continue;
          const consumer = await listener.recv.consume({ producerId: producer.id, rtpCapabilities: listener.rtpCapabilities, paused: true });
          consumer.on('producerclose', () => this.dropConsumer(listener, producer.id));
          listener.consumers.set(producer.id, { consumer, ready: false, source });
          listener.sink.consume({ consumerId: consumer.id, producerId: producer.id, kind: 'audio', rtpParameters: consumer.rtpParameters, source });
        } else if (!should && has) {
          this.dropConsumer(listener, producer.id);
        }
      }
    }
    await this.applyPauses();
    this.updateAnnouncements();
  }

  /** Closes the listener's consumer of that producer, once, and tells their browser. */
  private dropConsumer(listener: Participant, producerId: string): void {
    const entry = listener.consumers.get(producerId);
    if (!entry) return;
    listener.consumers.delete(producerId);
    entry.consumer.close();
    listener.sink.consumerClosed(entry.consumer.id);
  }

  private async applyPauses(): Promise<void> {
    const changes: Promise<void>[] = [];
    for (const listener of this.participants.values()) {
      for (const { consumer, ready, source } of listener.consumers.values()) {
        if (consumer.closed) continue;
        const play = ready && this.flowing(source, listener);
        if (play && consumer.paused) changes.push(consumer.resume());
        if (!play && !consumer.paused) changes.push(consumer.pause());
      }
    }
    await Promise.all(changes);
  }

  // ─── recording ───────────────────────────────────────────────────────────────────────────────

  get recording(): CallRecorder | null {
    return this.recorder;
  }

  /** Starts recording into `dir`: the customer's and the agent's audio, each on its own channel. */
  async startRecording(dir: string, now: () => number, comments: Record<string, string> = {}): Promise<CallRecorder> {
    if (this.closing) throw mediaErrors.closed();
    if (this.recorder) return this.recorder;
    const recorder = await CallRecorder.start(this.router, { dir, now, comments });
    this.recorder = recorder;
    for (const p of this.participants.values()) {
      if (p.producer && !p.producer.closed && (p.role === 'customer' || p.role === 'agent')) await recorder.attach(p.role, p.producer);
    }
    return recorder;
  }

  /** Stops the recording (if any) and returns what it made. */
  async stopRecording(): Promise<RecordingResult | null> {
    const recorder = this.recorder;
    this.recorder = null;
    return recorder ? recorder.stop() : null;
  }

  // ─── quality ─────────────────────────────────────────────────────────────────────────────────

  /** One sample per sending participant: what their uplink looks like, and the round trip to them. */
  async qualitySamples(): Promise<QualitySample[]> {
    const samples: QualitySample[] = [];
    for (const p of this.participants.values()) {
      if (!p.producer || p.producer.closed) continue;
      try {
        const [inbound] = await p.producer.getStats();
        let rttMs = 0;
        for (const { consumer } of p.consumers.values()) {
          if (consumer.closed) continue;
          const stats = await consumer.getStats();
          const outbound = stats.find((s) => s.type === 'outbound-rtp') as { roundTripTime?: number } | undefined;
          if (outbound?.roundTripTime) rttMs = Math.max(rttMs, outbound.roundTripTime);
        }
        samples.push({
          participantId: p.id,
          role: p.role,
          rttMs,
          // mediasoup reports jitter in RTP timestamp units; Opus counts 48 per millisecond.
          jitterMs: (inbound?.jitter ?? 0) / 48,
          packetLoss: (inbound?.fractionLost ?? 0) / 256,
          bitrateKbps: (inbound?.bitrate ?? 0) / 1000,
        });
      } catch {
        // A participant leaving mid-sample: nothing to say about them this time.
      }
    }
    return samples;
  }

  /** Ends the call: recording stopped (its result returned), every participant and transport closed. */
  async close(): Promise<RecordingResult | null> {
    if (this.closing) return null;
    this.closing = true;
    const result = await this.stopRecording().catch((error: unknown) => {
      this.log.error({ err: error, callId: this.id }, 'recording did not finish cleanly');
      return null;
    });
    this.player?.stop();
    for (const id of [...this.participants.keys()]) await this.leave(id);
    this.clipsTransport.close();
    this.router.close();
    this.emit('closed', result);
    return result;
  }
}

function transportInfo(t: types.WebRtcTransport): TransportInfo {
  return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
}

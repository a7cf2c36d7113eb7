import { Device, type types } from 'mediasoup-client';

/** Where the audio a participant hears comes from. */
export type AudioSource = 'customer' | 'agent' | 'supervisor' | 'announcement';

type Message = { type: string } & Record<string, unknown>;

/**
 * The media signalling socket (protocol v1): commands carry a ref and are answered by an `ack`
 * (with `data` when there is an answer) or an `error`; the server also pushes `consume` and
 * `consumer-closed`. One socket per call; it does not reconnect by itself (the call rejoins).
 */
class MediaSocket {
  private ws: WebSocket | null = null;
  private refs = 0;
  private readonly waiting = new Map<string, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  private readonly handlers = new Set<(message: Message) => void>();
  onClose: (() => void) | null = null;

  constructor(private readonly url: string) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = new URL(this.url, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(url);
      this.ws = ws;
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('the media connection failed'));
      ws.onmessage = (event) => this.receive(JSON.parse(String(event.data)) as Message);
      ws.onclose = () => {
        for (const w of this.waiting.values()) w.reject(new Error('the media connection closed'));
        this.waiting.clear();
        this.onClose?.();
      };
    });
  }

  private receive(message: Message): void {
    const ref = typeof message.ref === 'string' ? message.ref : null;
    const waiter = ref ? this.waiting.get(ref) : undefined;
    if (waiter && (message.type === 'ack' || message.type === 'error')) {
      this.waiting.delete(ref!);
      if (message.type === 'ack') waiter.resolve(message.data);
      else waiter.reject(Object.assign(new Error(String(message.message)), { code: message.code }));
      return;
    }
    for (const handler of this.handlers) handler(message);
  }

  request<T = unknown>(message: Message): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('the media connection is not open'));
    const ref = `m${++this.refs}`;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(ref, { resolve: resolve as (data: unknown) => void, reject });
      ws.send(JSON.stringify({ v: 1, ref, ...message }));
    });
  }

  on(handler: (message: Message) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): void {
    this.onClose = null;
    this.ws?.close();
  }
}

export interface VoiceClientOptions {
  /** A remote audio stream to play (and, for tests and meters, to analyse). */
  onTrack(consumerId: string, track: MediaStreamTrack, source: AudioSource): void;
  onTrackEnded(consumerId: string): void;
  /** The call's media went away (the socket closed): the caller decides whether to rejoin. */
  onDisconnected?(): void;
  /** Anything else the server pushes: `recording` (paused or not), `ended` (with why). */
  onEvent?(message: { type: string } & Record<string, unknown>): void;
}

interface JoinAnswer {
  contactId: string;
  send: types.TransportOptions;
  recv: types.TransportOptions;
  recording: { active: boolean; paused: boolean };
}

/**
 * One browser's side of a call through the SFU (mediasoup-client): joins, sends the microphone,
 * plays what the server says this participant may hear. Works the same for the customer's widget,
 * the agent's console and a supervisor listening in.
 */
export class VoiceClient {
  private readonly socket: MediaSocket;
  private readonly device = new Device();
  private send: types.Transport | null = null;
  private recv: types.Transport | null = null;
  private producer: types.Producer | null = null;
  private microphone: MediaStream | null = null;
  private readonly consumers = new Map<string, types.Consumer>();
  private pending: Message[] = [];
  private closed = false;

  constructor(
    url: string,
    private readonly options: VoiceClientOptions,
  ) {
    this.socket = new MediaSocket(url);
  }

  /** Opens the media socket and joins with what `join` carries (a contact id, or the customer's token). */
  async join(join: Record<string, unknown>): Promise<{ contactId: string; recording: { active: boolean; paused: boolean } }> {
    await this.socket.open();
    this.socket.onClose = () => {
      if (!this.closed) this.options.onDisconnected?.();
    };
    this.socket.on((message) => {
      if (!this.recv) this.pending.push(message);
      else void this.handle(message);
    });
    const hello = await this.socket.request<{ rtpCapabilities: types.RtpCapabilities }>({ type: 'hello' });
    if (!this.device.loaded) await this.device.load({ routerRtpCapabilities: hello.rtpCapabilities });
    const answer = await this.socket.request<JoinAnswer>({ type: 'join', ...join, rtpCapabilities: this.device.rtpCapabilities });
    this.send = this.device.createSendTransport(answer.send);
    this.recv = this.device.createRecvTransport(answer.recv);
    for (const transport of [this.send, this.recv]) {
      transport.on('connect', ({ dtlsParameters }, callback, errback) => {
        this.socket.request({ type: 'connect-transport', transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
      });
    }
    this.send.on('produce', ({ rtpParameters }, callback, errback) => {
      this.socket.request<{ producerId: string }>({ type: 'produce', transportId: this.send!.id, rtpParameters }).then(({ producerId }) => callback({ id: producerId }), errback);
    });
    const queued = this.pending;
    this.pending = [];
    for (const message of queued) await this.handle(message);
    return { contactId: answer.contactId, recording: answer.recording };
  }

  private async handle(message: Message): Promise<void> {
    if (message.type === 'consume' && this.recv) {
      const consumer = await this.recv.consume({
        id: String(message.consumerId),
        producerId: String(message.producerId),
        kind: 'audio',
        rtpParameters: message.rtpParameters as types.RtpParameters,
      });
      this.consumers.set(consumer.id, consumer);
      this.options.onTrack(consumer.id, consumer.track, message.source as AudioSource);
      await this.socket.request({ type: 'consumer-ready', consumerId: consumer.id }).catch(() => {});
    } else if (message.type === 'consumer-closed') {
      const consumer = this.consumers.get(String(message.consumerId));
      if (!consumer) return;
      this.consumers.delete(consumer.id);
      consumer.close();
      this.options.onTrackEnded(consumer.id);
    } else {
      this.options.onEvent?.(message);
    }
  }

  /** Asks for the microphone and sends it. Voice wants the browser's own processing (echo cancellation) on. */
  async startMicrophone(constraints: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true }): Promise<void> {
    if (!this.send || this.producer) return;
    this.microphone = await navigator.mediaDevices.getUserMedia({ audio: constraints, video: false });
    const track = this.microphone.getAudioTracks()[0];
    if (!track) throw new Error('no microphone');
    this.producer = await this.send.produce({ track, codecOptions: { opusStereo: false, opusDtx: false, opusFec: true } });
  }

  /** Mutes at the server too, so the other side and the recording get silence, not the room. */
  async setMuted(muted: boolean): Promise<void> {
    if (!this.producer) return;
    if (muted) this.producer.pause();
    else this.producer.resume();
    await this.socket.request({ type: 'mute', muted });
  }

  request<T = unknown>(message: Message): Promise<T> {
    return this.socket.request<T>(message);
  }

  get sending(): boolean {
    return this.producer !== null;
  }

  /** Leaves the call: tells the server, stops the microphone, closes the transports. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.socket.request({ type: 'leave' }).catch(() => {});
    this.microphone?.getTracks().forEach((t) => t.stop());
    this.send?.close();
    this.recv?.close();
    this.socket.close();
    for (const id of this.consumers.keys()) this.options.onTrackEnded(id);
    this.consumers.clear();
  }
}

/**
 * A phone's ring in the browser (425 Hz, one second on, four off: the Nordic ringing tone), so an
 * agent hears an offered call even with the console in another tab.
 */
export class Ringer {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.timer) return;
    this.context ??= new AudioContext();
    void this.context.resume().catch(() => {});
    const ring = () => {
      const ctx = this.context!;
      const oscillator = ctx.createOscillator();
      const gain = ctx.createGain();
      oscillator.frequency.value = 425;
      gain.gain.value = 0.15;
      oscillator.connect(gain).connect(ctx.destination);
      oscillator.start();
      oscillator.stop(ctx.currentTime + 1);
    };
    ring();
    this.timer = setInterval(ring, 5000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Plays a remote track through a hidden audio element (Chromium only plays remote WebRTC audio through one). */
export function playTrack(track: MediaStreamTrack, host: HTMLElement | ShadowRoot = document.body): HTMLAudioElement {
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.srcObject = new MediaStream([track]);
  audio.setAttribute('data-cc-remote-audio', '');
  host.appendChild(audio);
  void audio.play().catch(() => {});
  return audio;
}

/**
 * The audio elements of one call's incoming tracks: one per track under `host` (marked by `mark`),
 * gone when its track ends, all gone at `clear()`. What a console's call and a listening supervisor share.
 */
export function trackPlayers(host: () => HTMLElement, mark: (audio: HTMLAudioElement, source: string) => void) {
  const players = new Map<string, HTMLAudioElement>();
  return {
    onTrack(id: string, track: MediaStreamTrack, source: string) {
      const audio = playTrack(track, host());
      mark(audio, source);
      players.set(id, audio);
    },
    onTrackEnded(id: string) {
      players.get(id)?.remove();
      players.delete(id);
    },
    clear() {
      for (const audio of players.values()) audio.remove();
      players.clear();
    },
  };
}

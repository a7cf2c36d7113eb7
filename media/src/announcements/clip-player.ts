import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import { buildRtp } from '../rtp/rtp-packet.ts';
import { OPUS_PAYLOAD_TYPE, opusPacketSamples, opusRtpParameters } from '../rtp/opus.ts';

/**
 * Plays pre-encoded Opus packets into a call as an ordinary producer (through a DirectTransport),
 * paced by the wall clock so a late timer catches up instead of slowing the clip down.
 */
export class ClipPlayer {
  private timer: NodeJS.Timeout | null = null;
  private sequence = randomInt(0, 0xffff);
  private timestamp = randomInt(0, 0x7fffffff);
  private queue: { packets: Buffer[]; loop: boolean; onEnd?: () => void } | null = null;
  private index = 0;
  private startedAt = 0;
  private sentSamples = 0;

  private constructor(
    readonly producer: types.Producer,
    private readonly ssrc: number,
  ) {}

  static async create(transport: types.DirectTransport): Promise<ClipPlayer> {
    const ssrc = randomInt(1, 0x7fffffff);
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: opusRtpParameters(ssrc),
      appData: { source: 'announcement' },
    });
    return new ClipPlayer(producer, ssrc);
  }

  get playing(): boolean {
    return this.queue !== null;
  }

  /** Starts a clip (replacing any), once (then `onEnd`) or over and over. */
  play(packets: Buffer[], loop: boolean, onEnd?: () => void): void {
    if (packets.length === 0) return;
    this.queue = { packets, loop, ...(onEnd ? { onEnd } : {}) };
    this.index = 0;
    this.startedAt = Date.now();
    this.sentSamples = 0;
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), 20);
      this.timer.unref();
    }
  }

  stop(): void {
    this.queue = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const queue = this.queue;
    if (!queue || this.producer.closed) return this.stop();
    const due = ((Date.now() - this.startedAt) * 48000) / 1000;
    while (this.queue === queue && this.sentSamples <= due) {
      if (this.index >= queue.packets.length) {
        if (!queue.loop) {
          this.stop();
          queue.onEnd?.();
          return;
        }
        this.index = 0;
      }
      const payload = queue.packets[this.index++]!;
      const samples = opusPacketSamples(payload) || 960;
      this.producer.send(buildRtp({ payloadType: OPUS_PAYLOAD_TYPE, sequenceNumber: this.sequence, timestamp: this.timestamp, ssrc: this.ssrc, payload }));
      this.sequence = (this.sequence + 1) & 0xffff;
      this.timestamp = (this.timestamp + samples) >>> 0;
      this.sentSamples += samples;
    }
  }

  close(): void {
    this.stop();
    this.producer.close();
  }
}

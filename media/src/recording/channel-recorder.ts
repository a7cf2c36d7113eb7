import { parseRtp, timestampDelta } from '../rtp/rtp-packet.ts';
import { OPUS_RATE, OPUS_SILENCE_20MS, SILENCE_SAMPLES, opusPacketSamples } from '../rtp/opus.ts';
import { OggOpusWriter } from './ogg-opus-writer.ts';

/** When the RTP clock and the wall clock disagree by more than this, the sender started over. */
const RESYNC_SAMPLES = 2 * OPUS_RATE;

/**
 * One speaker's channel of a recording: RTP packets in, an Ogg Opus file out, on a timeline that
 * starts when the recording starts. Where no audio came (the speaker joined later, a PCI pause,
 * loss, a muted microphone) the file gets silence of the same length, so the channels of one
 * call line up sample for sample and a pause leaves silence exactly as long as it lasted.
 */
export class ChannelRecorder {
  private readonly writer: OggOpusWriter;
  /** RTP timestamp and timeline position (samples) of the packet the timeline is anchored on. */
  private anchor: { timestamp: number; position: number } | null = null;
  private lastTimestamp = 0;
  private dropping = false;
  packets = 0;
  silenceFrames = 0;
  late = 0;

  constructor(
    file: string,
    private readonly startedAt: number,
    private readonly now: () => number,
    comments: Record<string, string> = {},
  ) {
    this.writer = new OggOpusWriter(file, { channels: 1, comments });
  }

  get file(): string {
    return this.writer.path;
  }

  get bytes(): number {
    return this.writer.bytes;
  }

  /** Samples on the timeline so far. */
  get position(): number {
    return this.writer.position;
  }

  /** While dropping (a PCI pause), arriving audio is thrown away; the gap becomes silence. */
  setDropping(dropping: boolean): void {
    this.dropping = dropping;
  }

  private wallPosition(at: number): number {
    return Math.max(0, Math.round(((at - this.startedAt) * OPUS_RATE) / 1000));
  }

  /** Writes silence up to `target` (samples), in whole 20 ms frames. */
  private silenceTo(target: number): void {
    while (target - this.writer.position >= SILENCE_SAMPLES) {
      this.writer.append(OPUS_SILENCE_20MS, SILENCE_SAMPLES);
      this.silenceFrames += 1;
    }
  }

  /** One RTP packet of Opus from the speaker. */
  push(rtp: Buffer): void {
    if (this.dropping) return;
    const packet = parseRtp(rtp);
    if (!packet || packet.payload.length === 0) return;
    const samples = opusPacketSamples(packet.payload);
    if (samples === 0) return;
    const wall = this.wallPosition(this.now());
    let target: number;
    if (this.anchor === null) {
      target = wall;
    } else {
      target = this.anchor.position + timestampDelta(packet.timestamp, this.anchor.timestamp);
      // A new producer (a reconnect) or a clock jump: trust the wall clock and anchor again.
      if (Math.abs(target - wall) > RESYNC_SAMPLES) {
        this.anchor = null;
        target = wall;
      } else if (timestampDelta(packet.timestamp, this.lastTimestamp) <= 0) {
        this.late += 1; // a duplicate or a packet older than one already written
        return;
      }
    }
    if (this.anchor === null) this.anchor = { timestamp: packet.timestamp, position: target };
    // Behind the timeline by more than a frame (it was filled with silence already): too late to place.
    if (target + samples <= this.writer.position) {
      this.late += 1;
      return;
    }
    this.silenceTo(target);
    this.writer.append(packet.payload, samples);
    this.lastTimestamp = packet.timestamp;
    this.packets += 1;
  }

  /** Silence up to wall-clock time `at` (the end of the recording): every channel ends together. */
  fillTo(at: number): void {
    this.silenceTo(this.wallPosition(at));
  }

  close(): void {
    this.writer.close();
  }
}

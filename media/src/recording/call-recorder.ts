import { statSync } from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import { runFfmpeg } from '../ffmpeg.ts';
import { ChannelRecorder } from './channel-recorder.ts';

/** The two sides of a call, each its own channel (and file): who spoke is never a guess. */
export type Speaker = 'customer' | 'agent';
export const SPEAKERS: Speaker[] = ['customer', 'agent'];

/** A recording's files in its directory: one per speaker, and the stereo mix (customer left, agent right) once made. */
export interface RecordingFiles {
  customer: string;
  agent: string;
  mix: string | null;
}
export const RECORDING_FILES = { customer: 'customer.opus', agent: 'agent.opus', mix: 'mix.opus' } as const;

export interface RecordingPause {
  /** Milliseconds from the start of the recording. */
  fromMs: number;
  toMs: number;
}

export interface RecordingResult {
  startedAt: number;
  endedAt: number;
  durationMs: number;
  pausedMs: number;
  pauses: RecordingPause[];
  files: RecordingFiles;
  bytes: number;
  packets: Record<Speaker, number>;
  /** Why there is no mix, when there is none. */
  mixError: string | null;
}

/**
 * Records one call on the server: each speaker's audio leaves the router through a DirectTransport
 * consumer, unchanged (Opus as the browser sent it), into a file per speaker on a common timeline;
 * after the call, ffmpeg makes a stereo mix for playback. Pausing (PCI: a card number is read out)
 * stops the audio at the router, so it never reaches this process, and the files get silence for
 * exactly as long as the pause lasted.
 */
export class CallRecorder {
  private readonly channels: Record<Speaker, ChannelRecorder>;
  private readonly consumers = new Map<Speaker, types.Consumer>();
  private readonly pauses: RecordingPause[] = [];
  private pausedAt: number | null = null;
  private stopped: Promise<RecordingResult> | null = null;

  private constructor(
    private readonly transport: types.DirectTransport,
    private readonly router: types.Router,
    readonly dir: string,
    readonly startedAt: number,
    private readonly now: () => number,
    comments: Record<string, string>,
  ) {
    this.channels = {
      customer: new ChannelRecorder(path.join(dir, RECORDING_FILES.customer), startedAt, now, { ...comments, CC_SPEAKER: 'customer' }),
      agent: new ChannelRecorder(path.join(dir, RECORDING_FILES.agent), startedAt, now, { ...comments, CC_SPEAKER: 'agent' }),
    };
  }

  static async start(router: types.Router, options: { dir: string; now: () => number; comments?: Record<string, string> }): Promise<CallRecorder> {
    const transport = await router.createDirectTransport();
    return new CallRecorder(transport, router, options.dir, options.now(), options.now, options.comments ?? {});
  }

  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /** Records this producer as the speaker's channel (a reconnect replaces the one before). */
  async attach(speaker: Speaker, producer: types.Producer): Promise<void> {
    if (this.stopped) return;
    this.consumers.get(speaker)?.close();
    const consumer = await this.transport.consume({ producerId: producer.id, rtpCapabilities: this.router.rtpCapabilities, paused: this.paused });
    const channel = this.channels[speaker];
    consumer.on('rtp', (packet: Buffer) => channel.push(packet));
    consumer.observer.once('close', () => {
      if (this.consumers.get(speaker) === consumer) this.consumers.delete(speaker);
    });
    this.consumers.set(speaker, consumer);
  }

  /** PCI pause: nothing is recorded until resume; the span becomes silence. */
  async pause(): Promise<boolean> {
    if (this.pausedAt !== null || this.stopped) return false;
    this.pausedAt = this.now();
    for (const speaker of SPEAKERS) this.channels[speaker].setDropping(true);
    await Promise.all([...this.consumers.values()].map((c) => c.pause()));
    return true;
  }

  async resume(): Promise<boolean> {
    if (this.pausedAt === null || this.stopped) return false;
    const at = this.now();
    this.pauses.push({ fromMs: this.pausedAt - this.startedAt, toMs: at - this.startedAt });
    this.pausedAt = null;
    await Promise.all([...this.consumers.values()].map((c) => c.resume()));
    for (const speaker of SPEAKERS) this.channels[speaker].setDropping(false);
    return true;
  }

  /** Ends the recording (idempotent): both channels to the same length, files synced, then the mix. */
  stop(): Promise<RecordingResult> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<RecordingResult> {
    const endedAt = this.now();
    if (this.pausedAt !== null) {
      this.pauses.push({ fromMs: this.pausedAt - this.startedAt, toMs: endedAt - this.startedAt });
      this.pausedAt = null;
    }
    this.transport.close();
    for (const speaker of SPEAKERS) {
      this.channels[speaker].fillTo(endedAt);
      this.channels[speaker].close();
    }
    const { files, bytes, mixError } = await finishRecordingFiles(this.dir);
    return {
      startedAt: this.startedAt,
      endedAt,
      durationMs: endedAt - this.startedAt,
      pausedMs: this.pauses.reduce((sum, p) => sum + (p.toMs - p.fromMs), 0),
      pauses: this.pauses,
      files,
      bytes,
      packets: { customer: this.channels.customer.packets, agent: this.channels.agent.packets },
      mixError,
    };
  }
}

/**
 * After a call (or a crash during one): the stereo mix from the two channels, the files as they now
 * are, their size on disk, and why there is no mix if it could not be made.
 */
export async function finishRecordingFiles(dir: string): Promise<{ files: RecordingFiles; bytes: number; mixError: string | null }> {
  let mix: string | null = RECORDING_FILES.mix;
  let mixError: string | null = null;
  try {
    await mixStereo(path.join(dir, RECORDING_FILES.customer), path.join(dir, RECORDING_FILES.agent), path.join(dir, mix));
  } catch (error) {
    mix = null;
    mixError = (error as Error).message;
  }
  const files: RecordingFiles = { customer: RECORDING_FILES.customer, agent: RECORDING_FILES.agent, mix };
  let bytes = 0;
  for (const name of [files.customer, files.agent, files.mix]) {
    if (!name) continue;
    try {
      bytes += statSync(path.join(dir, name)).size;
    } catch {
      // A channel that never got a byte (the server stopped first) has no file.
    }
  }
  return { files, bytes, mixError };
}

/** Customer on the left, agent on the right: the way QA staff expect to hear a call. */
export function mixStereo(customerFile: string, agentFile: string, out: string): Promise<Buffer> {
  return runFfmpeg([
    '-i', customerFile,
    '-i', agentFile,
    '-filter_complex', '[0:a][1:a]join=inputs=2:channel_layout=stereo:map=0.0-FL|1.0-FR[a]',
    '-map', '[a]',
    '-c:a', 'libopus', '-b:a', '64k',
    '-f', 'ogg', '-y', out,
  ]);
}

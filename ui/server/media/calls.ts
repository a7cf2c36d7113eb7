import type { Kysely } from 'kysely';
import type { EventWriter } from '@cc/ingest';
import type { ServerConfig } from '../config.ts';
import type { LiveAcd } from '../contact-center/live-acd.ts';
import type { Logger } from '../contact-center/live-organisation.ts';
import type { Webhooks } from '../contact-center/webhooks.ts';
import type { Database } from '../stores/oltp/schema.ts';
import { CallBridge } from './call-bridge.ts';
import { Recordings } from './recordings.ts';
import { Transcription } from './transcription.ts';
import { Voice } from './voice.ts';

const SWEEP_EVERY_MS = 60 * 60_000;

/**
 * Voice in this process, composed once: the SFU (or why it is off), recordings and their retention,
 * the transcription queue, and one bridge per organisation between its ACD and its calls.
 */
export class Calls {
  private readonly bridges = new Map<string, CallBridge>();
  private sweeper: NodeJS.Timeout | null = null;

  private constructor(
    readonly voice: Voice,
    readonly recordings: Recordings,
    readonly transcription: Transcription,
    private readonly deps: { db: Kysely<Database>; writer: EventWriter; live: LiveAcd; now: () => number; log: Logger },
  ) {}

  static async start(deps: { config: ServerConfig; db: Kysely<Database>; writer: EventWriter; live: LiveAcd; webhooks: Webhooks | null; now: () => number; log: Logger }): Promise<Calls> {
    const { config, db, writer, now, log } = deps;
    const voice = await Voice.start(config, log);
    const recordings = new Recordings(db, writer, config.dataDir, now, log, deps.webhooks, config.recordingRetentionDays);
    await recordings.recoverInterrupted();
    const transcription = await Transcription.start({ db, writer, recordings, config, now, log });
    const calls = new Calls(voice, recordings, transcription, { db, writer, live: deps.live, now, log });
    const sweep = () => recordings.sweep().catch((error: unknown) => log.error({ err: error }, 'recording retention sweep failed'));
    await sweep();
    calls.sweeper = setInterval(sweep, SWEEP_EVERY_MS);
    calls.sweeper.unref();
    return calls;
  }

  /** The organisation's bridge between its ACD and its calls (made the first time a call needs it). */
  bridge(orgId: string): CallBridge {
    let bridge = this.bridges.get(orgId);
    if (!bridge) {
      const { db, writer, live, now, log } = this.deps;
      bridge = new CallBridge(live.org(orgId), this.voice, db, writer, this.recordings, this.transcription, now, log);
      this.bridges.set(orgId, bridge);
    }
    return bridge;
  }

  /** Shutdown: calls end with their recordings kept, then the engine and the SFU stop. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.bridges.values()].map((b) => b.close()));
    await this.transcription.close();
    this.voice.close();
  }
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { ffmpegAvailable, loadClips, MediaServer, type Clips, type MediaLogger } from '@cc/media';
import type { ServerConfig } from '../config.ts';

export interface VoiceStatus {
  enabled: boolean;
  /** Why voice is off, in words an operator can act on (null when on). */
  reason: string | null;
}

/**
 * Voice for the whole process: the SFU's workers and the system's announcement clips. Starting it
 * never fails the server: without a worker binary, or without ffmpeg, the platform runs on with
 * every other channel and says why voice is off (health, the widget, the console).
 */
export class Voice {
  private constructor(
    readonly server: MediaServer | null,
    readonly clips: Clips | null,
    readonly status: VoiceStatus,
  ) {}

  static async start(config: ServerConfig, log: MediaLogger): Promise<Voice> {
    if (!config.voice) return new Voice(null, null, { enabled: false, reason: 'VOICE is off in the configuration' });
    if (!ffmpegAvailable()) return Voice.off(log, 'ffmpeg is not installed (apt-get install ffmpeg): recording needs it');
    const worker = process.env.MEDIASOUP_WORKER_BIN;
    if (worker && !existsSync(worker)) return Voice.off(log, `MEDIASOUP_WORKER_BIN=${worker} does not exist`);
    let server: MediaServer;
    try {
      server = await MediaServer.start({
        listenIp: config.mediaListenIp,
        ...(config.mediaAnnouncedAddress ? { announcedAddress: config.mediaAnnouncedAddress } : {}),
        ...(config.mediaWorkers ? { workers: config.mediaWorkers } : {}),
        rtcMinPort: config.mediaMinPort,
        rtcMaxPort: config.mediaMaxPort,
        log,
      });
    } catch (error) {
      return Voice.off(log, `${(error as Error).message}; npm start and npm test build the worker (node media/worker-build/build.mjs)`);
    }
    let clips: Clips | null = null;
    try {
      clips = await loadClips(path.join(config.dataDir, 'media', 'clips'));
    } catch (error) {
      log.warn({ err: error }, 'announcement clips could not be made: customers on hold hear silence');
    }
    log.info({ listenIp: config.mediaListenIp }, 'voice is on');
    return new Voice(server, clips, { enabled: true, reason: null });
  }

  private static off(log: MediaLogger, reason: string): Voice {
    log.warn({ reason }, 'voice is off');
    return new Voice(null, null, { enabled: false, reason });
  }

  close(): void {
    this.server?.close();
  }
}

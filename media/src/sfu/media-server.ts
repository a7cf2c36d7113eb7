import os from 'node:os';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { mediaErrors } from '../errors.ts';
import { OPUS_PAYLOAD_TYPE } from '../rtp/opus.ts';

export interface MediaLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MediaServerOptions {
  /** SFU worker processes (one per core is the norm); default: the cores, at most 4. */
  workers?: number;
  /** The address transports listen on. */
  listenIp: string;
  /** The address browsers are told to send to (a public address behind NAT); default: listenIp. */
  announcedAddress?: string;
  rtcMinPort?: number;
  rtcMaxPort?: number;
  log: MediaLogger;
}

/** Opus only: the contact center carries voice. 48 kHz stereo is how WebRTC names Opus. */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: OPUS_PAYLOAD_TYPE }];

export interface MediaCounts {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

/**
 * The SFU: a pool of mediasoup workers (subprocesses), each hosting routers, one per call. A worker
 * that dies is reported with its pid and started again with back-off; its calls are closed (their
 * routers go with it) and their participants rejoin on another worker.
 */
export class MediaServer {
  private readonly workers: (types.Worker | null)[] = [];
  private readonly restartDelays: number[] = [];
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private closed = false;
  private next = 0;
  /** Open routers by id, so counts() can look inside them. */
  private readonly routers = new Map<string, types.Router>();
  /** The routers' capabilities (the same codecs everywhere): what browsers load their Device with. */
  rtpCapabilities!: types.RtpCapabilities;

  private constructor(private readonly options: MediaServerOptions) {}

  /** Starts the workers; rejects with VOICE_UNAVAILABLE (and why) when the worker cannot run. */
  static async start(options: MediaServerOptions): Promise<MediaServer> {
    const server = new MediaServer(options);
    const count = options.workers ?? Math.min(4, Math.max(1, os.availableParallelism()));
    try {
      for (let i = 0; i < count; i += 1) server.workers.push(await server.spawn(i));
      const probe = await server.workers[0]!.createRouter({ mediaCodecs: MEDIA_CODECS });
      server.rtpCapabilities = probe.rtpCapabilities;
      probe.close();
    } catch (error) {
      server.close();
      throw mediaErrors.unavailable(`the mediasoup worker did not start (${(error as Error).message})`);
    }
    return server;
  }

  get listenInfo(): types.TransportListenInfo {
    return { protocol: 'udp', ip: this.options.listenIp, ...(this.options.announcedAddress ? { announcedAddress: this.options.announcedAddress } : {}) };
  }

  private async spawn(index: number): Promise<types.Worker> {
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.options.rtcMinPort ?? 40000,
      rtcMaxPort: this.options.rtcMaxPort ?? 49999,
      disableLiburing: true,
    });
    worker.on('died', (error) => {
      this.options.log.error({ pid: worker.pid, err: error, worker: index }, 'mediasoup worker died; its calls end and it starts again');
      this.workers[index] = null;
      this.restart(index);
    });
    this.restartDelays[index] = 1000;
    return worker;
  }

  private restart(index: number): void {
    if (this.closed) return;
    const delay = this.restartDelays[index] ?? 1000;
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.closed) return;
      this.spawn(index).then(
        (worker) => {
          if (this.closed) worker.close();
          else this.workers[index] = worker;
        },
        (error: unknown) => {
          this.options.log.error({ err: error, worker: index }, 'mediasoup worker did not start again');
          this.restartDelays[index] = Math.min(delay * 2, 60_000);
          this.restart(index);
        },
      );
    }, delay);
    timer.unref();
    this.restartTimers.add(timer);
  }

  /** A router for one call, on the next living worker (round robin). */
  async createRouter(): Promise<types.Router> {
    if (this.closed) throw mediaErrors.unavailable('the media server is shutting down');
    for (let tries = 0; tries < this.workers.length; tries += 1) {
      const worker = this.workers[this.next++ % this.workers.length];
      if (!worker || worker.closed) continue;
      const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
      this.routers.set(router.id, router);
      router.observer.once('close', () => this.routers.delete(router.id));
      return router;
    }
    throw mediaErrors.unavailable('no media worker is running');
  }

  /** What lives in the workers now: tests check that a finished call leaves nothing behind. */
  async counts(): Promise<MediaCounts> {
    const counts: MediaCounts = { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 };
    for (const worker of this.workers) {
      if (!worker || worker.closed) continue;
      counts.workers += 1;
      const dump = await worker.dump();
      counts.routers += dump.routerIds.length;
      for (const routerId of dump.routerIds) {
        const router = this.routers.get(routerId);
        if (!router) continue;
        const r = await router.dump();
        counts.transports += r.transportIds.length;
        counts.producers += r.mapProducerIdConsumerIds.length;
        counts.consumers += r.mapConsumerIdProducerId.length;
      }
    }
    return counts;
  }

  /** Worker processes' pids and CPU time (user + system, ms), for the benchmark. */
  async usage(): Promise<{ pid: number; cpuMs: number }[]> {
    const out: { pid: number; cpuMs: number }[] = [];
    for (const worker of this.workers) {
      if (!worker || worker.closed) continue;
      const u = await worker.getResourceUsage();
      out.push({ pid: worker.pid, cpuMs: u.ru_utime + u.ru_stime });
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    for (const worker of this.workers) worker?.close();
  }
}

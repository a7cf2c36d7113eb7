import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { EventRecord } from '../catalogue/families.ts';
import { isIdentifier } from '../catalogue/identifiers.ts';
import { Spool, type Checkpoint } from '../spool/spool.ts';
import type { BatchTarget } from './batch-target.ts';

export interface WriterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EventWriterOptions {
  dir: string;
  target: BatchTarget;
  logger?: WriterLogger;
  /** Ship when this many events wait… */
  batchRows?: number;
  /** …or when the oldest has waited this long. */
  flushIntervalMs?: number;
  segmentBytes?: number;
  /** Above this backlog the writer raises an alarm (log and /api/health). */
  alarmBytes?: number;
  /** Above this backlog appends are refused with SPOOL_FULL, so a dead ClickHouse cannot fill the disk. */
  hardLimitBytes?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  now?: () => number;
  /** Told after each batch lands in ClickHouse (the realtime feed pushes on it). */
  onShipped?: (events: number) => void;
}

export type WriterStatus = 'ok' | 'retrying' | 'alarm' | 'full';

export interface WriterState {
  status: WriterStatus;
  backlogBytes: number;
  shippedEvents: number;
  shippedBatches: number;
  failedAttempts: number;
  lastError: string | null;
  lastShippedAt: number | null;
}

const silent: WriterLogger = { info() {}, warn() {}, error() {} };

/**
 * The one way events reach ClickHouse. append() returns once the events are fsync'd to the local
 * spool; a background loop ships them in batches (on size, on time, on close) with a deterministic
 * insert_deduplication_token per table and batch, retrying with back-off while ClickHouse is away.
 * A crash loses nothing acknowledged: on restart the unshipped rest (and any in-flight batch, with
 * its same token) goes out first.
 */
export class EventWriter {
  private stopped = false;
  private closing = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void>;
  private firstUnshippedAt: number | null = null;
  private flushWaiters: { upTo: { segment: number; offset: number }; resolve: () => void }[] = [];
  private readonly stats = { shippedEvents: 0, shippedBatches: 0, failedAttempts: 0, lastError: null as string | null, lastShippedAt: null as number | null };
  private alarmed = false;

  private constructor(
    private readonly spool: Spool,
    private readonly options: Required<Omit<EventWriterOptions, 'logger' | 'onShipped'>> & { logger: WriterLogger; onShipped?: (events: number) => void },
  ) {
    this.loop = this.run();
  }

  static async open(options: EventWriterOptions): Promise<EventWriter> {
    const spool = await Spool.open({ dir: options.dir, segmentBytes: options.segmentBytes, hardLimitBytes: options.hardLimitBytes });
    const writer = new EventWriter(spool, {
      batchRows: 10_000,
      flushIntervalMs: 1000,
      segmentBytes: 16 * 1024 * 1024,
      alarmBytes: 256 * 1024 * 1024,
      hardLimitBytes: 1024 * 1024 * 1024,
      retryInitialMs: 250,
      retryMaxMs: 30_000,
      now: Date.now,
      ...options,
      logger: options.logger ?? silent,
    });
    if (spool.backlogBytes() > 0) writer.options.logger.info({ backlogBytes: spool.backlogBytes() }, 'shipping events left in the spool from before');
    writer.firstUnshippedAt = spool.backlogBytes() > 0 ? 0 : null;
    return writer;
  }

  /** Durably spools the records; resolves when they are on disk (not yet in ClickHouse). */
  async append(records: EventRecord[]): Promise<void> {
    if (this.closing) throw new Error('the event writer is closing');
    if (records.length === 0) return;
    // One line per event: the table, a tab, the row as JSON. Shipped as it is (no parse, no re-encode).
    const text = records.map((r) => `${r.table}\t${JSON.stringify(r.row)}\n`).join('');
    await this.spool.append(Buffer.from(text));
    this.firstUnshippedAt ??= this.options.now();
    this.checkAlarm();
    this.wake?.();
  }

  /** Ships everything appended so far; resolves when it is in ClickHouse. */
  async flush(): Promise<void> {
    const upTo = this.spool.durableEnd();
    if (this.isShipped(upTo)) return;
    await new Promise<void>((resolve) => {
      this.flushWaiters.push({ upTo, resolve });
      this.wake?.();
    });
  }

  state(): WriterState {
    const backlogBytes = this.spool.backlogBytes();
    const status: WriterStatus =
      backlogBytes > this.options.hardLimitBytes ? 'full' : backlogBytes > this.options.alarmBytes ? 'alarm' : this.stats.lastError ? 'retrying' : 'ok';
    return { status, backlogBytes, ...this.stats };
  }

  /** Stops taking events, ships what it can within `timeoutMs`, closes the spool. The rest ships on the next start. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closing) return this.loop;
    this.closing = true;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([this.flush(), deadline]);
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.spool.checkpointDirty) await this.spool.saveCheckpoint(this.spool.checkpoint);
    await this.spool.close();
  }

  private isShipped(position: { segment: number; offset: number }): boolean {
    const shipped = this.spool.checkpoint.shipped;
    return shipped.segment > position.segment || (shipped.segment === position.segment && shipped.offset >= position.offset);
  }

  private checkAlarm(): void {
    const backlog = this.spool.backlogBytes();
    if (backlog > this.options.alarmBytes && !this.alarmed) {
      this.alarmed = true;
      this.options.logger.error({ backlogBytes: backlog, alarmBytes: this.options.alarmBytes }, 'event spool over its alarm size: ClickHouse is not taking events');
    } else if (backlog <= this.options.alarmBytes && this.alarmed) {
      this.alarmed = false;
      this.options.logger.info({ backlogBytes: backlog }, 'event spool back under its alarm size');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    let backoff = this.options.retryInitialMs;
    while (!this.stopped) {
      const checkpoint = this.spool.checkpoint;
      const { segment, offset } = checkpoint.shipped;
      // Step past a fully shipped, sealed segment.
      if (this.spool.isSealed(segment) && offset >= this.spool.segmentSize(segment)) {
        await this.spool.saveCheckpoint({ shipped: { segment: segment + 1, offset: 0 }, inflight: null });
        continue;
      }
      const pendingBytes = this.spool.segmentSize(segment) - offset;
      if (pendingBytes <= 0 && !checkpoint.inflight) {
        if (this.spool.checkpointDirty) await this.spool.saveCheckpoint(this.spool.checkpoint);
        this.resolveFlushWaiters();
        this.firstUnshippedAt = null;
        await this.sleep(this.options.flushIntervalMs);
        continue;
      }
      // A batch is due when it is full (by a generous 100 bytes a row), old enough, asked for, or
      // the segment is sealed; otherwise wait for whichever comes first.
      const age = this.firstUnshippedAt === null ? Infinity : this.options.now() - this.firstUnshippedAt;
      const due =
        checkpoint.inflight !== null ||
        this.flushWaiters.length > 0 ||
        this.closing ||
        this.spool.isSealed(segment) ||
        pendingBytes >= this.options.batchRows * 100 ||
        age >= this.options.flushIntervalMs;
      if (!due) {
        await this.sleep(this.options.flushIntervalMs - age);
        continue;
      }

      // The batch: the in-flight one from before a crash (same range, same tokens), or the next lines.
      let from = offset;
      let to: number;
      let lines: string[];
      if (checkpoint.inflight && checkpoint.inflight.segment === segment) {
        from = checkpoint.inflight.from;
        to = checkpoint.inflight.to;
        ({ lines } = await this.spool.readLines(segment, from, Number.MAX_SAFE_INTEGER, to - from));
      } else {
        ({ lines, end: to } = await this.spool.readLines(segment, offset, this.options.batchRows));
        if (lines.length === 0) {
          await this.sleep(10);
          continue;
        }
        await this.spool.saveCheckpoint({ shipped: { segment, offset }, inflight: { segment, from, to } });
      }

      try {
        await this.ship(segment, from, to, lines);
        backoff = this.options.retryInitialMs;
        if (this.stats.lastError) this.options.logger.info({ shipped: lines.length }, 'ClickHouse takes events again');
        this.stats.lastError = null;
        this.stats.shippedEvents += lines.length;
        this.stats.shippedBatches += 1;
        this.stats.lastShippedAt = this.options.now();
        // One sync per batch: "shipped" is persisted with the next batch's in-flight record (or when idle).
        this.spool.markShipped({ segment, offset: to });
        this.firstUnshippedAt = this.spool.segmentSize(segment) > to || this.spool.isSealed(segment) ? this.options.now() : null;
        this.checkAlarm();
        this.resolveFlushWaiters();
        try {
          this.options.onShipped?.(lines.length);
        } catch {
          // a listener's failure is not the writer's
        }
      } catch (error) {
        this.stats.failedAttempts += 1;
        this.stats.lastError = (error as Error).message;
        this.options.logger.warn({ err: (error as Error).message, backlogBytes: this.spool.backlogBytes(), retryInMs: backoff }, 'could not ship events to ClickHouse; they stay in the spool');
        this.checkAlarm();
        if (this.stopped) break;
        await this.sleep(backoff * (0.8 + Math.random() * 0.4));
        backoff = Math.min(backoff * 2, this.options.retryMaxMs);
      }
    }
  }

  private async ship(segment: number, from: number, to: number, lines: string[]): Promise<void> {
    const byTable = new Map<string, string[]>();
    const rejected: string[] = [];
    for (const line of lines) {
      const tab = line.indexOf('\t');
      const table = line.slice(0, tab);
      if (tab <= 0 || !isIdentifier(table) || line[tab + 1] !== '{') {
        rejected.push(line);
        continue;
      }
      let rows = byTable.get(table);
      if (!rows) byTable.set(table, (rows = []));
      rows.push(line.slice(tab + 1));
    }
    if (rejected.length > 0) {
      // A line that is not "table<TAB>{row}" would fail its batch for ever: set it aside, loudly, instead.
      await appendFile(path.join(this.options.dir, 'rejected.ndjson'), rejected.map((l) => `${l}\n`).join(''));
      this.options.logger.error({ lines: rejected.length, file: 'rejected.ndjson' }, 'spooled lines that are not events were set aside');
    }
    for (const [table, rows] of byTable) {
      // Deterministic: the same spool range always gives the same token, so a retry is dropped as a duplicate.
      await this.options.target.insert(table, rows, `${segment}:${from}:${to}:${table}`);
    }
  }

  private resolveFlushWaiters(): void {
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (!this.isShipped(w.upTo)) return true;
      w.resolve();
      return false;
    });
  }
}

export type { Checkpoint };

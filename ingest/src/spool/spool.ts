import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface SpoolPosition {
  segment: number;
  offset: number;
}

/** What has been shipped, and the batch being shipped (so a restart re-sends exactly that range). */
export interface Checkpoint {
  shipped: SpoolPosition;
  inflight: { segment: number; from: number; to: number } | null;
}

export interface SpoolOptions {
  dir: string;
  /** A segment is sealed and a new one started past this size. */
  segmentBytes?: number;
  /** Appends are refused (SpoolFullError) while the unshipped backlog is above this. */
  hardLimitBytes?: number;
}

export class SpoolFullError extends Error {
  readonly code = 'SPOOL_FULL';
  constructor(bytes: number, limit: number) {
    super(`event spool holds ${bytes} bytes, over its limit of ${limit}; ClickHouse has not taken events for a while`);
    this.name = 'SpoolFullError';
  }
}

const SEGMENT = /^seg-(\d{8})\.ndjson$/;
const segmentName = (n: number) => `seg-${String(n).padStart(8, '0')}.ndjson`;

/**
 * A durable, append-only spool of NDJSON segment files. An append resolves only after its bytes are
 * written and fdatasync'd (group commit: appends that arrive together share one sync).
 */
export class Spool {
  private handle!: FileHandle;
  private current = 0;
  private currentSize = 0;
  private durable: SpoolPosition = { segment: 0, offset: 0 };
  private pending: { data: Buffer; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;
  private broken: Error | null = null;
  private closed = false;
  private readonly sizes = new Map<number, number>();
  checkpoint: Checkpoint = { shipped: { segment: 1, offset: 0 }, inflight: null };
  /** The in-memory checkpoint moved past what is on disk (see markShipped). */
  checkpointDirty = false;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly hardLimitBytes: number,
  ) {}

  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options.dir, options.segmentBytes ?? 16 * 1024 * 1024, options.hardLimitBytes ?? 1024 * 1024 * 1024);
    await spool.recover();
    return spool;
  }

  /** Appends lines (each ending in \n); resolves once they are on disk. */
  append(data: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the spool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const backlog = this.backlogBytes();
    if (backlog > this.hardLimitBytes) return Promise.reject(new SpoolFullError(backlog, this.hardLimitBytes));
    return new Promise((resolve, reject) => {
      this.pending.push({ data, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** The end of what is durably written. */
  durableEnd(): SpoolPosition {
    return { ...this.durable };
  }

  isSealed(segment: number): boolean {
    return segment < this.current;
  }

  segmentSize(segment: number): number {
    return segment === this.current ? this.durable.offset : (this.sizes.get(segment) ?? 0);
  }

  /** Bytes written but not yet shipped. */
  backlogBytes(): number {
    const shipped = this.checkpoint.shipped;
    const unshipped = (segment: number, size: number) => (segment > shipped.segment ? size : segment === shipped.segment ? size - shipped.offset : 0);
    let bytes = unshipped(this.current, this.currentSize);
    for (const [segment, size] of this.sizes) bytes += unshipped(segment, size);
    return bytes;
  }

  /** Reads whole lines of one segment from `offset`, at most `maxLines`, up to what is durable. */
  async readLines(segment: number, offset: number, maxLines: number, maxBytes = 8 * 1024 * 1024): Promise<{ lines: string[]; end: number }> {
    const size = this.segmentSize(segment);
    if (offset >= size) return { lines: [], end: offset };
    const handle = await open(path.join(this.dir, segmentName(segment)), 'r');
    try {
      const length = Math.min(size - offset, maxBytes);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      const lines: string[] = [];
      let start = 0;
      while (lines.length < maxLines) {
        const newline = buffer.indexOf(10, start);
        if (newline < 0 || newline >= bytesRead) break;
        lines.push(buffer.toString('utf8', start, newline));
        start = newline + 1;
      }
      return { lines, end: offset + start };
    } finally {
      await handle.close();
    }
  }

  /**
   * Records a shipped batch in memory only. Safe without a sync: until the next saveCheckpoint the
   * disk still names that batch as in flight, and re-sending it after a crash reuses its token.
   */
  markShipped(position: SpoolPosition): void {
    this.checkpoint = { shipped: position, inflight: null };
    this.checkpointDirty = true;
  }

  /** Persists the checkpoint atomically (write, sync, rename). */
  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const file = path.join(this.dir, 'checkpoint.json');
    const temp = `${file}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(checkpoint));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    this.checkpoint = checkpoint;
    this.checkpointDirty = false;
    // Shipped, sealed segments are done with.
    for (const segment of [...this.sizes.keys()]) {
      if (segment < checkpoint.shipped.segment) {
        this.sizes.delete(segment);
        await rm(path.join(this.dir, segmentName(segment)), { force: true });
      }
    }
  }

  /** Waits for pending appends, then closes the file. Harmless twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }

  private async recover(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const segments = readdirSync(this.dir)
      .map((name) => SEGMENT.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    try {
      this.checkpoint = JSON.parse(await readFile(path.join(this.dir, 'checkpoint.json'), 'utf8')) as Checkpoint;
    } catch {
      this.checkpoint = { shipped: { segment: segments[0] ?? 1, offset: 0 }, inflight: null };
    }
    for (const segment of segments) {
      const file = path.join(this.dir, segmentName(segment));
      let size = statSync(file).size;
      if (segment === segments.at(-1)) size = await this.trimTornLine(file, size);
      this.sizes.set(segment, size);
    }
    // Appends always go to a fresh segment; earlier ones are sealed as they are.
    this.current = (segments.at(-1) ?? 0) + 1;
    this.handle = await open(path.join(this.dir, segmentName(this.current)), 'a');
    this.currentSize = 0;
    this.durable = { segment: this.current, offset: 0 };
    if (this.checkpoint.shipped.segment < (segments[0] ?? this.current)) this.checkpoint.shipped = { segment: segments[0] ?? this.current, offset: 0 };
  }

  /** A line without its newline was never acknowledged (the process died mid-write): drop it. */
  private async trimTornLine(file: string, size: number): Promise<number> {
    if (size === 0) return 0;
    const handle = await open(file, 'r+');
    try {
      const tail = Buffer.alloc(Math.min(size, 1024 * 1024));
      await handle.read(tail, 0, tail.length, size - tail.length);
      const lastNewline = tail.lastIndexOf(10);
      const keep = lastNewline < 0 ? size - tail.length : size - tail.length + lastNewline + 1;
      if (keep !== size) {
        await handle.truncate(keep);
        await handle.datasync();
      }
      return keep;
    } finally {
      await handle.close();
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      const data = batch.length === 1 ? batch[0]!.data : Buffer.concat(batch.map((p) => p.data));
      try {
        if (this.currentSize > 0 && this.currentSize + data.length > this.segmentBytes) await this.rotate();
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await this.handle.write(data, written, data.length - written);
          written += bytesWritten;
        }
        await this.handle.datasync();
        this.currentSize += data.length;
        this.durable = { segment: this.current, offset: this.currentSize };
        for (const p of batch) p.resolve();
      } catch (error) {
        // A failed write leaves the file in doubt: refuse further appends rather than guess.
        this.broken = error as Error;
        for (const p of [...batch, ...this.pending.splice(0)]) p.reject(error);
      }
    }
    this.flushing = null;
  }

  private async rotate(): Promise<void> {
    await this.handle.close();
    this.sizes.set(this.current, this.currentSize);
    this.current += 1;
    this.currentSize = 0;
    this.handle = await open(path.join(this.dir, segmentName(this.current)), 'a');
    this.durable = { segment: this.current, offset: 0 };
  }
}

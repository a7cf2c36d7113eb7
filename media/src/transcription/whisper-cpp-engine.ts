import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineResult, EngineSegment, TranscribeOptions, TranscriptionEngine } from './engine.ts';
import { PCM_RATE } from './pcm.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'whisper-child.mjs');

export interface WhisperCppOptions {
  /** smart-whisper's compiled addon (media/whisper-build/build.mjs makes it). */
  addonPath: string;
  /** The ggml model file; never downloaded here. */
  modelPath: string;
  /** The model's pinned sha256: another file is refused. */
  sha256: string;
  threads: number;
  /** One channel's transcription may take this long; then the process is killed and the job fails. */
  timeoutMs: number;
}

interface RawSegment {
  from: number;
  to: number;
  text: string;
  lang: string;
  confidence: number;
  tokens: { text: string; id: number; p: number; from?: number; to?: number }[];
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * whisper.cpp through smart-whisper, in a child process: the model loads once and stays, requests
 * go one at a time, and a request past its timeout kills the process (the next one starts anew).
 */
export class WhisperCppEngine implements TranscriptionEngine {
  readonly name = 'whisper.cpp';
  private child: ChildProcess | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly scratch = mkdtempSync(path.join(os.tmpdir(), 'cc-whisper-'));
  private closed = false;

  private constructor(private readonly options: WhisperCppOptions) {}

  /** Checks the addon and the model's pin before anything loads; rejects with why it cannot run. */
  static async open(options: WhisperCppOptions): Promise<WhisperCppEngine> {
    if (!existsSync(options.addonPath)) throw new Error(`the whisper.cpp addon is not built (${options.addonPath}); node media/whisper-build/build.mjs builds it`);
    if (!existsSync(options.modelPath)) throw new Error(`the model file ${options.modelPath} does not exist`);
    const actual = await sha256Of(options.modelPath);
    if (actual !== options.sha256.toLowerCase()) throw new Error(`the model file's sha256 is ${actual}, not the pinned ${options.sha256}: it is not loaded`);
    return new WhisperCppEngine(options);
  }

  transcribe(pcm: Float32Array, options: TranscribeOptions): Promise<EngineResult> {
    const run = this.queue.then(() => this.run(pcm, options));
    this.queue = run.catch(() => {});
    return run;
  }

  private spawn(): ChildProcess {
    const child = fork(CHILD, [this.options.addonPath, this.options.modelPath], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
    (child as ChildProcess & { stderrTail: () => string }).stderrTail = () => tail;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    this.child = child;
    return child;
  }

  private run(pcm: Float32Array, options: TranscribeOptions): Promise<EngineResult> {
    if (this.closed) return Promise.reject(new Error('the transcription engine is closed'));
    const id = randomUUID();
    const pcmFile = path.join(this.scratch, `${id}.f32`);
    writeFileSync(pcmFile, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const durationMs = (pcm.length / PCM_RATE) * 1000;
    const child = this.child ?? this.spawn();
    return new Promise<EngineResult>((resolve, reject) => {
      const done = (error: Error | null, result?: EngineResult) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        rmSync(pcmFile, { force: true });
        if (error) reject(error);
        else resolve(result!);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(new Error(`transcription ran past its ${Math.round(this.options.timeoutMs / 1000)} s timeout`));
      }, this.options.timeoutMs);
      const onExit = (code: number | null, signal: string | null) => {
        const tail = (child as ChildProcess & { stderrTail?: () => string }).stderrTail?.() ?? '';
        done(new Error(`the whisper.cpp process ended (${code ?? signal}): ${tail.trim().split('\n').slice(-3).join(' | ')}`));
      };
      const onMessage = (message: { type: string; id?: string; fraction?: number; message?: string; results?: RawSegment[] }) => {
        if (message.id !== id) return;
        if (message.type === 'progress') options.onProgress?.(message.fraction ?? 0);
        else if (message.type === 'error') done(new Error(`whisper.cpp: ${message.message}`));
        else if (message.type === 'result') done(null, toResult(message.results ?? [], options.language, durationMs));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'transcribe', id, pcmFile, language: options.language, threads: this.options.threads, durationMs });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.child?.kill('SIGKILL');
    this.child = null;
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** whisper.cpp's special tokens (timestamps, [_BEG_], …) are markers, not words. */
const isSpecial = (text: string) => /^\[_.*\]$/.test(text) || /^<\|.*\|>$/.test(text);

/**
 * Segments as the queue stores them: times in whole ms within the audio (a decoder can put a
 * timestamp past the end; a player cannot seek there), markers dropped, empty text dropped.
 */
function toResult(raw: RawSegment[], asked: string, durationMs: number): EngineResult {
  const end = Math.round(durationMs);
  const clamp = (ms: number) => Math.min(end, Math.max(0, Math.round(ms)));
  const segments: EngineSegment[] = raw
    .map((s) => ({
      startMs: clamp(s.from),
      endMs: Math.max(clamp(s.from), clamp(s.to)),
      text: s.text.trim(),
      words: s.tokens
        .filter((t) => !isSpecial(t.text) && t.text.trim() !== '')
        .map((t) => ({ text: t.text.trim(), startMs: clamp(t.from ?? s.from), endMs: Math.max(clamp(t.from ?? s.from), clamp(t.to ?? s.to)), p: t.p })),
      confidence: Number.isFinite(s.confidence) ? s.confidence : 0,
    }))
    .filter((s) => s.text !== '');
  return { language: raw[0]?.lang ?? (asked === 'auto' ? '' : asked), segments };
}

/** What a transcription engine gives back for one speaker's audio. */
export interface EngineSegment {
  startMs: number;
  endMs: number;
  text: string;
  /** Word (token) times, where the engine has them. */
  words: { text: string; startMs: number; endMs: number; p: number }[];
  /** The engine's own confidence, 0–1 (mean token probability). */
  confidence: number;
}

export interface EngineResult {
  /** The language spoken (detected, or the one asked for). */
  language: string;
  segments: EngineSegment[];
}

export interface TranscribeOptions {
  /** fi, sv, en, or auto (let the engine detect it). */
  language: string;
  /** Called as the engine gets through the audio, 0–1. */
  onProgress?(fraction: number): void;
}

/**
 * The seam between the job queue and a speech recogniser: 16 kHz mono float PCM in, timed segments
 * out. One implementation per folder: whisper.cpp here; a cloud or another local engine would
 * be another.
 */
export interface TranscriptionEngine {
  readonly name: string;
  /** Transcribes one channel; rejects on a timeout or a crashed engine (the queue retries). */
  transcribe(pcm: Float32Array, options: TranscribeOptions): Promise<EngineResult>;
  /** Stops the engine (its process) for good. */
  close(): Promise<void>;
}

// The whisper.cpp engine on a model the test writes itself (real format, random weights): the whole
// path runs — pin check, child process, encode, decode, timestamps, timeout — but what it "hears" is
// noise. Accuracy is not measured here; `npm run accuracy:transcription` does that with a real model.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToPcm, measureAccuracy, PCM_RATE, runFfmpeg, sha256Of, whisperAddonPath, WhisperCppEngine, wordErrorRate, writeTestModel } from '../src/index.ts';

describe('whisper.cpp engine with a generated model', () => {
  let dir: string;
  let model: string;
  let sha256: string;
  let pcm: Float32Array;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cc-whisper-test-'));
    model = path.join(dir, 'model.bin');
    writeTestModel(model);
    sha256 = await sha256Of(model);
    await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-c:a', 'libopus', path.join(dir, 'tone.opus')]);
    pcm = await decodeToPcm(path.join(dir, 'tone.opus'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same model for the same seed, and another for another seed', async () => {
    const again = path.join(dir, 'again.bin');
    writeTestModel(again);
    expect(await sha256Of(again)).toBe(sha256);
    writeTestModel(again, undefined, 2);
    expect(await sha256Of(again)).not.toBe(sha256);
  });

  it('transcribes in a child process: segments with times inside the audio, word times, the language asked for, progress', async () => {
    expect(pcm.length / PCM_RATE).toBeCloseTo(6, 1);
    const engine = await WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: model, sha256, threads: 1, timeoutMs: 60_000 });
    try {
      const progress: number[] = [];
      const result = await engine.transcribe(pcm, { language: 'fi', onProgress: (f) => progress.push(f) });
      expect(result.language).toBe('fi');
      expect(result.segments.length).toBeGreaterThan(0);
      for (const s of result.segments) {
        expect(s.text.length).toBeGreaterThan(0);
        expect(s.startMs).toBeGreaterThanOrEqual(0);
        expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
        expect(s.endMs).toBeLessThanOrEqual(6_000);
        for (const w of s.words) {
          expect(w.startMs).toBeGreaterThanOrEqual(0);
          expect(w.endMs).toBeLessThanOrEqual(6_000);
          expect(w.p).toBeGreaterThanOrEqual(0);
        }
      }
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((f) => f >= 0 && f <= 1)).toBe(true);
      // The model stays loaded: a second request (English) goes to the same process and works.
      expect((await engine.transcribe(pcm, { language: 'en' })).language).toBe('en');
    } finally {
      await engine.close();
    }
  });

  it('never loads a model whose sha256 is not the pinned one', async () => {
    await expect(WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: model, sha256: '0'.repeat(64), threads: 1, timeoutMs: 1000 })).rejects.toThrow(/not the pinned/);
    await expect(WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: path.join(dir, 'missing.bin'), sha256, threads: 1, timeoutMs: 1000 })).rejects.toThrow(/does not exist/);
  });

  it('kills a transcription past its timeout, and the next one starts a fresh process', async () => {
    // 10 minutes of audio cannot be done in 300 ms (the model alone takes longer to load).
    const long = new Float32Array(PCM_RATE * 600);
    const engine = await WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: model, sha256, threads: 1, timeoutMs: 300 });
    try {
      await expect(engine.transcribe(long, { language: 'fi' })).rejects.toThrow(/ran past its/);
    } finally {
      await engine.close();
    }
    const fresh = await WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: model, sha256, threads: 1, timeoutMs: 60_000 });
    try {
      expect((await fresh.transcribe(pcm, { language: 'en' })).segments.length).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });

  it('reports a crashed engine process as an error, not a hang', async () => {
    const broken = path.join(dir, 'broken.bin');
    writeFileSync(broken, Buffer.from('not a model'));
    const engine = await WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: broken, sha256: await sha256Of(broken), threads: 1, timeoutMs: 30_000 });
    try {
      await expect(engine.transcribe(pcm, { language: 'fi' })).rejects.toThrow(/whisper/);
    } finally {
      await engine.close();
    }
  });
});

describe('word error rate', () => {
  it('counts substitutions, deletions and insertions over the reference words, ignoring case and punctuation', () => {
    expect(wordErrorRate('Hyvää huomenta, miten voin auttaa?', 'hyvää huomenta miten voin auttaa')).toBe(0);
    // one substitution (voin → voi) in five words
    expect(wordErrorRate('hyvää huomenta miten voin auttaa', 'hyvää huomenta miten voi auttaa')).toBeCloseTo(1 / 5);
    // one deletion and one insertion in four words
    expect(wordErrorRate('the card was declined', 'card was declined today')).toBeCloseTo(2 / 4);
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
  });
});

// The accuracy harness runs whenever a real model is configured (TRANSCRIPTION_MODEL and its
// sha256); with real weights the words must mostly be right. Without one it is skipped, and says why.
describe.skipIf(!process.env.TRANSCRIPTION_MODEL || !process.env.TRANSCRIPTION_MODEL_SHA256)('accuracy with the configured real model', () => {
  it('transcribes the fixed set with a word error rate under 0.5', async () => {
    const engine = await WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: process.env.TRANSCRIPTION_MODEL!, sha256: process.env.TRANSCRIPTION_MODEL_SHA256!, threads: 2, timeoutMs: 120_000 });
    try {
      const result = await measureAccuracy(engine);
      expect(result.overall).toBeLessThan(0.5);
    } finally {
      await engine.close();
    }
  }, 600_000);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TranscriptionEngine } from './engine.ts';
import { decodeToPcm } from './pcm.ts';
import { wordErrorRate } from './wer.ts';

const SET = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'accuracy', 'sentences.json');

export interface AccuracyResult {
  sentences: { language: string; reference: string; heard: string; wer: number }[];
  /** Mean word error rate per language, and over all sentences. */
  byLanguage: Record<string, number>;
  overall: number;
}

export function speechSynthesisAvailable(): boolean {
  return spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The accuracy harness: each sentence of the fixed set spoken by espeak-ng, transcribed in its
 * language, compared word by word with what was said. Meaningful only with a real model.
 */
export async function measureAccuracy(engine: TranscriptionEngine): Promise<AccuracyResult> {
  if (!speechSynthesisAvailable()) throw new Error('the accuracy harness speaks its sentences with espeak-ng: apt-get install espeak-ng');
  const set = JSON.parse(readFileSync(SET, 'utf8')) as { sentences: { language: string; text: string }[] };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-accuracy-'));
  try {
    const sentences: AccuracyResult['sentences'] = [];
    for (const [i, s] of set.sentences.entries()) {
      const wav = path.join(dir, `${i}.wav`);
      const spoken = spawnSync('espeak-ng', ['-v', s.language, '-s', '150', '-w', wav, s.text]);
      if (spoken.status !== 0) throw new Error(`espeak-ng could not speak ${s.language}: ${spoken.stderr.toString()}`);
      const result = await engine.transcribe(await decodeToPcm(wav), { language: s.language });
      const heard = result.segments.map((seg) => seg.text).join(' ');
      sentences.push({ language: s.language, reference: s.text, heard, wer: wordErrorRate(s.text, heard) });
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const byLanguage: Record<string, number> = {};
    for (const language of new Set(sentences.map((s) => s.language))) byLanguage[language] = mean(sentences.filter((s) => s.language === language).map((s) => s.wer));
    return { sentences, byLanguage, overall: mean(sentences.map((s) => s.wer)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

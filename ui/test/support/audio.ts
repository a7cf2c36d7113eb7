import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** A mono 16-bit WAV of a sine tone: Chromium's fake microphone plays it in a loop. */
export function writeToneWav(file: string, frequency: number, seconds = 10, rate = 48_000): void {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) data.writeInt16LE(Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * frequency * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}

/** Power of one frequency in a block of samples (the Goertzel filter), normalised by the block's length. */
export function tonePower(samples: Float32Array, rate: number, frequency: number, from = 0, to = samples.length): number {
  const n = to - from;
  const w = (2 * Math.PI * frequency) / rate;
  const coefficient = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i += 1) {
    const s = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n);
}

/** The strongest frequency between 100 and 2000 Hz, in 5 Hz steps (tones here are 440, 660 and 880). */
export function dominantFrequency(samples: Float32Array, rate: number, from = 0, to = samples.length): number {
  let best = 0;
  let bestPower = -1;
  for (let f = 100; f <= 2000; f += 5) {
    const p = tonePower(samples, rate, f, from, to);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

/** Root mean square of each `window`-sample block. */
export function rmsWindows(samples: Float32Array, window: number): number[] {
  const out: number[] = [];
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i += 1) sum += samples[i]! * samples[i]!;
    out.push(Math.sqrt(sum / window));
  }
  return out;
}

/**
 * In the page: the spectrum of what its remote audio elements play right now (the widget's, inside
 * its shadow root, too), through WebAudio. Returns the peak frequency and the level at each asked
 * frequency, in dB; `filter` picks the elements (e.g. only the supervisor's).
 */
export async function listen(page: Page, frequencies: number[], selector = 'audio[data-cc-remote-audio]'): Promise<{ peak: number; levels: Record<number, number> }> {
  // A string, not a function: this file is type-checked for Node, where there is no DOM.
  return page.evaluate(`(async () => {
    const frequencies = ${JSON.stringify(frequencies)};
    const selector = ${JSON.stringify(selector)};
    const widget = document.querySelector('[data-testid=cc-widget]')?.shadowRoot;
    const elements = [...document.querySelectorAll(selector), ...(widget ? [...widget.querySelectorAll(selector)] : [])];
    const streams = elements.map((e) => e.srcObject).filter((s) => s instanceof MediaStream);
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 16384;
    analyser.smoothingTimeConstant = 0;
    for (const stream of streams) context.createMediaStreamSource(stream).connect(analyser);
    const bins = new Float32Array(analyser.frequencyBinCount);
    const sum = new Float32Array(analyser.frequencyBinCount);
    for (let i = 0; i < 8; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      analyser.getFloatFrequencyData(bins);
      for (let b = 0; b < bins.length; b += 1) sum[b] += Math.pow(10, bins[b] / 10);
    }
    const hz = context.sampleRate / analyser.fftSize;
    const db = (b) => 10 * Math.log10(Math.max(sum[b] / 8, 1e-20));
    let peak = 0;
    for (let b = Math.round(100 / hz); b < Math.round(2000 / hz); b += 1) if (db(b) > db(peak)) peak = b;
    const levels = {};
    for (const f of frequencies) {
      const b = Math.round(f / hz);
      levels[f] = Math.max(db(b - 1), db(b), db(b + 1));
    }
    await context.close();
    return { peak: Math.round(peak * hz), levels };
  })()`);
}

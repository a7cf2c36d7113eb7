import { runFfmpeg } from '../ffmpeg.ts';

/** Whisper hears 16 kHz mono. */
export const PCM_RATE = 16_000;

/** Decodes an audio file (a recording's channel) to 16 kHz mono 32-bit float PCM with ffmpeg. */
export async function decodeToPcm(file: string): Promise<Float32Array> {
  const raw = await runFfmpeg(['-i', file, '-ac', '1', '-ar', String(PCM_RATE), '-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1']);
  // Copy into an aligned buffer: a Buffer's offset inside its pool need not be a multiple of 4.
  const samples = new Float32Array(raw.length >> 2);
  new Uint8Array(samples.buffer).set(raw.subarray(0, samples.length * 4));
  return samples;
}

import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Writes a whisper.cpp model file (the ggml "bin" format whisper.cpp loads) with the shapes of a
 * real multilingual Whisper model and random weights: tests and benchmarks run the whole
 * transcription path (load, encode, decode, timestamps) without downloading any weights. Its
 * output is noise; it says nothing about accuracy.
 */
export interface TestModelShape {
  /** Width of every layer (real tiny: 384). Small keeps the file (about 14 MB at 64) and the run quick. */
  state: number;
  heads: number;
  audioLayers: number;
  textLayers: number;
}

const GGML_FILE_MAGIC = 0x67676d6c;
/** Multilingual vocabulary size (with the language and timestamp tokens whisper.cpp adds itself). */
const N_VOCAB = 51865;
/** Text tokens written to the file; whisper.cpp makes up the special ones above them. */
const N_TEXT_TOKENS = 50257;
const N_AUDIO_CTX = 1500;
const N_TEXT_CTX = 448;
const N_MELS = 80;
const N_FFT = 201;

/** A small deterministic generator (mulberry32), so a seed makes the same model every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** IEEE 754 half precision bits of a float (round to nearest; the weights are small, no infinities). */
const halfScratch = new Float32Array(1);
const halfBits = new Uint32Array(halfScratch.buffer);
function toHalf(value: number): number {
  halfScratch[0] = value;
  const bits = halfBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign; // too small for a half: zero
  if (exponent >= 31) return sign | 0x7bff; // the largest half
  return sign | (exponent << 10) | ((mantissa + 0x1000) >>> 13);
}

export function writeTestModel(file: string, shape: TestModelShape = { state: 64, heads: 2, audioLayers: 4, textLayers: 4 }, seed = 1): void {
  const next = random(seed);
  const fd = openSync(file, 'w');
  const int32 = (...values: number[]) => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeInt32LE(v, i * 4));
    writeSync(fd, b);
  };
  /** Floats in chunks (the token embedding alone is millions of them), 32 or 16 bits each. */
  const floats = (count: number, value: (i: number) => number, half = false) => {
    const chunk = 65536;
    const size = half ? 2 : 4;
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const b = Buffer.alloc(n * size);
      for (let i = 0; i < n; i += 1) {
        if (half) b.writeUInt16LE(toHalf(value(start + i)), i * 2);
        else b.writeFloatLE(value(start + i), i * 4);
      }
      writeSync(fd, b);
    }
  };
  try {
    const s = shape.state;
    // ftype 1: weight matrices (and the convolutions, which ggml's im2col wants so) in 16-bit floats.
    int32(GGML_FILE_MAGIC, N_VOCAB, N_AUDIO_CTX, s, shape.heads, shape.audioLayers, N_TEXT_CTX, s, shape.heads, shape.textLayers, N_MELS, 1);
    // Mel filters: a plain triangular bank is enough for the encoder to see something.
    int32(N_MELS, N_FFT);
    floats(N_MELS * N_FFT, (i) => {
      const mel = Math.floor(i / N_FFT);
      const bin = i % N_FFT;
      const centre = ((mel + 1) * N_FFT) / (N_MELS + 1);
      return Math.max(0, 1 - Math.abs(bin - centre) / 2);
    });
    int32(N_TEXT_TOKENS);
    for (let i = 0; i < N_TEXT_TOKENS; i += 1) {
      // whisper.cpp looks up the blank token " " by text (suppress_blank); 220 is where GPT-2 has it.
      const word = Buffer.from(i === 220 ? ' ' : ` w${i}`, 'utf8');
      int32(word.length);
      writeSync(fd, word);
    }
    const tensor = (name: string, dims: number[], value: (i: number) => number = () => (next() - 0.5) * 0.2) => {
      const bytes = Buffer.from(name, 'utf8');
      // As whisper.cpp makes them: matrices and convolutions F16; vectors and positional embeddings F32.
      const half = dims.length >= 2 && name.endsWith('.weight');
      int32(dims.length, bytes.length, half ? 1 : 0, ...dims);
      writeSync(fd, bytes);
      floats(
        dims.reduce((a, b) => a * b, 1),
        value,
        half,
      );
    };
    const ones = () => 1;
    const zeros = () => 0;
    tensor('encoder.positional_embedding', [s, N_AUDIO_CTX]);
    tensor('encoder.conv1.weight', [3, N_MELS, s]);
    tensor('encoder.conv1.bias', [1, s], zeros);
    tensor('encoder.conv2.weight', [3, s, s]);
    tensor('encoder.conv2.bias', [1, s], zeros);
    tensor('encoder.ln_post.weight', [s], ones);
    tensor('encoder.ln_post.bias', [s], zeros);
    const block = (prefix: string, cross: boolean) => {
      tensor(`${prefix}.mlp_ln.weight`, [s], ones);
      tensor(`${prefix}.mlp_ln.bias`, [s], zeros);
      tensor(`${prefix}.mlp.0.weight`, [s, 4 * s]);
      tensor(`${prefix}.mlp.0.bias`, [4 * s], zeros);
      tensor(`${prefix}.mlp.2.weight`, [4 * s, s]);
      tensor(`${prefix}.mlp.2.bias`, [s], zeros);
      for (const attention of cross ? ['attn', 'cross_attn'] : ['attn']) {
        tensor(`${prefix}.${attention}_ln.weight`, [s], ones);
        tensor(`${prefix}.${attention}_ln.bias`, [s], zeros);
        tensor(`${prefix}.${attention}.query.weight`, [s, s]);
        tensor(`${prefix}.${attention}.query.bias`, [s], zeros);
        tensor(`${prefix}.${attention}.key.weight`, [s, s]);
        tensor(`${prefix}.${attention}.value.weight`, [s, s]);
        tensor(`${prefix}.${attention}.value.bias`, [s], zeros);
        tensor(`${prefix}.${attention}.out.weight`, [s, s]);
        tensor(`${prefix}.${attention}.out.bias`, [s], zeros);
      }
    };
    for (let i = 0; i < shape.audioLayers; i += 1) block(`encoder.blocks.${i}`, false);
    tensor('decoder.positional_embedding', [s, N_TEXT_CTX]);
    tensor('decoder.token_embedding.weight', [s, N_VOCAB]);
    tensor('decoder.ln.weight', [s], ones);
    tensor('decoder.ln.bias', [s], zeros);
    for (let i = 0; i < shape.textLayers; i += 1) block(`decoder.blocks.${i}`, true);
  } finally {
    closeSync(fd);
  }
}

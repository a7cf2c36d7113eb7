// accuracy:transcription — word error rate of the configured whisper.cpp model on the fixed set
// (media/accuracy/sentences.json, spoken by espeak-ng). Without a configured model it says so: the
// test suite's generated model has random weights, and its "accuracy" would mean nothing.
//
//   TRANSCRIPTION_MODEL=/models/ggml-base.bin TRANSCRIPTION_MODEL_SHA256=… npm run accuracy:transcription
import { measureAccuracy, whisperAddonPath, WhisperCppEngine } from '../src/index.ts';

const model = process.env.TRANSCRIPTION_MODEL;
const sha256 = process.env.TRANSCRIPTION_MODEL_SHA256;
if (!model || !sha256) {
  console.log('no model is configured (TRANSCRIPTION_MODEL and TRANSCRIPTION_MODEL_SHA256): accuracy is not measured');
  console.log(JSON.stringify({ configured: false }));
  process.exit(0);
}
const engine = await WhisperCppEngine.open({ addonPath: whisperAddonPath(), modelPath: model, sha256, threads: Number(process.env.TRANSCRIPTION_THREADS ?? 2), timeoutMs: 120_000 });
try {
  const started = performance.now();
  const result = await measureAccuracy(engine);
  for (const s of result.sentences) console.log(`[${s.language}] WER ${s.wer.toFixed(2)}  said: ${s.reference}\n              heard: ${s.heard}`);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  console.log(JSON.stringify({ configured: true, model, sentences: result.sentences.length, wer: round(result.overall), ...Object.fromEntries(Object.entries(result.byLanguage).map(([l, w]) => [`wer_${l}`, round(w)])), seconds: round((performance.now() - started) / 1000) }));
} finally {
  await engine.close();
}

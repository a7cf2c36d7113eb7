// The whisper.cpp process: loads smart-whisper's addon and the model once, then transcribes one
// request at a time from its parent (WhisperCppEngine). A separate process so a crash or a stuck
// model can be killed (the timeout) without taking the server with it. Plain JS: no loader needed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [addonPath, modelPath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const binding = require(addonPath);
let model = null;

const send = (message) => process.send?.(message);

process.on('message', async (message) => {
  if (message?.type !== 'transcribe') return;
  const { id, pcmFile, language, threads, durationMs } = message;
  try {
    model ??= await binding.WhisperModel.load(modelPath, false);
    const raw = readFileSync(pcmFile);
    const pcm = new Float32Array(raw.buffer, raw.byteOffset, raw.length >> 2);
    const params = {
      language: language || 'auto',
      format: 'detail',
      token_timestamps: true,
      n_threads: threads,
      strategy: 0,
      no_context: true,
      suppress_non_speech_tokens: true,
      print_progress: false,
      print_realtime: false,
      print_timestamps: false,
    };
    binding.transcribe(
      model.handle,
      new Float32Array(pcm),
      params,
      (results) => {
        if (results instanceof Error) send({ type: 'error', id, message: results.message });
        else send({ type: 'result', id, results });
      },
      (segment) => send({ type: 'progress', id, fraction: durationMs > 0 ? Math.min(1, segment.to / durationMs) : 0 }),
    );
  } catch (error) {
    send({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
  }
});
send({ type: 'ready' });

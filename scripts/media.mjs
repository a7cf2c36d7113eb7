// Voice and transcription need three things outside npm: Debian's ffmpeg (recording mix, clips,
// PCM for transcription), the mediasoup worker (built once from the package's source with Debian's
// libraries, media/worker-build) and smart-whisper's whisper.cpp addon (compiled once for this CPU,
// media/whisper-build). `npm test` needs all three; `npm start` makes what it can and otherwise
// serves without voice, saying why.
import { spawnSync } from 'node:child_process';
import { ensureMediasoupWorker } from '../media/worker-build/build.mjs';
import { ensureWhisperAddon } from '../media/whisper-build/build.mjs';
import { aptInstall, say } from './lib.mjs';

function ensureFfmpeg() {
  const present = () => spawnSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' }).status === 0;
  if (present()) return null;
  try {
    aptInstall(['ffmpeg'], 'call recording');
  } catch (error) {
    return error.message;
  }
  return present() ? null : 'ffmpeg did not install';
}

/**
 * Makes voice (and, when asked, transcription) ready. Returns what could not be had, in words; an
 * empty list when everything is there.
 */
export async function ensureMedia({ transcription }) {
  const problems = [];
  const ffmpeg = ensureFfmpeg();
  if (ffmpeg) problems.push(ffmpeg);
  const worker = await ensureMediasoupWorker({ say });
  if (!worker.path) problems.push(worker.reason);
  if (transcription) {
    const addon = ensureWhisperAddon({ say });
    if (!addon.path) problems.push(addon.reason);
  }
  return problems;
}

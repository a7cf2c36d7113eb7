import { spawn, spawnSync } from 'node:child_process';

/** Debian's ffmpeg makes the hold and notice clips, the stereo mix, and the PCM for transcription. */
export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

export function ffmpegAvailable(): boolean {
  const probe = spawnSync(FFMPEG, ['-hide_banner', '-version'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Runs ffmpeg to completion; rejects with the tail of its log when it fails or runs past the timeout. */
export function runFfmpeg(args: string[], options: { timeoutMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2000);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited with ${code ?? signal}: ${err.trim()}`));
    });
  });
}

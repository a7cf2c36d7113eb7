import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { readOpusPackets } from '../recording/ogg-opus-reader.ts';
import { runFfmpeg } from '../ffmpeg.ts';

/**
 * What a customer hears from the system rather than from a person, as Opus packets ready to send:
 * `hold` (a soft 660 Hz chime, once a second, while the agent has them on hold or while a dropped
 * call waits for the next agent) and `agent-lost` (880, 660, 440 Hz falling: the agent's line broke).
 */
export type ClipName = 'hold' | 'agent-lost';

const SOURCES: Record<ClipName, { expression: string; seconds: number }> = {
  hold: { expression: '0.25*sin(2*PI*660*t)*lt(mod(t,1),0.6)', seconds: 1 },
  'agent-lost': {
    expression: '0.3*(sin(2*PI*880*t)*lt(t,0.3)+sin(2*PI*660*t)*gte(t,0.3)*lt(t,0.6)+sin(2*PI*440*t)*gte(t,0.6)*lt(t,0.9))',
    seconds: 1.5,
  },
};

export type Clips = Record<ClipName, Buffer[]>;

/** Encodes the clips once with ffmpeg (Opus, 20 ms frames) into `dir`, then reads their packets. */
export async function loadClips(dir: string): Promise<Clips> {
  mkdirSync(dir, { recursive: true });
  const clips = {} as Clips;
  for (const [name, source] of Object.entries(SOURCES) as [ClipName, (typeof SOURCES)[ClipName]][]) {
    const file = path.join(dir, `${name}.opus`);
    if (!existsSync(file)) {
      const partial = `${file}.partial`;
      await runFfmpeg(['-f', 'lavfi', '-i', `aevalsrc='${source.expression}':s=48000:d=${source.seconds}`, '-ac', '1', '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', '-f', 'ogg', '-y', partial]);
      renameSync(partial, file);
    }
    // The first two packets are the OpusHead and OpusTags headers.
    clips[name] = readOpusPackets(readFileSync(file));
  }
  return clips;
}

// Builds the SvelteKit app (ui/build) when it is missing or older than its sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, pnpm, say } from './lib.mjs';

function newestMtime(target) {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function ensureUiBuild({ force = false } = {}) {
  const ui = path.join(root, 'ui');
  const output = path.join(ui, 'build', 'handler.js');
  const voiceBundle = path.join(ui, 'build', 'widget-voice.js');
  const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json']
    .map((f) => path.join(ui, f))
    .filter((f) => existsSync(f));
  const built = Math.min(...[output, voiceBundle].map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const stale = force || built === 0 || sources.some((f) => newestMtime(f) > built);
  if (!stale) return;
  say('building the web app (SvelteKit) and the widget’s voice script');
  pnpm(['--filter', '@cc/ui', 'run', 'build']);
  // The widget's voice part (mediasoup-client) is loaded only when a customer presses Call: its own bundle.
  pnpm([
    '--filter', '@cc/ui', 'exec', 'esbuild', 'src/lib/voice/widget-voice.ts',
    '--bundle', '--minify', '--format=iife', '--target=es2020', '--platform=browser', '--legal-comments=none', `--outfile=${voiceBundle}`,
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureUiBuild({ force: process.argv.includes('--force') });
}

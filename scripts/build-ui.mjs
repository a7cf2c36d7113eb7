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
  const sources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json']
    .map((f) => path.join(ui, f))
    .filter((f) => existsSync(f));
  const stale = force || !existsSync(output) || sources.some((f) => newestMtime(f) > statSync(output).mtimeMs);
  if (!stale) return;
  say('building the web app (SvelteKit)');
  pnpm(['--filter', '@cc/ui', 'run', 'build']);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureUiBuild({ force: process.argv.includes('--force') });
}

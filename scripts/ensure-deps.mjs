// Installs the workspace's dependencies when they are missing or older than the lockfile.
import { existsSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, pnpm, say } from './lib.mjs';

const manifests = ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml', ...['acd', 'ingest', 'analytics', 'media', 'ui'].map((p) => `${p}/package.json`)];

export function dependenciesAreCurrent() {
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return false;
  const installedAt = statSync(marker).mtimeMs;
  return manifests.every((file) => {
    const full = path.join(root, file);
    return !existsSync(full) || statSync(full).mtimeMs <= installedAt;
  });
}

export function ensureDependencies() {
  if (dependenciesAreCurrent()) return;
  say('installing dependencies (pnpm; better-sqlite3 compiles from source the first time, about 2 minutes)');
  const frozen = existsSync(path.join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  pnpm(['install', ...frozen]);
  // pnpm leaves the marker alone when nothing changed; touch it so the next check is instant.
  const now = new Date();
  utimesSync(path.join(root, 'node_modules', '.modules.yaml'), now, now);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureDependencies();
}

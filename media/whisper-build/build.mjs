// Compiles smart-whisper's native addon (its bundled whisper.cpp) for this machine's CPU and caches
// it outside the repository, keyed by the smart-whisper version, the compiler flags and this file.
// pnpm never runs its install script (pnpm-workspace.yaml): that build has no SIMD flags and runs
// at every install, while transcription is only wanted where a model is configured (and in tests).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function smartWhisperDir() {
  const require = createRequire(path.join(here, '..', 'package.json'));
  return path.dirname(path.dirname(require.resolve('smart-whisper')));
}

/** -march=x86-64-v3 (AVX2, FMA, F16C) where the CPU has it: whisper.cpp's encoder is about ten times faster. */
export function cpuFlags() {
  if (process.arch !== 'x64') return [];
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return [];
  }
  const has = (flag) => new RegExp(`\\b${flag}\\b`).test(info);
  if (has('avx2') && has('fma') && has('f16c') && has('bmi2')) return ['-march=x86-64-v3'];
  if (has('sse4_2') && has('popcnt')) return ['-march=x86-64-v2'];
  return [];
}

function cacheRoot() {
  return process.env.WHISPER_ADDON_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'contact-center', 'smart-whisper');
}

export function addonKey(dir = smartWhisperDir()) {
  const version = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).update(cpuFlags().join(' ')).digest('hex').slice(0, 12);
  return `${version}-${hash}`;
}

/** Where the compiled addon is (or will be) for this machine. */
export function addonPath() {
  return path.join(cacheRoot(), addonKey(), 'smart-whisper.node');
}

function nodeGyp() {
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? [process.execPath, bundled] : ['npx', '--yes', 'node-gyp'];
}

/** Returns `{ path }` of a compiled addon, building it when missing, or `{ path: null, reason }`. */
export function ensureWhisperAddon({ say = console.log } = {}) {
  let dir;
  try {
    dir = smartWhisperDir();
  } catch {
    return { path: null, reason: 'the smart-whisper package is not installed' };
  }
  const target = addonPath();
  if (existsSync(target)) return { path: target };
  const flags = cpuFlags();
  const started = Date.now();
  say(`whisper.cpp: compiling smart-whisper ${addonKey(dir)} for this CPU (${flags.join(' ') || 'no SIMD flags'}; about 2 minutes, once; cached in ${path.dirname(target)})`);
  const [command, ...args] = nodeGyp();
  const flagText = ['-O3', ...flags].join(' ');
  const result = spawnSync(command, [...args, 'rebuild', '--release', `-j${Math.max(1, os.availableParallelism())}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CFLAGS: flagText, CXXFLAGS: flagText, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const tail = `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}`.trim().split('\n').slice(-15).join('\n');
    return { path: null, reason: `compiling smart-whisper failed (node-gyp exited with ${result.status ?? result.signal}):\n${tail}` };
  }
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(dir, 'build', 'Release', 'smart-whisper.node'), `${target}.partial`);
  renameSync(`${target}.partial`, target);
  say(`whisper.cpp: compiled in ${Math.round((Date.now() - started) / 1000)} s`);
  return { path: target };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = ensureWhisperAddon({ say: (m) => console.log(`\x1b[36m[cc]\x1b[0m ${m}`) });
  if (!result.path) {
    console.error(`[cc] transcription engine unavailable: ${result.reason}`);
    process.exit(1);
  }
  console.log(`[cc] smart-whisper addon: ${result.path}`);
}

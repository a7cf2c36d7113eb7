// Shared helpers for the project scripts: run a command, find the pinned pnpm, say what we do.
import { spawnSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function say(message) {
  console.log(`\x1b[36m[cc]\x1b[0m ${message}`);
}

/** The pnpm version pinned in package.json's packageManager field. */
export function pinnedPnpm() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(pkg.packageManager ?? '');
  if (!match) throw new Error('package.json must pin pnpm in "packageManager"');
  return match[1];
}

/** Runs the pinned pnpm through npm exec (fetched once from the npm registry into npm's cache). */
export function pnpm(args, options = {}) {
  return run('npm', ['exec', '--yes', `--package=pnpm@${pinnedPnpm()}`, '--', 'pnpm', ...args], options);
}

/** Runs a command in the foreground, inheriting stdio; throws on a non-zero exit. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const error = new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
    error.exitCode = result.status ?? 1;
    throw error;
  }
  return result;
}

/** Starts a long-running child whose exit code becomes ours. */
export function runForwardingSignals(command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return child;
}

/**
 * Installs Debian packages with apt-get when we run as root (CI, a fresh container); otherwise says
 * what to install. `why` names what needs them.
 */
export function aptInstall(packages, why) {
  if (process.getuid?.() !== 0) throw new Error(`${why} needs ${packages.join(' ')}: apt-get install -y ${packages.join(' ')}`);
  say(`installing ${packages.join(' ')} from Debian (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env });
}

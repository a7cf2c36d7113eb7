// Builds mediasoup's C++ worker from the source the npm package carries, with Debian's libraries
// only (no prebuilt download, no PyPI meson, no meson wraps from GitHub), and caches the binary
// outside the repository, keyed by the mediasoup version and the hash of what we change.
// See media/README.md for each change and why.
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, cpSync, createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync,
  readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const mediaRoot = path.resolve(here, '..');

/** Debian packages the build needs, by the command or pkg-config module that shows each is there. */
const DEBIAN_PACKAGES = [
  ['meson', { command: 'meson' }],
  ['ninja-build', { command: 'ninja' }],
  ['pkg-config', { command: 'pkg-config' }],
  ['g++', { command: 'g++' }],
  ['flatbuffers-compiler', { command: 'flatc' }],
  ['libabsl-dev', { module: 'absl_flat_hash_map' }],
  ['libssl-dev', { module: 'openssl' }],
  ['libuv1-dev', { module: 'libuv' }],
  ['libsrtp2-dev', { module: 'libsrtp2' }],
  ['libusrsctp-dev', { module: 'usrsctp' }],
  ['libflatbuffers-dev', { module: 'flatbuffers' }],
];

/** Wraps the worker's meson.build asks for that have no stand-in: we turn them off or never build them. */
const UNUSED_WRAPS = new Set(['liburing', 'wingetopt']);

/**
 * Source edits, each checked: if an anchor is missing (a new mediasoup), the build stops and says
 * which one, rather than building something we have not looked at.
 */
const SOURCE_EDITS = [
  {
    file: 'meson.build',
    why: "Debian bookworm's meson is 1.0.1; nothing the worker's build uses needs 1.1",
    from: "meson_version: '>= 1.1.0'",
    to: "meson_version: '>= 1.0.0'",
  },
  {
    file: 'src/RTC/DtlsTransport.cpp',
    why: 'upstream bug: the BIO callback answers 1 to BIO_CTRL_GET_KTLS_SEND on an OpenSSL built with kernel TLS (Debian), and the first DTLS handshake crashes',
    from: 'long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;',
    to: 'long resultOfcallback = ((operationType & BIO_CB_RETURN) != 0) ? static_cast<long>(ret) : 1;',
  },
];

export function mediasoupPackageDir() {
  // mediasoup's exports map hides package.json: resolve its entry point and walk up to the package.
  const require = createRequire(path.join(mediaRoot, 'package.json'));
  let dir = path.dirname(require.resolve('mediasoup'));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== 'mediasoup') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('mediasoup has no package.json');
    dir = parent;
  }
  return dir;
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

/** What the cache is keyed by: the mediasoup version and every file of ours that shapes the build. */
export function workerBuildKey(mediasoupDir = mediasoupPackageDir()) {
  const version = JSON.parse(readFileSync(path.join(mediasoupDir, 'package.json'), 'utf8')).version;
  const hash = createHash('sha256');
  for (const file of filesUnder(here)) {
    hash.update(path.relative(here, file));
    hash.update(readFileSync(file));
  }
  return { version, key: `${version}-${hash.digest('hex').slice(0, 12)}` };
}

export function workerCacheRoot() {
  return process.env.MEDIASOUP_WORKER_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'contact-center', 'mediasoup-worker');
}

/** Where mediasoup looks for its worker when MEDIASOUP_WORKER_BIN is not set. */
export function defaultWorkerPath(mediasoupDir = mediasoupPackageDir()) {
  return path.join(mediasoupDir, 'worker', 'out', 'Release', 'mediasoup-worker');
}

function isExecutableFile(file) {
  try {
    return statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function missingPackages() {
  return DEBIAN_PACKAGES.filter(([, probe]) => {
    if (probe.command) return spawnSync('sh', ['-c', `command -v ${probe.command}`], { stdio: 'ignore' }).status !== 0;
    return spawnSync('pkg-config', ['--exists', probe.module], { stdio: 'ignore' }).status !== 0;
  }).map(([name]) => name);
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

/** Runs a build step with its output in the log file; prints ninja's progress every tenth. */
function runLogged(command, args, options, logFile, say) {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`\n$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastTenth = -1;
    const onData = (chunk) => {
      log.write(chunk);
      for (const match of chunk.toString().matchAll(/\[(\d+)\/(\d+)\]/g)) {
        const tenth = Math.floor((Number(match[1]) / Number(match[2])) * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          say(`mediasoup worker: ${tenth * 10} % (${match[1]}/${match[2]} steps)`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      log.end();
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}; the log is ${logFile}`));
    });
  });
}

function prepareSource(sourceDir, buildRoot) {
  const worker = path.join(buildRoot, 'worker');
  rmSync(buildRoot, { recursive: true, force: true });
  mkdirSync(buildRoot, { recursive: true });
  // A build an earlier install may have left in the package (worker/out) is not ours.
  const stale = path.join(sourceDir, 'out');
  cpSync(sourceDir, worker, { recursive: true, filter: (src) => src !== stale });
  for (const edit of SOURCE_EDITS) {
    const file = path.join(worker, edit.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(edit.from)) throw new Error(`mediasoup worker: ${edit.file} no longer has the line we change (${edit.why}); review media/worker-build for this mediasoup version`);
    writeFileSync(file, text.replace(edit.from, edit.to));
  }
  // Each wrap names the directory meson looks in first; with --wrap-mode=nodownload a project there
  // is used as it is. Ours expose the variables the worker asks for over Debian's libraries.
  const subprojects = path.join(worker, 'subprojects');
  for (const wrap of readdirSync(subprojects).filter((f) => f.endsWith('.wrap'))) {
    const name = wrap.slice(0, -'.wrap'.length);
    if (UNUSED_WRAPS.has(name)) continue;
    const shim = path.join(here, 'subprojects', name);
    if (!existsSync(shim)) throw new Error(`mediasoup worker: no stand-in for the ${name} wrap in media/worker-build/subprojects`);
    const directory = /^directory\s*=\s*(.+)$/m.exec(readFileSync(path.join(subprojects, wrap), 'utf8'))?.[1].trim();
    if (!directory) throw new Error(`mediasoup worker: ${wrap} names no directory`);
    const target = path.join(subprojects, directory);
    cpSync(shim, target, { recursive: true });
    writeFileSync(path.join(target, 'empty.c'), '/* an empty archive: the real library is the system one */\n');
  }
  return worker;
}

/**
 * Makes sure a mediasoup worker binary is where mediasoup looks for it. Returns its path, or
 * `{ path: null, reason }` when it cannot be had (the platform then runs without voice).
 */
export async function ensureMediasoupWorker({ say = console.log, allowBuild = true } = {}) {
  if (process.env.MEDIASOUP_WORKER_BIN) {
    const bin = process.env.MEDIASOUP_WORKER_BIN;
    return isExecutableFile(bin) ? { path: bin } : { path: null, reason: `MEDIASOUP_WORKER_BIN=${bin} is not an executable file` };
  }
  let mediasoupDir;
  try {
    mediasoupDir = mediasoupPackageDir();
  } catch {
    return { path: null, reason: 'the mediasoup package is not installed' };
  }
  const { key } = workerBuildKey(mediasoupDir);
  const cacheRoot = workerCacheRoot();
  const cached = path.join(cacheRoot, key, 'mediasoup-worker');
  const linked = defaultWorkerPath(mediasoupDir);
  if (!isExecutableFile(cached)) {
    if (!allowBuild) return { path: null, reason: `the mediasoup worker ${key} is not built (npm run media:worker builds it)` };
    let missing = missingPackages();
    if (missing.length > 0 && process.getuid?.() === 0) {
      say(`mediasoup worker: installing Debian packages ${missing.join(' ')}`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
      missing = missingPackages();
    }
    if (missing.length > 0) return { path: null, reason: `building the mediasoup worker needs Debian packages: ${missing.join(' ')}` };
    const buildRoot = path.join(cacheRoot, `build-${key}`);
    const logFile = path.join(cacheRoot, `build-${key}.log`);
    mkdirSync(cacheRoot, { recursive: true });
    rmSync(logFile, { force: true });
    const started = Date.now();
    say(`mediasoup worker: building ${key} from node_modules/mediasoup/worker with Debian's libraries (12–17 min on 2 cores, once; cached in ${cacheRoot}; log ${logFile})`);
    try {
      const worker = prepareSource(path.join(mediasoupDir, 'worker'), buildRoot);
      const out = path.join(worker, 'out');
      const env = { ...process.env };
      await runLogged('meson', ['setup', out, '--wrap-mode=nodownload', '--buildtype=release', '-Dms_disable_liburing=true', '-Db_ndebug=true'], { cwd: worker, env }, logFile, say);
      // The generated FlatBuffers headers come first: no target orders them before the sources.
      await runLogged('meson', ['compile', '-C', out, 'flatbuffers-generator'], { cwd: worker, env }, logFile, () => {});
      await runLogged('meson', ['compile', '-C', out, 'mediasoup-worker'], { cwd: worker, env }, logFile, say);
      mkdirSync(path.dirname(cached), { recursive: true });
      const partial = `${cached}.partial`;
      copyFileSync(path.join(out, 'mediasoup-worker'), partial);
      chmodSync(partial, 0o755);
      renameSync(partial, cached);
      rmSync(buildRoot, { recursive: true, force: true });
      say(`mediasoup worker: built in ${Math.round((Date.now() - started) / 1000)} s`);
    } catch (error) {
      return { path: null, reason: `the mediasoup worker build failed: ${error.message}` };
    }
  }
  // Point mediasoup's default location at the cached binary, so nothing needs an environment variable.
  mkdirSync(path.dirname(linked), { recursive: true });
  let current = null;
  try {
    current = lstatSync(linked);
  } catch {
    current = null;
  }
  if (current) unlinkSync(linked);
  symlinkSync(cached, linked);
  return { path: linked };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await ensureMediasoupWorker({ say: (m) => console.log(`\x1b[36m[cc]\x1b[0m ${m}`) });
  if (!result.path) {
    console.error(`[cc] voice is off: ${result.reason}`);
    process.exit(1);
  }
  console.log(`[cc] mediasoup worker: ${result.path}`);
}

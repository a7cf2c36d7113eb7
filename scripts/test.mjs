// `npm test`: install what is missing, lint, type-check, build the web app, start a private
// PostgreSQL, make sure Chromium, ffmpeg, the mediasoup worker and the whisper.cpp addon are there,
// and run every test (unit, both stores, browser, voice).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureDependencies } from './ensure-deps.mjs';
import { ensureUiBuild } from './build-ui.mjs';
import { ensureMedia } from './media.mjs';
import { startPostgresCluster } from './postgres-cluster.mjs';
import { aptInstall, pnpm, root, say } from './lib.mjs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function ensureChromium() {
  if (!existsSync(chromium)) aptInstall(['chromium'], `the browser tests (Chromium at ${chromium})`);
}

const vitestArgs = process.argv.slice(2);
const reportFile = path.join(root, '.tmp', 'vitest-report.json');

/** One plain closing line, `tests: N passed, N failed`, that any CI log reader understands. */
function printSummary() {
  if (!existsSync(reportFile)) return;
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
let cluster;
let exitCode = 0;
const stopCluster = () => cluster?.stop();
process.on('SIGINT', () => { stopCluster(); process.exit(130); });
process.on('SIGTERM', () => { stopCluster(); process.exit(143); });

// A report from an earlier run must never speak for this one.
rmSync(reportFile, { force: true });
try {
  ensureDependencies();
  say('lint');
  pnpm(['exec', 'eslint', '.', '--max-warnings=0']);
  say('type-check (tsc --noEmit, svelte-check)');
  pnpm(['exec', 'tsc', '-p', 'tsconfig.json']);
  pnpm(['--filter', '@cc/ui', 'run', 'check']);
  ensureUiBuild();
  ensureChromium();
  // Voice tests run real calls through the SFU and transcribe with whisper.cpp: both must be here.
  const missing = await ensureMedia({ transcription: true });
  if (missing.length > 0) throw new Error(`voice cannot be tested: ${missing.join('; ')}`);
  say('starting a private PostgreSQL cluster');
  cluster = await startPostgresCluster();
  say(`PostgreSQL on 127.0.0.1:${cluster.port}`);
  mkdirSync(path.dirname(reportFile), { recursive: true });
  rmSync(reportFile, { force: true });
  pnpm(['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...vitestArgs], {
    env: { ...process.env, TEST_DATABASE_URL: cluster.url, CHROMIUM_PATH: chromium },
  });
} catch (error) {
  console.error(`[cc] ${error.message}`);
  exitCode = error.exitCode ?? 1;
} finally {
  stopCluster();
  printSummary();
}
process.exit(exitCode);

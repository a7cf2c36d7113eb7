// Runs a TypeScript entry point (simulator, benchmarks) after making sure dependencies are installed.
import { ensureDependencies } from './ensure-deps.mjs';
import { runForwardingSignals } from './lib.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args…]');
  process.exit(2);
}
ensureDependencies();
runForwardingSignals(process.execPath, ['--import', 'tsx', entry, ...args]);

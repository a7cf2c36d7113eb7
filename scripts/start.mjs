// `npm start`: install what is missing, build, then serve the platform with the demo organisation.
import { ensureDependencies } from './ensure-deps.mjs';
import { ensureUiBuild } from './build-ui.mjs';
import { runForwardingSignals, say } from './lib.mjs';

try {
  ensureDependencies();
  ensureUiBuild();
} catch (error) {
  console.error(`[cc] set-up failed: ${error.message}`);
  process.exit(error.exitCode ?? 1);
}
say('starting the server (migrations and the demo seed run at start)');
runForwardingSignals(process.execPath, ['--import', 'tsx', 'ui/server/main.ts'], {
  env: { DEMO_SEED: '1', ...process.env },
});

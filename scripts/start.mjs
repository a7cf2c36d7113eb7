// `npm start`: install what is missing, build, then serve the platform with the demo organisation.
import { ensureDependencies } from './ensure-deps.mjs';
import { ensureUiBuild } from './build-ui.mjs';
import { ensureMedia } from './media.mjs';
import { runForwardingSignals, say } from './lib.mjs';

try {
  ensureDependencies();
  ensureUiBuild();
  if (!/^(0|false|off|no)$/i.test(process.env.VOICE ?? '')) {
    // The first start builds the mediasoup worker (several minutes, once); without it the platform
    // still serves every other channel and says why voice is off.
    const missing = await ensureMedia({ transcription: Boolean(process.env.TRANSCRIPTION_MODEL) });
    for (const problem of missing) console.error(`[cc] voice or transcription is off: ${problem}`);
  }
} catch (error) {
  console.error(`[cc] set-up failed: ${error.message}`);
  process.exit(error.exitCode ?? 1);
}
say('starting the server (migrations and the demo seed run at start)');
runForwardingSignals(process.execPath, ['--import', 'tsx', 'ui/server/main.ts'], {
  env: { DEMO_SEED: '1', ...process.env },
});

import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DEMO_AGENT_USERNAMES, DEMO_PASSWORD, DEMO_STAFF } from './seed/demo-organisation.ts';

// The process entry: read the environment, build the app, listen, and shut down cleanly on signals.
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const { app } = await buildApp({ config });
await app.listen({ host: config.host, port: config.port });
const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
const port = (app.server.address() as { port: number }).port;
console.log(`\nContact center at http://${shownHost}:${port}`);
if (config.demoSeed) {
  console.log(`Demo sign-ins (password "${DEMO_PASSWORD}"): ${[...DEMO_STAFF.map((s) => s.username), ...DEMO_AGENT_USERNAMES].join(', ')}\n`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests, closing stores');
    const force = setTimeout(() => {
      app.log.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  });
}

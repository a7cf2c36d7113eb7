import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs the real entry point (as `npm start` does) and collects its output until it exits. */
function runMain(env: Record<string, string>, onOutput?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ui/server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output, child);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
}

describe('the server process', () => {
  it('refuses to start on bad configuration, naming each bad value', async () => {
    const result = await runMain({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'silent' });
    expect(result.code).toBe(2);
    expect(result.output).toContain('PORT="eighty" must be a whole number from 0 to 65535');
    expect(result.output).toContain('DATABASE_URL must be a postgres: or postgresql:// URL');
    expect(result.output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('serves, then on %s stops accepting, closes the stores and exits 0', async (signal) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-main-'));
    let health: unknown;
    let signalled = false;
    const result = await runMain({ PORT: '0', DATA_DIR: dataDir, DEMO_SEED: '1', LOG_LEVEL: 'info', INBOUND_SMTP_PORT: '0' }, (output, child) => {
      const match = /Contact center at (http:\/\/\S+)/.exec(output);
      if (match && !signalled) {
        signalled = true;
        fetch(`${match[1]}/api/health`)
          .then(async (response) => {
            health = await response.json();
          })
          .finally(() => child.kill(signal));
      }
    });
    try {
      expect(health).toMatchObject({ status: 'ok', stores: { oltp: { dialect: 'sqlite' }, analytics: { engine: 'chdb' } } });
      expect(result.code).toBe(0);
      expect(result.output).toContain('Demo sign-ins (password "demo-password"): admin, supervisor, qa, analyst, agent1');
      expect(result.output).toContain(`"signal":"${signal}"`);
      expect(result.output).toContain('shutting down');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

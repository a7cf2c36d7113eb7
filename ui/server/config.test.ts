import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, '/srv/cc');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: path.resolve('/srv/cc/data'),
      databaseUrl: undefined,
      clickhouseUrl: undefined,
      clickhouseDatabase: 'contact_center',
      logLevel: 'info',
      trustProxy: false,
      demoSeed: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      { PORT: '9000', DATA_DIR: '/var/lib/cc', DATABASE_URL: 'postgres://u:p@db:5432/cc', CLICKHOUSE_URL: 'https://ch:8443', TRUST_PROXY: 'true', DEMO_SEED: '0', LOG_LEVEL: 'warn' },
      '/',
    );
    expect(config).toMatchObject({ port: 9000, dataDir: '/var/lib/cc', databaseUrl: 'postgres://u:p@db:5432/cc', clickhouseUrl: 'https://ch:8443', trustProxy: true, demoSeed: false, logLevel: 'warn' });
  });

  it('names every bad value at once, without echoing URLs that may hold passwords', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '80a', DATABASE_URL: 'mysql://root:hunter2@db/cc', CLICKHOUSE_URL: 'not a url', LOG_LEVEL: 'loud', TRUST_PROXY: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/PORT="80a" must be a whole number from 0 to 65535/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must be a postgres: or postgresql:\/\/ URL/);
    expect(problems.join('\n')).toMatch(/CLICKHOUSE_URL is not a valid URL/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL="loud"/);
    expect(problems.join('\n')).toMatch(/TRUST_PROXY="maybe"/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuses a port out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000"/);
  });
});

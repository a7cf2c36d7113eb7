import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';

describe.each(testDatabases())('the server on $name', (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database);
  });
  afterAll(async () => t.close());

  it('GET /api/health says ok with each store', async () => {
    const response = await t.call('GET', '/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      stores: {
        oltp: { status: 'ok', dialect: database.name },
        analytics: { status: 'ok', engine: 'chdb', version: expect.stringMatching(/^\d+\./) },
      },
      // The live ACD has already written its start (agents' memberships); shipping them is the writer's business.
      events: { status: 'ok', backlogBytes: expect.any(Number), shippedEvents: expect.any(Number), lastShippedAt: expect.toSatisfy((v: unknown) => v === null || typeof v === 'number') },
      // Voice is off in these tests, and health says why (it does not make the server unhealthy).
      voice: { enabled: false, reason: 'VOICE is off in the configuration' },
      transcription: { configured: false, engine: null, reason: 'no model is configured (TRANSCRIPTION_MODEL and TRANSCRIPTION_MODEL_SHA256)' },
    });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers an unknown API route with a coded 404 in JSON', async () => {
    const response = await t.call('GET', '/api/no/such/thing');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /api/no/such/thing' } });
  });

  it('answers a body over the limit with 413 and a code', async () => {
    const admin = await t.signIn('admin');
    const response = await t.call('POST', '/api/config/skills', { as: admin, body: { name: 'x', description: 'y'.repeat(1_100_000) } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('turns an unexpected failure into a 500 with an opaque id and no internals; health turns 503', async () => {
    const admin = await t.signIn('admin');
    await t.oltp.close(); // the database goes away under the running app
    const response = await t.call('GET', '/api/config/queues', { as: admin });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'errorId', 'message']);
    expect(response.body).not.toMatch(/at \w+ \(|\.ts:\d+|kysely|sqlite|postgres|driver/i);

    const health = await t.call('GET', '/api/health');
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'error', stores: { oltp: { status: 'error' }, analytics: { status: 'ok' } } });
    expect(health.body).not.toContain('closed');
  });
});

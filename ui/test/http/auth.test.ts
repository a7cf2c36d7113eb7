import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { DEMO_PASSWORD } from '../../server/seed/demo-organisation.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';

describe.each(testDatabases())('sign-in, sessions and CSRF on $name', (database) => {
  let t: TestApp;
  let now = Date.UTC(2026, 11, 3, 8, 0, 0);

  beforeAll(async () => {
    t = await startTestApp(database, {
      now: () => now,
      signInLimits: { windowMs: 15 * 60_000, perAddress: 1000, failuresPerUsername: 5 },
      config: { ...loadConfig({ TRUST_PROXY: '1', LOG_LEVEL: 'silent', DEMO_SEED: '1' }) },
    });
  });
  afterAll(async () => t.close());

  const signIn = (username: string, password: string, headers: Record<string, string> = {}) =>
    t.call('POST', '/api/auth/sign-in', { body: { username, password }, headers });

  it('signs in with an HttpOnly, SameSite=Lax session cookie and says where to land', async () => {
    const response = await signIn('Supervisor', DEMO_PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user).toMatchObject({ username: 'supervisor', displayName: 'Sanna Esimies', roles: ['supervisor'] });
    expect(body.landing).toBe('/supervisor');
    expect(body.areas).toEqual(['/supervisor', '/reports']);
    expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
    const cookie = response.cookies.find((c) => c.name === 'cc_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeUndefined();
  });

  it('marks the cookie Secure when served over TLS (behind a trusted proxy)', async () => {
    const response = await signIn('qa', DEMO_PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(response.cookies.find((c) => c.name === 'cc_session')!.secure).toBe(true);
  });

  it('refuses wrong passwords and unknown users alike, and audits both', async () => {
    const wrong = await signIn('analyst', 'not-the-password');
    const unknown = await signIn('nobody-here', 'whatever-123');
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toEqual({ code: 'INVALID_CREDENTIALS', message: 'Wrong username or password' });
      expect(response.cookies).toHaveLength(0);
    }
    const admin = await t.signIn('admin');
    const failures = (await t.call('GET', '/api/audit?action=auth.sign_in_failed', { as: admin })).json().items;
    expect(failures.map((f: { actorUsername: string; details: { reason: string } }) => [f.actorUsername, f.details.reason])).toEqual([
      ['nobody-here', 'unknown-user'],
      ['analyst', 'wrong-password'],
    ]);
    const signIns = (await t.call('GET', '/api/audit?action=auth.sign_in', { as: admin })).json().items;
    expect(signIns.map((s: { actorUsername: string }) => s.actorUsername)).toEqual(expect.arrayContaining(['supervisor', 'qa', 'admin']));
    expect(JSON.stringify(failures)).not.toContain('not-the-password');
  });

  it('resolves the session, and sign-out ends it', async () => {
    const me = await t.signIn('agent2');
    const session = await t.call('GET', '/api/auth/session', { as: me });
    expect(session.statusCode).toBe(200);
    expect(session.json().user.username).toBe('agent2');
    expect((await t.call('POST', '/api/auth/sign-out', { as: me })).statusCode).toBe(200);
    const after = await t.call('GET', '/api/auth/session', { as: me });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('NOT_SIGNED_IN');
  });

  it('ends a session after the idle timeout', async () => {
    const me = await t.signIn('agent3');
    now += 11 * 3600_000;
    expect((await t.call('GET', '/api/auth/session', { as: me })).statusCode).toBe(200);
    now += 12 * 3600_000 + 1;
    expect((await t.call('GET', '/api/auth/session', { as: me })).statusCode).toBe(401);
  });

  describe('CSRF', () => {
    const skill = { name: 'Norsk', description: '' };

    it('refuses a state change without the token, with a wrong one, or from another origin; nothing is written', async () => {
      const admin = await t.signIn('admin');
      const before = (await t.call('GET', '/api/config/skills', { as: admin })).json().items.length;
      const missing = await t.call('POST', '/api/config/skills', { as: admin, body: skill, csrf: false });
      const wrong = await t.call('POST', '/api/config/skills', { as: admin, body: skill, csrf: 'x'.repeat(43) });
      const otherUsers = await t.call('POST', '/api/config/skills', { as: admin, body: skill, csrf: (await t.signIn('admin')).csrfToken });
      const crossOrigin = await t.call('POST', '/api/config/skills', { as: admin, body: skill, headers: { origin: 'https://evil.example' } });
      const crossSite = await t.call('POST', '/api/config/skills', { as: admin, body: skill, headers: { 'sec-fetch-site': 'cross-site' } });
      for (const [response, code] of [
        [missing, 'CSRF_TOKEN_INVALID'],
        [wrong, 'CSRF_TOKEN_INVALID'],
        [otherUsers, 'CSRF_TOKEN_INVALID'],
        [crossOrigin, 'CSRF_ORIGIN_MISMATCH'],
        [crossSite, 'CSRF_ORIGIN_MISMATCH'],
      ] as const) {
        expect(response.statusCode).toBe(403);
        expect(response.json().error.code).toBe(code);
      }
      expect((await t.call('GET', '/api/config/skills', { as: admin })).json().items.length).toBe(before);
    });

    it('accepts the session token from the same origin', async () => {
      const admin = await t.signIn('admin');
      const response = await t.call('POST', '/api/config/skills', { as: admin, body: skill, headers: { origin: 'http://localhost:80' } });
      expect(response.statusCode).toBe(201);
    });

    it('refuses a cross-origin sign-in (login CSRF) and form-encoded bodies', async () => {
      const crossOrigin = await signIn('admin', DEMO_PASSWORD, { origin: 'https://evil.example' });
      expect(crossOrigin.statusCode).toBe(403);
      const form = await t.app.inject({ method: 'POST', url: '/api/auth/sign-in', headers: { 'content-type': 'text/plain' }, payload: '{"username":"admin","password":"demo-password"}' });
      expect(form.statusCode).toBe(415);
      expect(form.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  it('rate-limits guessing one username: the sixth try is refused even with the right password, until the window passes', async () => {
    for (let i = 0; i < 5; i += 1) expect((await signIn('agent9', `guess-${i}`)).statusCode).toBe(401);
    const limited = await signIn('agent9', DEMO_PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('SIGN_IN_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBe(900);
    expect(limited.cookies).toHaveLength(0);
    now += 15 * 60_000 + 1;
    expect((await signIn('agent9', DEMO_PASSWORD)).statusCode).toBe(200);
  });

  it('changes a password: the old one stops working and other sessions end', async () => {
    const here = await t.signIn('agent4');
    const elsewhere = await t.signIn('agent4');
    const weak = await t.call('POST', '/api/auth/password', { as: here, body: { currentPassword: DEMO_PASSWORD, newPassword: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error).toMatchObject({ code: 'PASSWORD_TOO_WEAK', field: 'newPassword' });
    const wrongCurrent = await t.call('POST', '/api/auth/password', { as: here, body: { currentPassword: 'nope-nope-nope', newPassword: 'a-brand-new-password' } });
    expect(wrongCurrent.statusCode).toBe(401);
    const changed = await t.call('POST', '/api/auth/password', { as: here, body: { currentPassword: DEMO_PASSWORD, newPassword: 'a-brand-new-password' } });
    expect(changed.statusCode).toBe(200);
    expect((await t.call('GET', '/api/auth/session', { as: here })).statusCode).toBe(200);
    expect((await t.call('GET', '/api/auth/session', { as: elsewhere })).statusCode).toBe(401);
    expect((await signIn('agent4', DEMO_PASSWORD)).statusCode).toBe(401);
    expect((await signIn('agent4', 'a-brand-new-password')).statusCode).toBe(200);
  });
});

describe.each(testDatabases())('sign-in rate limit per address on $name', (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(database, { signInLimits: { windowMs: 60_000, perAddress: 3, failuresPerUsername: 100 } });
  });
  afterAll(async () => t.close());

  it('stops one address spraying many usernames', async () => {
    const statuses = [];
    for (const username of ['a1', 'a2', 'a3', 'a4']) {
      statuses.push((await t.call('POST', '/api/auth/sign-in', { body: { username, password: 'x-x-x-x-x' } })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessControl } from '../../server/http/access-control.ts';
import type { ApiKeys } from '../../server/auth/api-keys.ts';
import type { SessionStore } from '../../server/auth/session-store.ts';
import { allows, ROLES, type Role } from '../../server/access.ts';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';

const USER_FOR_ROLE: Record<Role, string> = { agent: 'agent1', supervisor: 'supervisor', qa: 'qa', analyst: 'analyst', admin: 'admin' };
const CONFIG = ['users', 'teams', 'skills', 'queues', 'service-roles', 'classification-groups', 'business-hours'];

/** A concrete URL for a route pattern: ids become fresh UUIDs (no such item). */
const concrete = (url: string) => url.replace(/:id/g, randomUUID());

describe.each(testDatabases())('role boundaries over HTTP on $name', (database) => {
  let t: TestApp;
  const callers = {} as Record<Role, Caller>;

  beforeAll(async () => {
    t = await startTestApp(database);
    for (const role of ROLES) callers[role] = await t.signIn(USER_FOR_ROLE[role]);
  });
  afterAll(async () => t.close());

  it('lists every /api route with a declared rule', () => {
    const urls = t.app.accessTable.map((r) => `${r.method} ${r.url}`);
    expect(urls).toContain('GET /api/health');
    expect(urls).toContain('POST /api/config/queues');
    expect(urls).toContain('DELETE /api/config/users/:id');
    expect(urls.length).toBeGreaterThanOrEqual(CONFIG.length * 5 + 6);
  });

  it('turns away anonymous callers from every route that is not public', async () => {
    for (const route of t.app.accessTable) {
      if ('public' in route.access) continue;
      const response = await t.call(route.method, concrete(route.url), { body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json().error.code).toBe('NOT_SIGNED_IN');
    }
  });

  it('refuses, with 403 and before reading the body, every route a role does not hold', async () => {
    for (const role of ROLES) {
      for (const route of t.app.accessTable) {
        if (allows(route.access, [role]) === 'ok') continue;
        const response = await t.call(route.method, concrete(route.url), { as: callers[role], body: route.method === 'GET' || route.method === 'DELETE' ? undefined : { junk: true } });
        expect(response.statusCode, `${role}: ${route.method} ${route.url}`).toBe(403);
        expect(response.json().error.code).toBe('FORBIDDEN');
      }
    }
  });

  it('an agent can neither read nor change configuration', async () => {
    for (const path of CONFIG) {
      expect((await t.call('GET', `/api/config/${path}`, { as: callers.agent })).statusCode).toBe(403);
      expect((await t.call('POST', `/api/config/${path}`, { as: callers.agent, body: { name: 'x' } })).statusCode).toBe(403);
    }
    expect((await t.call('GET', '/api/audit', { as: callers.agent })).statusCode).toBe(403);
  });

  it('an analyst cannot change anything, but reads configuration', async () => {
    // POST /api/reports/sql reads (a query in a body); reports.test.ts proves it refuses every write.
    const writes = t.app.accessTable.filter((r) => r.method !== 'GET' && !('public' in r.access) && !('signedIn' in r.access) && r.url !== '/api/reports/sql');
    expect(writes.length).toBeGreaterThan(20);
    for (const route of writes) {
      const response = await t.call(route.method, concrete(route.url), { as: callers.analyst, body: route.method === 'DELETE' ? undefined : {} });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
    expect((await t.call('GET', '/api/config/queues', { as: callers.analyst })).statusCode).toBe(200);
    expect((await t.call('GET', '/api/config/users', { as: callers.analyst })).statusCode).toBe(403);
  });

  it('only admins manage users', async () => {
    const body = { username: 'newbie', displayName: 'New Bie', password: 'long-enough-pw', language: 'fi', active: true, roles: ['agent'], skills: [], teamIds: [], serviceRoleIds: [], activeServiceRoleId: null };
    for (const role of ['agent', 'supervisor', 'qa', 'analyst'] as const) {
      expect((await t.call('POST', '/api/config/users', { as: callers[role], body })).statusCode).toBe(403);
    }
    expect((await t.call('GET', '/api/config/users', { as: callers.supervisor })).statusCode).toBe(200);
    const created = await t.call('POST', '/api/config/users', { as: callers.admin, body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ username: 'newbie', roles: ['agent'], active: true });
    expect(created.json()).not.toHaveProperty('password');
    expect(JSON.stringify(created.json())).not.toMatch(/scrypt/);
  });

  it('lets each reader role read the configuration it needs', async () => {
    for (const role of ['supervisor', 'qa', 'analyst', 'admin'] as const) {
      const response = await t.call('GET', '/api/config/queues', { as: callers[role] });
      expect(response.statusCode).toBe(200);
      expect(response.json().items.map((q: { name: string }) => q.name)).toEqual(['Asiakaspalvelu', 'Laskutus', 'Myynti', 'VIP', 'Verkkokauppa']);
    }
  });

  it('a supervisor puts an agent into a service role with one call; the agent switches among their own', async () => {
    const roles = (await t.call('GET', '/api/config/service-roles', { as: callers.supervisor })).json().items as { id: string; name: string }[];
    const laskutus = roles.find((r) => r.name === 'Laskutus')!;
    const mine = (await t.call('GET', '/api/me/service-roles', { as: callers.agent })).json();
    expect(mine.items.map((r: { name: string }) => r.name)).toEqual(['Myynti', 'VIP-palvelu']);
    expect(mine.activeServiceRoleId).toBe(mine.items.find((r: { name: string }) => r.name === 'Myynti').id);

    // Not held: the agent cannot take it, the supervisor can give it.
    const denied = await t.call('PUT', '/api/me/active-service-role', { as: callers.agent, body: { serviceRoleId: laskutus.id } });
    expect(denied.statusCode).toBe(403);
    const assigned = await t.call('PUT', `/api/config/users/${callers.agent.userId}/active-service-role`, { as: callers.supervisor, body: { serviceRoleId: laskutus.id } });
    expect(assigned.statusCode).toBe(200);
    const after = (await t.call('GET', '/api/me/service-roles', { as: callers.agent })).json();
    expect(after.activeServiceRoleId).toBe(laskutus.id);
    expect(after.items.map((r: { name: string }) => r.name)).toEqual(['Laskutus', 'Myynti', 'VIP-palvelu']);

    const back = await t.call('PUT', '/api/me/active-service-role', { as: callers.agent, body: { serviceRoleId: mine.activeServiceRoleId } });
    expect(back.statusCode).toBe(200);
    const audit = (await t.call('GET', '/api/audit?action=user.service_role_switched', { as: callers.admin })).json().items;
    expect(audit).toHaveLength(2);
    expect(audit.map((a: { actorUsername: string }) => a.actorUsername)).toEqual(['agent1', 'supervisor']);
  });
});

describe('access declarations', () => {
  it('refuses to start with an /api route that declares no access rule', async () => {
    const app = Fastify();
    await app.register(cookie);
    await app.register(accessControl, { sessions: { resolve: async () => null } as unknown as SessionStore, apiKeys: { resolve: async () => null } as unknown as ApiKeys });
    await expect(
      app.register(async (scope) => {
        scope.get('/api/forgotten', async () => ({ open: true }));
      }),
    ).rejects.toThrow(/GET \/api\/forgotten declares no access rule/);
    await app.close();
  });
});

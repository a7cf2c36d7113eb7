import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/stores/oltp/schema.ts';
import { startTestApp, type Caller, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';

type Body = Record<string, unknown>;
interface Ids {
  skill: string;
  queue: string;
  serviceRole: string;
  classificationGroup: string;
  businessHours: string;
  team: string;
  agent: string;
}

/** A valid body per resource, built from seeded ids, and bad variants with the field they must name. */
const RESOURCES: Record<string, { valid: (ids: Ids) => Body; bad: (ids: Ids) => [string, Body, string, string?][]; edit?: [string, string]; unique?: string }> = {
  skills: {
    valid: () => ({ name: 'Deutsch', description: 'Serves in German' }),
    bad: () => [
      ['missing name', { description: 'x' }, 'name'],
      ['blank name', { name: '   ' }, 'name'],
      ['unknown field', { name: 'X', colour: 'red' }, 'colour'],
      ['wrong type', { name: 42 }, 'name'],
    ],
  },
  teams: {
    valid: (ids) => ({ name: 'Tiimi Oulu', memberIds: [ids.agent] }),
    bad: (ids) => [
      ['missing members', { name: 'T' }, 'memberIds'],
      ['member not a uuid', { name: 'T', memberIds: ['bob'] }, 'memberIds/0'],
      ['unknown member', { name: 'T', memberIds: [ids.agent, randomUUID()] }, 'memberIds/1', 'REFERENCE_NOT_FOUND'],
      ['repeated member', { name: 'T', memberIds: [ids.agent, ids.agent] }, 'memberIds'],
    ],
  },
  queues: {
    valid: (ids) => ({
      name: 'Reklamaatiot',
      description: 'Complaints',
      channels: ['email', 'chat'],
      strategy: 'round-robin',
      serviceLevel: { thresholdSeconds: 60, targetPercent: 80 },
      wrapUpSeconds: 45,
      classificationRequired: true,
      classificationGroupId: ids.classificationGroup,
      businessHoursId: ids.businessHours,
      maxQueueLength: 25,
      priority: 60,
    }),
    bad: (ids) => {
      const ok = RESOURCES.queues!.valid(ids);
      return [
        ['no channels', { ...ok, channels: [] }, 'channels'],
        ['unknown channel', { ...ok, channels: ['fax'] }, 'channels/0'],
        ['unknown strategy', { ...ok, strategy: 'random' }, 'strategy'],
        ['SL percent over 100', { ...ok, serviceLevel: { thresholdSeconds: 20, targetPercent: 120 } }, 'serviceLevel/targetPercent'],
        ['SL threshold missing', { ...ok, serviceLevel: { targetPercent: 80 } }, 'serviceLevel/thresholdSeconds'],
        ['negative wrap-up', { ...ok, wrapUpSeconds: -1 }, 'wrapUpSeconds'],
        ['fractional priority', { ...ok, priority: 1.5 }, 'priority'],
        ['zero max length', { ...ok, maxQueueLength: 0 }, 'maxQueueLength'],
        ['required classification without a group', { ...ok, classificationGroupId: null }, 'classificationGroupId'],
        ['unknown business hours', { ...ok, businessHoursId: randomUUID() }, 'businessHoursId', 'REFERENCE_NOT_FOUND'],
        ['unknown classification group', { ...ok, classificationGroupId: randomUUID() }, 'classificationGroupId', 'REFERENCE_NOT_FOUND'],
        ['string boolean', { ...ok, classificationRequired: 'yes' }, 'classificationRequired'],
      ];
    },
  },
  'service-roles': {
    valid: (ids) => ({ name: 'Ilta', description: 'Evening shift', memberships: [{ queueId: ids.queue, priority: 2 }] }),
    bad: (ids) => [
      ['priority 0', { name: 'R', memberships: [{ queueId: ids.queue, priority: 0 }] }, 'memberships/0/priority'],
      ['unknown queue', { name: 'R', memberships: [{ queueId: ids.queue, priority: 1 }, { queueId: randomUUID(), priority: 2 }] }, 'memberships/1/queueId', 'REFERENCE_NOT_FOUND'],
      ['same queue twice', { name: 'R', memberships: [{ queueId: ids.queue, priority: 1 }, { queueId: ids.queue, priority: 2 }] }, 'memberships/1/queueId'],
      ['membership without priority', { name: 'R', memberships: [{ queueId: ids.queue }] }, 'memberships/0/priority'],
    ],
  },
  'classification-groups': {
    valid: () => ({ name: 'Palaute', classifications: [{ code: 'praise', name: 'Kiitos' }, { code: 'idea', name: 'Kehitysidea' }] }),
    bad: () => [
      ['code with spaces', { name: 'G', classifications: [{ code: 'bad code', name: 'x' }] }, 'classifications/0/code'],
      ['repeated code', { name: 'G', classifications: [{ code: 'a', name: 'x' }, { code: 'A', name: 'y' }] }, 'classifications/1/code'],
      ['missing classifications', { name: 'G' }, 'classifications'],
    ],
  },
  'business-hours': {
    valid: () => ({
      name: 'Kesä',
      timeZone: 'Europe/Stockholm',
      weekly: [{ day: 1, open: '09:00', close: '12:00' }, { day: 1, open: '13:00', close: '17:00' }],
      holidays: [{ date: '2027-06-25', name: 'Midsommarafton' }, { date: '2027-12-31', name: 'Nyårsafton', open: '09:00', close: '13:00' }],
    }),
    bad: () => {
      const ok = RESOURCES['business-hours']!.valid({} as Ids);
      return [
        ['unknown zone', { ...ok, timeZone: 'Mars/Olympus' }, 'timeZone'],
        ['day 8', { ...ok, weekly: [{ day: 8, open: '09:00', close: '10:00' }] }, 'weekly/0/day'],
        ['25:00', { ...ok, weekly: [{ day: 1, open: '09:00', close: '25:00' }] }, 'weekly/0/close'],
        ['closes before it opens', { ...ok, weekly: [{ day: 2, open: '17:00', close: '09:00' }] }, 'weekly/0/close'],
        ['overlap', { ...ok, weekly: [{ day: 3, open: '08:00', close: '12:00' }, { day: 3, open: '11:00', close: '15:00' }] }, 'weekly/1'],
        ['30 February', { ...ok, holidays: [{ date: '2027-02-30', name: 'x' }] }, 'holidays/0/date'],
        ['same holiday twice', { ...ok, holidays: [{ date: '2027-05-01', name: 'Vappu' }, { date: '2027-05-01', name: 'Vappu' }] }, 'holidays/1/date'],
        ['opening without closing', { ...ok, holidays: [{ date: '2027-05-01', name: 'Vappu', open: '10:00' }] }, 'holidays/0/close'],
      ];
    },
  },
  'email-routes': {
    valid: (ids) => ({ address: 'reklamaatiot@demo.example', queueId: ids.queue }),
    edit: ['address', 'valitukset@demo.example'],
    unique: 'address',
    bad: (ids) => [
      ['not an address', { address: 'reklamaatiot', queueId: ids.queue }, 'address'],
      ['unknown queue', { address: 'x@demo.example', queueId: randomUUID() }, 'queueId', 'REFERENCE_NOT_FOUND'],
      ['missing queue', { address: 'x@demo.example' }, 'queueId'],
    ],
  },
  'feedback-topics': {
    valid: (ids) => ({ code: 'returns', name: 'Palautukset', queueId: ids.queue, position: 5 }),
    unique: 'code',
    bad: (ids) => [
      ['code with capitals', { code: 'Returns', name: 'x', queueId: ids.queue }, 'code'],
      ['unknown queue', { code: 'x', name: 'x', queueId: randomUUID() }, 'queueId', 'REFERENCE_NOT_FOUND'],
      ['negative position', { code: 'x', name: 'x', queueId: ids.queue, position: -1 }, 'position'],
    ],
  },
  users: {
    valid: (ids) => ({
      username: 'Uusi.Agentti',
      displayName: 'Uusi Agentti',
      email: 'uusi@demo.example',
      password: 'long-enough-password',
      language: 'sv',
      active: true,
      roles: ['agent', 'qa'],
      skills: [{ skillId: ids.skill, proficiency: 4 }],
      teamIds: [ids.team],
      serviceRoleIds: [ids.serviceRole],
      activeServiceRoleId: ids.serviceRole,
    }),
    bad: (ids) => {
      const ok = RESOURCES.users!.valid(ids);
      return [
        ['no password on create', { ...ok, password: undefined }, 'password'],
        ['short password', { ...ok, password: 'short' }, 'password', 'PASSWORD_TOO_WEAK'],
        ['unknown role', { ...ok, roles: ['agent', 'root'] }, 'roles/1'],
        ['proficiency 6', { ...ok, skills: [{ skillId: ids.skill, proficiency: 6 }] }, 'skills/0/proficiency'],
        ['unknown skill', { ...ok, skills: [{ skillId: randomUUID(), proficiency: 3 }] }, 'skills/0/skillId', 'REFERENCE_NOT_FOUND'],
        ['same skill twice', { ...ok, skills: [{ skillId: ids.skill, proficiency: 3 }, { skillId: ids.skill, proficiency: 4 }] }, 'skills/1/skillId'],
        ['active role not held', { ...ok, serviceRoleIds: [], activeServiceRoleId: ids.serviceRole }, 'activeServiceRoleId'],
        ['language de', { ...ok, language: 'de' }, 'language'],
        ['bad email', { ...ok, email: 'not-an-email' }, 'email'],
        ['username with space', { ...ok, username: 'a b' }, 'username'],
        ['unknown team', { ...ok, teamIds: [randomUUID()] }, 'teamIds/0', 'REFERENCE_NOT_FOUND'],
      ];
    },
  },
};

const TABLES: (keyof Database)[] = [
  'users', 'user_roles', 'teams', 'team_members', 'skills', 'user_skills', 'business_hours', 'classification_groups',
  'classifications', 'queues', 'service_roles', 'service_role_queues', 'user_service_roles', 'audit_log', 'sessions',
];

describe.each(testDatabases())('configuration API on $name', (database) => {
  let t: TestApp;
  let admin: Caller;
  let ids: Ids;

  const rowCounts = async () => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const row = await t.oltp.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  };
  const list = async (path: string) => (await t.call('GET', `/api/config/${path}`, { as: admin })).json().items as ({ id: string; name?: string; username?: string } & Body)[];

  beforeAll(async () => {
    t = await startTestApp(database);
    admin = await t.signIn('admin');
    const pick = async (path: string, name: string) => (await list(path)).find((item) => item.name === name || item.username === name)!.id;
    ids = {
      skill: await pick('skills', 'Suomi'),
      queue: await pick('queues', 'Myynti'),
      serviceRole: await pick('service-roles', 'Laskutus'),
      classificationGroup: await pick('classification-groups', 'Asiakaspalvelu'),
      businessHours: await pick('business-hours', 'Arkisin 8–18'),
      team: await pick('teams', 'Tiimi Helsinki'),
      agent: await pick('users', 'agent1'),
    };
  });
  afterAll(async () => t.close());

  describe.each(Object.keys(RESOURCES))('%s', (path) => {
    const resource = RESOURCES[path]!;

    it('refuses every bad body with 400, its code and field, on create and on replace, and writes nothing', async () => {
      const existingId = (await list(path))[0]!.id;
      const before = await rowCounts();
      const existingBefore = (await t.call('GET', `/api/config/${path}/${existingId}`, { as: admin })).json();
      for (const [label, body, field, code = 'VALIDATION_FAILED'] of resource.bad(ids)) {
        const created = await t.call('POST', `/api/config/${path}`, { as: admin, body });
        expect(created.statusCode, `POST ${label}`).toBe(400);
        expect(created.json().error, `POST ${label}`).toMatchObject({ code, field });
        expect(created.json().error.message).toEqual(expect.any(String));
        if (label.startsWith('no password')) continue; // a replace may omit the password
        const replaced = await t.call('PUT', `/api/config/${path}/${existingId}`, { as: admin, body });
        expect(replaced.statusCode, `PUT ${label}`).toBe(400);
        expect(replaced.json().error, `PUT ${label}`).toMatchObject({ code, field });
      }
      for (const payload of ['{"name":', '[]', 'null']) {
        const response = await t.app.inject({ method: 'POST', url: `/api/config/${path}`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'application/json' }, payload });
        expect(response.statusCode, payload).toBe(400);
        expect(['BAD_JSON', 'VALIDATION_FAILED']).toContain(response.json().error.code);
      }
      expect(await rowCounts()).toEqual(before);
      expect((await t.call('GET', `/api/config/${path}/${existingId}`, { as: admin })).json()).toEqual(existingBefore);
    });

    it('creates, reads, replaces and deletes, auditing each change', async () => {
      const body = resource.valid(ids);
      const created = await t.call('POST', `/api/config/${path}`, { as: admin, body });
      expect(created.statusCode).toBe(201);
      const item = created.json();
      expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await t.call('GET', `/api/config/${path}/${item.id}`, { as: admin })).json()).toEqual(item);
      expect((await list(path)).map((i) => i.id)).toContain(item.id);

      const [field, value] = resource.edit ?? (path === 'users' ? ['displayName', 'Renamed'] : ['name', `${String(body.name)} 2`]);
      const renamed = path === 'users' ? { ...body, [field]: value, password: undefined } : { ...body, [field]: value };
      const replaced = await t.call('PUT', `/api/config/${path}/${item.id}`, { as: admin, body: renamed });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()[field]).toBe(value);

      const duplicate = await t.call('POST', `/api/config/${path}`, { as: admin, body: renamed });
      if (path !== 'users') {
        expect(duplicate.statusCode).toBe(409);
        expect(duplicate.json().error).toMatchObject({ code: 'CONFLICT', field: resource.unique ?? 'name' });
      }

      const deleted = await t.call('DELETE', `/api/config/${path}/${item.id}`, { as: admin });
      expect(deleted.statusCode).toBe(204);
      if (path === 'users') {
        expect((await t.call('GET', `/api/config/users/${item.id}`, { as: admin })).json().active).toBe(false);
      } else {
        expect((await t.call('GET', `/api/config/${path}/${item.id}`, { as: admin })).statusCode).toBe(404);
      }
      const audit = (await t.call('GET', '/api/audit?limit=500', { as: admin })).json().items.filter((a: { targetId: string }) => a.targetId === item.id);
      const entity = path === 'business-hours' ? 'business_hours' : path.replace(/-/g, '_').replace(/s$/, '');
      expect(audit.map((a: { action: string }) => a.action)).toEqual(
        [`${entity}.created`, `${entity}.updated`, path === 'users' ? 'user.deactivated' : `${entity}.deleted`].reverse(),
      );
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const unknown = await t.call('GET', `/api/config/${path}/${randomUUID()}`, { as: admin });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('NOT_FOUND');
      const malformed = await t.call('GET', `/api/config/${path}/not-an-id`, { as: admin });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'params.id' });
      const replaceUnknown = await t.call('PUT', `/api/config/${path}/${randomUUID()}`, { as: admin, body: { ...resource.valid(ids), password: undefined } });
      expect(replaceUnknown.statusCode).toBe(404);
    });
  });

  it('refuses to delete what is still in use, saying by what, and keeps it', async () => {
    const cases: [string, string, string][] = [
      ['skills', ids.skill, 'agent skill profiles'],
      ['queues', ids.queue, 'service roles'],
      ['service-roles', ids.serviceRole, 'agents holding the role'],
      ['classification-groups', ids.classificationGroup, 'queues'],
      ['business-hours', ids.businessHours, 'queues'],
    ];
    for (const [path, id, usedBy] of cases) {
      const response = await t.call('DELETE', `/api/config/${path}/${id}`, { as: admin });
      expect(response.statusCode, path).toBe(409);
      expect(response.json().error).toMatchObject({ code: 'IN_USE', details: { usedBy } });
      expect(response.json().error.details.count).toBeGreaterThan(0);
      expect((await t.call('GET', `/api/config/${path}/${id}`, { as: admin })).statusCode).toBe(200);
    }
  });

  it('retires classification codes dropped from a group instead of deleting them', async () => {
    const group = (await t.call('GET', `/api/config/classification-groups/${ids.classificationGroup}`, { as: admin })).json();
    const keep = group.classifications.filter((c: { code: string }) => c.code !== 'complaint');
    const response = await t.call('PUT', `/api/config/classification-groups/${group.id}`, {
      as: admin,
      body: { name: group.name, classifications: keep.map((c: { code: string; name: string }) => ({ code: c.code, name: c.name })) },
    });
    expect(response.statusCode).toBe(200);
    const after = response.json().classifications as { id: string; code: string; active: boolean }[];
    const complaint = group.classifications.find((c: { code: string }) => c.code === 'complaint');
    expect(after.find((c) => c.code === 'complaint')).toEqual({ ...complaint, active: false });
    expect(after.filter((c) => c.active).map((c) => c.code)).toEqual(['order-status', 'invoice', 'technical', 'product-info', 'other']);
    // Kept codes keep their ids.
    expect(after.find((c) => c.code === 'invoice')!.id).toBe(group.classifications.find((c: { code: string }) => c.code === 'invoice').id);
  });

  it('stops an admin locking themselves out, and records role changes in the audit log', async () => {
    const me = (await t.call('GET', `/api/config/users/${admin.userId}`, { as: admin })).json();
    const { id: _id, ...mine } = me;
    const demote = await t.call('PUT', `/api/config/users/${admin.userId}`, { as: admin, body: { ...mine, roles: ['analyst'] } });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('SELF_LOCKOUT');
    expect((await t.call('DELETE', `/api/config/users/${admin.userId}`, { as: admin })).json().error.code).toBe('SELF_LOCKOUT');

    const agent = (await t.call('GET', `/api/config/users/${ids.agent}`, { as: admin })).json();
    const { id: agentId, ...agentBody } = agent;
    const promoted = await t.call('PUT', `/api/config/users/${agentId}`, { as: admin, body: { ...agentBody, roles: ['agent', 'supervisor'] } });
    expect(promoted.statusCode).toBe(200);
    const [entry] = (await t.call('GET', '/api/audit?action=user.updated&limit=1', { as: admin })).json().items;
    expect(entry).toMatchObject({ actorUsername: 'admin', targetId: agentId, details: { roles: ['agent', 'supervisor'], previousRoles: ['agent'], credentialsReset: false } });
  });

  it('ends every session of a user an admin deactivates, or whose password an admin resets', async () => {
    const victim = await t.signIn('agent5');
    const user = (await t.call('GET', `/api/config/users/${victim.userId}`, { as: admin })).json();
    const { id, ...body } = user;
    const reset = await t.call('PUT', `/api/config/users/${id}`, { as: admin, body: { ...body, password: 'reset-by-the-admin' } });
    expect(reset.statusCode).toBe(200);
    expect((await t.call('GET', '/api/auth/session', { as: victim })).statusCode).toBe(401);
    const again = await t.call('POST', '/api/auth/sign-in', { body: { username: 'agent5', password: 'reset-by-the-admin' } });
    expect(again.statusCode).toBe(200);
    const [entry] = (await t.call('GET', '/api/audit?action=user.updated&limit=1', { as: admin })).json().items;
    expect(entry.details.credentialsReset).toBe(true);
    expect(JSON.stringify(entry)).not.toContain('reset-by-the-admin');

    const session = await t.signIn('agent6');
    expect((await t.call('DELETE', `/api/config/users/${session.userId}`, { as: admin })).statusCode).toBe(204);
    expect((await t.call('GET', '/api/auth/session', { as: session })).statusCode).toBe(401);
    const signIn = await t.call('POST', '/api/auth/sign-in', { body: { username: 'agent6', password: 'demo-password' } });
    expect(signIn.statusCode).toBe(401);
  });
});

import { ROLES, type Role } from '../../access.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../../auth/passwords.ts';
import { AppError, errors } from '../../errors.ts';
import type { ConfigResource } from '../resource.ts';
import { assertExist, type Db } from '../references.ts';
import { id, nullableId, objectSchema, uniqueIds } from '../schema-parts.ts';

export const LANGUAGES = ['fi', 'sv', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface SkillLevel {
  skillId: string;
  /** 1 (novice) … 5 (expert). */
  proficiency: number;
}
export interface UserInput {
  username: string;
  displayName: string;
  email?: string | null;
  /** Required when creating; on replace, omitted keeps the current password. */
  password?: string;
  language: Language;
  active: boolean;
  roles: Role[];
  skills: SkillLevel[];
  teamIds: string[];
  serviceRoleIds: string[];
  activeServiceRoleId: string | null;
  /** Set by prepare(): the hash of `password`; never part of the API. */
  passwordHash?: string;
}
export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  language: Language;
  active: boolean;
  roles: Role[];
  skills: SkillLevel[];
  teamIds: string[];
  serviceRoleIds: string[];
  activeServiceRoleId: string | null;
}

const body = objectSchema(
  {
    username: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$' },
    displayName: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    email: { anyOf: [{ type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }, { type: 'null' }] },
    password: { type: 'string', maxLength: 1000 },
    language: { type: 'string', enum: LANGUAGES },
    active: { type: 'boolean' },
    roles: { type: 'array', uniqueItems: true, items: { type: 'string', enum: ROLES } },
    skills: {
      type: 'array',
      maxItems: 200,
      items: objectSchema({ skillId: id, proficiency: { type: 'integer', minimum: 1, maximum: 5 } }, ['skillId', 'proficiency']),
    },
    teamIds: uniqueIds,
    serviceRoleIds: uniqueIds,
    activeServiceRoleId: nullableId,
  },
  ['username', 'displayName', 'language', 'active', 'roles', 'skills', 'teamIds', 'serviceRoleIds', 'activeServiceRoleId'],
);

const selfLockout = () => new AppError('SELF_LOCKOUT', 409, 'You cannot remove your own admin role or deactivate yourself');

async function load(db: Db, orgId: string, ids?: string[]): Promise<User[]> {
  let query = db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'email', 'language', 'active', 'active_service_role_id'])
    .where('org_id', '=', orgId)
    .orderBy('username');
  if (ids) query = query.where('id', 'in', ids);
  const users = await query.execute();
  if (users.length === 0) return [];
  const userIds = users.map((u) => u.id);
  const [roles, skills, teams, serviceRoles] = await Promise.all([
    db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', userIds).execute(),
    db.selectFrom('user_skills').select(['user_id', 'skill_id', 'proficiency']).where('user_id', 'in', userIds).orderBy('skill_id').execute(),
    db.selectFrom('team_members').select(['user_id', 'team_id']).where('user_id', 'in', userIds).orderBy('team_id').execute(),
    db.selectFrom('user_service_roles').select(['user_id', 'service_role_id']).where('user_id', 'in', userIds).orderBy('service_role_id').execute(),
  ]);
  return users.map((u) => ({
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    email: u.email,
    language: u.language as Language,
    active: Boolean(u.active),
    roles: ROLES.filter((role) => roles.some((r) => r.user_id === u.id && r.role === role)),
    skills: skills.filter((s) => s.user_id === u.id).map((s) => ({ skillId: s.skill_id, proficiency: s.proficiency })),
    teamIds: teams.filter((t) => t.user_id === u.id).map((t) => t.team_id),
    serviceRoleIds: serviceRoles.filter((r) => r.user_id === u.id).map((r) => r.service_role_id),
    activeServiceRoleId: u.active_service_role_id,
  }));
}

async function writeLinks(trx: Db, userId: string, input: UserInput): Promise<void> {
  for (const table of ['user_roles', 'user_skills', 'team_members', 'user_service_roles'] as const) {
    await trx.deleteFrom(table).where('user_id', '=', userId).execute();
  }
  if (input.roles.length) await trx.insertInto('user_roles').values(input.roles.map((role) => ({ user_id: userId, role }))).execute();
  if (input.skills.length) {
    await trx
      .insertInto('user_skills')
      .values(input.skills.map((s) => ({ user_id: userId, skill_id: s.skillId, proficiency: s.proficiency })))
      .execute();
  }
  if (input.teamIds.length) await trx.insertInto('team_members').values(input.teamIds.map((team_id) => ({ team_id, user_id: userId }))).execute();
  if (input.serviceRoleIds.length) {
    await trx.insertInto('user_service_roles').values(input.serviceRoleIds.map((service_role_id) => ({ user_id: userId, service_role_id }))).execute();
  }
}

export const users: ConfigResource<UserInput, User> = {
  path: 'users',
  entity: 'user',
  body,
  removeAction: 'user.deactivated',
  uniqueField: 'username',
  async list(db, orgId) {
    return load(db, orgId);
  },
  async get(db, orgId, userId) {
    return (await load(db, orgId, [userId]))[0];
  },
  async prepare(ctx, input, before) {
    if (input.password === undefined) {
      if (!before) throw errors.validationFailed('password is required for a new user', 'password');
      return input;
    }
    if (input.password.length < MIN_PASSWORD_LENGTH) throw errors.passwordTooWeak(undefined, 'password');
    return { ...input, passwordHash: await hashPassword(input.password, ctx.passwordCost) };
  },
  async check(trx, ctx, input, before) {
    const seen = new Set<string>();
    input.skills.forEach((s, i) => {
      if (seen.has(s.skillId)) throw errors.validationFailed(`skills/${i}/skillId repeats a skill`, `skills/${i}/skillId`);
      seen.add(s.skillId);
    });
    await assertExist(trx, 'skills', ctx.orgId, input.skills.map((s) => s.skillId), 'skills/*/skillId');
    await assertExist(trx, 'teams', ctx.orgId, input.teamIds, 'teamIds/*');
    await assertExist(trx, 'service_roles', ctx.orgId, input.serviceRoleIds, 'serviceRoleIds/*');
    if (input.activeServiceRoleId && !input.serviceRoleIds.includes(input.activeServiceRoleId)) {
      throw errors.validationFailed('activeServiceRoleId must be one of serviceRoleIds', 'activeServiceRoleId');
    }
    if (before && before.id === ctx.auth.userId && (!input.active || !input.roles.includes('admin'))) throw selfLockout();
  },
  async insert(trx, ctx, userId, input) {
    await trx
      .insertInto('users')
      .values({
        id: userId,
        org_id: ctx.orgId,
        username: input.username.toLowerCase(),
        display_name: input.displayName,
        email: input.email ?? null,
        password_hash: input.passwordHash!,
        language: input.language,
        active: input.active ? 1 : 0,
        active_service_role_id: input.activeServiceRoleId,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .execute();
    await writeLinks(trx, userId, input);
  },
  async update(trx, ctx, userId, input) {
    await trx
      .updateTable('users')
      .set({
        username: input.username.toLowerCase(),
        display_name: input.displayName,
        email: input.email ?? null,
        language: input.language,
        active: input.active ? 1 : 0,
        active_service_role_id: input.activeServiceRoleId,
        updated_at: ctx.now,
        ...(input.passwordHash ? { password_hash: input.passwordHash } : {}),
      })
      .where('id', '=', userId)
      .execute();
    await writeLinks(trx, userId, input);
    // A reset password or a deactivation ends every session the user had.
    if (input.passwordHash || !input.active) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  },
  async remove(trx, ctx, userId) {
    if (userId === ctx.auth.userId) throw selfLockout();
    // Users are retired, not deleted: the audit log and contact history keep pointing at them.
    await trx.updateTable('users').set({ active: 0, updated_at: ctx.now }).where('id', '=', userId).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  },
  auditDetails: (input, before) => ({
    username: input?.username.toLowerCase() ?? before?.username,
    roles: input?.roles,
    previousRoles: before?.roles,
    active: input?.active,
    // (named so the audit log's secret filter keeps it: it says that, not what)
    credentialsReset: input?.passwordHash !== undefined && before !== undefined,
  }),
};

/** The five roles; a user may hold several. */
export const ROLES = ['agent', 'supervisor', 'qa', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who may call a route. Every /api route must declare one (checked when the route is added),
 * so a route without a decision fails at start instead of being open.
 */
export type Access = { public: true } | { signedIn: true } | { roles: readonly Role[]; apiKeys?: true };

export const publicRoute: Access = { public: true };
export const signedIn: Access = { signedIn: true };
export const onlyRoles = (...roles: Role[]): Access => ({ roles });
/** These roles, or another system with an API key of the organisation (`Authorization: Bearer cc_…`). */
export const rolesOrApiKey = (...roles: Role[]): Access => ({ roles, apiKeys: true });

/** Reading configuration: everyone who steers or studies the service, not agents. */
export const configReaders = onlyRoles('admin', 'supervisor', 'qa', 'analyst');
export const adminsOnly = onlyRoles('admin');

export function allows(access: Access, roles: readonly Role[] | undefined): 'ok' | 'not-signed-in' | 'forbidden' {
  if ('public' in access) return 'ok';
  if (!roles) return 'not-signed-in';
  if ('signedIn' in access) return 'ok';
  return access.roles.some((role) => roles.includes(role)) ? 'ok' : 'forbidden';
}

/** Where a user lands after sign-in: the first area their roles open, in this order. */
const LANDING_ORDER: readonly [Role, string][] = [
  ['supervisor', '/supervisor'],
  ['agent', '/agent'],
  ['qa', '/qa'],
  ['analyst', '/reports'],
  ['admin', '/admin'],
];

export function landingFor(roles: readonly Role[]): string {
  return LANDING_ORDER.find(([role]) => roles.includes(role))?.[1] ?? '/signin';
}

/** The web areas and who may open them (enforced by the server before the page renders). */
export const PAGE_AREAS: readonly { prefix: string; roles: readonly Role[] }[] = [
  { prefix: '/agent', roles: ['agent'] },
  { prefix: '/supervisor', roles: ['supervisor'] },
  { prefix: '/qa', roles: ['qa'] },
  { prefix: '/reports', roles: ['analyst', 'supervisor', 'admin'] },
  { prefix: '/admin', roles: ['admin'] },
];

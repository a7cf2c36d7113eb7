import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows, type Access } from '../access.ts';
import { errors } from '../errors.ts';
import type { ApiKeys } from '../auth/api-keys.ts';
import type { AuthContext, SessionStore } from '../auth/session-store.ts';

export const SESSION_COOKIE = 'cc_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; required on every /api route. */
    access?: Access;
  }
  interface FastifyInstance {
    /** Every /api route and its access rule, as declared (tests walk it; docs can print it). */
    accessTable: { method: string; url: string; access: Access }[];
  }
  interface FastifyRequest {
    /** The signed-in caller, or null (resolved before any route that declares non-public access). */
    auth: AuthContext | null;
    /** Resolves the caller from the session cookie once, for handlers that decide access themselves. */
    loadAuth(): Promise<AuthContext | null>;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Cross-site request checks for state-changing requests: the browser's Origin (or Fetch
 * Metadata) must be ours, and a signed-in caller must echo the session's CSRF token.
 */
function checkCsrf(request: FastifyRequest, needsToken: boolean): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    // Normalise ours the same way (http://x:80 and http://x are one origin).
    const ours = new URL(`${request.protocol}://${request.host}`).host;
    if (host !== ours) throw errors.csrfOriginMismatch();
  } else if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw errors.csrfOriginMismatch();
  }
  if (!needsToken) return;
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !request.auth || !sameToken(sent, request.auth.csrfToken)) {
    throw errors.csrfTokenInvalid();
  }
}

/**
 * Enforces each route's declared access, server-side, resolving the session only where a route needs
 * a caller (public routes and static assets cost no lookup). A route under /api without
 * `config.access` is refused when it is added, so none is open by mistake.
 */
export const accessControl = fp(
  async (app: FastifyInstance, options: { sessions: SessionStore; apiKeys: ApiKeys }) => {
    app.decorateRequest('auth', null);
    const resolved = Symbol('auth resolved');
    app.decorateRequest('loadAuth', async function (this: FastifyRequest & { [resolved]?: true }) {
      if (!this[resolved]) {
        const token = this.cookies[SESSION_COOKIE];
        this.auth = token ? await options.sessions.resolve(token) : null;
        this[resolved] = true;
      }
      return this.auth;
    });
    const table: FastifyInstance['accessTable'] = [];
    app.decorate('accessTable', table);

    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith('/api')) return;
      const access = route.config?.access;
      if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no access rule`);
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') table.push({ method, url: route.url, access });
      }
    });

    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config?.access;
      if (!access) return; // not-found and the web app's own routes decide for themselves
      if ('public' in access) {
        if (!SAFE_METHODS.has(request.method)) checkCsrf(request, false);
        return;
      }
      // Another system's key: for the routes that take one. A bearer token is never sent by a
      // browser on its own, so it needs no CSRF token.
      const bearer = /^Bearer (cc_[A-Za-z0-9_-]{20,100})$/.exec(request.headers.authorization ?? '')?.[1];
      if (bearer !== undefined && 'roles' in access && access.apiKeys) {
        request.auth = await options.apiKeys.resolve(bearer);
        if (!request.auth) throw errors.notSignedIn('Unknown or revoked API key');
        return;
      }
      const auth = await request.loadAuth();
      const verdict = allows(access, auth?.roles);
      if (verdict === 'not-signed-in') throw errors.notSignedIn();
      if (verdict === 'forbidden') throw errors.forbidden();
      if (!SAFE_METHODS.has(request.method)) checkCsrf(request, !('public' in access));
      // A WebSocket upgrade is a GET the browser sends cross-site with cookies: only our own pages may open one.
      else if (request.headers.upgrade?.toLowerCase() === 'websocket') checkCsrf(request, false);
    });
  },
  { name: 'access-control', dependencies: ['@fastify/cookie'] },
);

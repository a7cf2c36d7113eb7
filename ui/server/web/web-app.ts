import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { landingFor, PAGE_AREAS } from '../access.ts';
import { errors } from '../errors.ts';
import { describeSession } from '../auth/auth-routes.ts';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** What the SvelteKit app reads from `event.platform.req.cc` (set here, never from the client). */
export type WebSession = ReturnType<typeof describeSession> | null;

const safeNext = (value: string | undefined): string | undefined =>
  value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : undefined;

/**
 * Serves the SvelteKit app (adapter-node's handler) for every path outside /api, after the
 * server itself has decided who may open the page: areas are guarded here, not in the browser.
 */
export async function webApp(app: FastifyInstance, options: { handlerFile: string }) {
  let handler: NodeHandler | undefined;
  if (existsSync(options.handlerFile)) {
    handler = ((await import(pathToFileURL(options.handlerFile).href)) as { handler: NodeHandler }).handler;
  } else {
    app.log.warn({ handlerFile: options.handlerFile }, 'web app not built; pages answer 503 (npm start builds it)');
  }

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/')) throw errors.routeNotFound(`No route ${request.method} ${path}`);
    // Built assets need no caller; pages do (the guard below, and the user shown in the page).
    const asset = path.startsWith('/_app/') || /\.[A-Za-z0-9]+$/.test(path);
    const auth = asset ? null : await request.loadAuth();

    if (path === '/') return reply.redirect(auth ? landingFor(auth.roles) : '/signin', 303);
    if (path === '/signin' && auth) {
      const next = safeNext(new URL(request.url, 'http://x').searchParams.get('next') ?? undefined);
      return reply.redirect(next ?? landingFor(auth.roles), 303);
    }
    const area = PAGE_AREAS.find((a) => path === a.prefix || path.startsWith(`${a.prefix}/`));
    if (area) {
      if (!auth) return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303);
      if (!area.roles.some((r) => auth.roles.includes(r))) return reply.redirect(`${landingFor(auth.roles)}?denied=${encodeURIComponent(area.prefix)}`, 303);
    }

    if (!handler) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The web app is not built yet. Run `npm start`, which builds it.');
    }
    reply.hijack();
    const raw = request.raw as IncomingMessage & { cc?: WebSession };
    raw.cc = auth ? describeSession(auth) : null;
    handler(raw, reply.raw, () => {
      reply.raw.statusCode = 404;
      reply.raw.setHeader('content-type', 'text/plain; charset=utf-8');
      reply.raw.end('Not found');
    });
  };

  app.route({ method: ['GET', 'HEAD'], url: '/*', handler: serve });
  app.route({ method: ['GET', 'HEAD'], url: '/', handler: serve });
}

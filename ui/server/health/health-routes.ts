import type { FastifyInstance } from 'fastify';
import type { AnalyticsStore } from '@cc/analytics';
import { publicRoute } from '../access.ts';
import type { OltpStore } from '../stores/oltp/oltp-store.ts';

/** GET /api/health: each store's state; 503 when one is down (details go to the log, not the caller). */
export async function healthRoutes(app: FastifyInstance, deps: { oltp: OltpStore; analytics: AnalyticsStore }) {
  app.get('/api/health', { config: { access: publicRoute } }, async (request, reply) => {
    const [oltp, analytics] = await Promise.all([deps.oltp.health(), deps.analytics.health()]);
    for (const [name, state] of [['oltp', oltp], ['analytics', analytics]] as const) {
      if (state.status !== 'ok') request.log.error({ store: name, error: state.error }, 'store unhealthy');
    }
    const ok = oltp.status === 'ok' && analytics.status === 'ok';
    reply.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'error',
      stores: {
        oltp: { status: oltp.status, dialect: oltp.dialect },
        analytics: { status: analytics.status, engine: analytics.engine, version: analytics.version },
      },
    };
  });
}

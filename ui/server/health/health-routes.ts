import type { FastifyInstance } from 'fastify';
import type { AnalyticsStore } from '@cc/analytics';
import type { EventWriter } from '@cc/ingest';
import { publicRoute } from '../access.ts';
import type { OltpStore } from '../stores/oltp/oltp-store.ts';

/**
 * GET /api/health: each store's state and the event pipeline's; 503 when a store is down or the
 * spool is full, "degraded" while events wait for ClickHouse (details go to the log, not the caller);
 * whether voice and transcription run, and why not.
 */
export async function healthRoutes(app: FastifyInstance, deps: { oltp: OltpStore; analytics: AnalyticsStore; writer: EventWriter; voice: () => { enabled: boolean; reason: string | null }; transcription: () => { configured: boolean; reason: string | null } }) {
  app.get('/api/health', { config: { access: publicRoute } }, async (request, reply) => {
    const [oltp, analytics] = await Promise.all([deps.oltp.health(), deps.analytics.health()]);
    for (const [name, state] of [['oltp', oltp], ['analytics', analytics]] as const) {
      if (state.status !== 'ok') request.log.error({ store: name, error: state.error }, 'store unhealthy');
    }
    const events = deps.writer.state();
    const down = oltp.status !== 'ok' || analytics.status !== 'ok' || events.status === 'full';
    const degraded = events.status !== 'ok';
    reply.status(down ? 503 : 200);
    return {
      status: down ? 'error' : degraded ? 'degraded' : 'ok',
      stores: {
        oltp: { status: oltp.status, dialect: oltp.dialect },
        analytics: { status: analytics.status, engine: analytics.engine, version: analytics.version },
      },
      events: { status: events.status, backlogBytes: events.backlogBytes, shippedEvents: events.shippedEvents, lastShippedAt: events.lastShippedAt },
      // Voice being off is not an outage of the platform: it is said, not failed on.
      voice: deps.voice(),
      transcription: deps.transcription(),
    };
  });
}

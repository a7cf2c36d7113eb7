import { newWidgetSecret } from '../seed/demo-organisation.ts';
import { contactErrors } from './contact-errors.ts';
import { LiveOrganisation, type LiveDeps, type LiveSettings } from './live-organisation.ts';

export const DEFAULT_LIVE_SETTINGS: LiveSettings = { offerTimeoutSeconds: 30, preferredAgentTimeoutSeconds: 30, reconnectGraceSeconds: 20, customerGraceSeconds: 60, callbackRetrySeconds: 15 * 60, callbackMaxAttempts: 3 };

/** Every organisation's live contact center in this process (one active ACD per organisation). */
export class LiveAcd {
  private constructor(
    private readonly organisations: Map<string, LiveOrganisation>,
    private readonly deps: LiveDeps,
  ) {}

  static async start(deps: LiveDeps): Promise<LiveAcd> {
    const live = new LiveAcd(new Map(), deps);
    for (const org of await deps.db.selectFrom('organisations').select(['id', 'widget_secret']).execute()) {
      // Organisations made before widgets existed get their signing secret now.
      if (!org.widget_secret) await deps.db.updateTable('organisations').set({ widget_secret: newWidgetSecret() }).where('id', '=', org.id).execute();
      live.organisations.set(org.id, await LiveOrganisation.start(org.id, deps));
    }
    return live;
  }

  org(orgId: string): LiveOrganisation {
    const org = this.organisations.get(orgId);
    if (!org) throw contactErrors.unknownQueue('No live contact center for this organisation');
    return org;
  }

  /** Which organisation serves a queue (public widget requests name only the queue). */
  byQueue(queueId: string): LiveOrganisation {
    for (const org of this.organisations.values()) if (org.config.queueInfo.has(queueId)) return org;
    throw contactErrors.unknownQueue();
  }

  /** Configuration changed: the organisation's engine re-reads it (an organisation seeded later starts here). */
  async changed(orgId: string): Promise<void> {
    const org = this.organisations.get(orgId);
    if (org) await org.reloadConfig();
    else this.organisations.set(orgId, await LiveOrganisation.start(orgId, this.deps));
  }

  async close(): Promise<void> {
    await Promise.all([...this.organisations.values()].map((o) => o.close()));
  }
}

import { realtimeSnapshot, type AnalyticsStore, type RealtimeRow } from '@cc/analytics';

export interface RealtimeMessage {
  type: 'realtime';
  version: 1;
  at: number;
  rows: (RealtimeRow & { queueName: string })[];
}

export interface QueueInfo {
  id: string;
  name: string;
  slThresholdSeconds: number;
}

type Subscriber = (message: RealtimeMessage) => void;

/**
 * One realtime computation per organisation, shared by every supervisor watching: pushed at least
 * once a second, and at once (debounced) when new events land in ClickHouse.
 */
export class RealtimeFeed {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly context: (orgId: string) => Promise<{ timeZone: string; queues: QueueInfo[] }>,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 1000,
  ) {}

  async snapshot(orgId: string): Promise<RealtimeMessage> {
    const { timeZone, queues } = await this.context(orgId);
    const at = this.now();
    const rows = await realtimeSnapshot(this.store, { orgId, timeZone, now: at, queues: queues.map((q) => ({ id: q.id, slThresholdSeconds: q.slThresholdSeconds })) });
    const names = new Map(queues.map((q) => [q.id, q.name]));
    return { type: 'realtime', version: 1, at, rows: rows.map((r) => ({ ...r, queueName: names.get(r.queueId) ?? r.queueId })) };
  }

  subscribe(orgId: string, subscriber: Subscriber): () => void {
    const set = this.subscribers.get(orgId) ?? new Set();
    set.add(subscriber);
    this.subscribers.set(orgId, set);
    this.timer ??= setInterval(() => void this.push(), this.intervalMs);
    void this.pushTo(orgId, [subscriber]);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(orgId);
      if (this.subscribers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** New events reached ClickHouse: push soon rather than wait for the next tick. */
  changed(): void {
    if (this.closed || this.subscribers.size === 0 || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.push();
    }, 100);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    this.subscribers.clear();
  }

  private async push(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      for (const [orgId, set] of this.subscribers) await this.pushTo(orgId, [...set]);
    } finally {
      this.running = false;
    }
  }

  private async pushTo(orgId: string, subscribers: Subscriber[]): Promise<void> {
    try {
      const message = await this.snapshot(orgId);
      for (const subscriber of subscribers) subscriber(message);
    } catch (error) {
      this.onError(error);
    }
  }
}

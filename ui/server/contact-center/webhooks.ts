import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../stores/oltp/schema.ts';
import type { Logger } from './live-organisation.ts';

/** What other systems can be told about, after the fact. */
export const WEBHOOK_EVENTS = ['contact.closed', 'contact.classified', 'survey.answered', 'recording.ready'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookSettings {
  /** A receiver that has not answered by then has failed this attempt (a hanging target never stalls the others). */
  timeoutMs: number;
  /** Attempts before a delivery is marked failed and the endpoint's next one goes. */
  maxAttempts: number;
  /** Backoff after the first failure, doubling each time up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { timeoutMs: 5_000, maxAttempts: 12, backoffMs: 10_000, maxBackoffMs: 3_600_000 };

type Db = Kysely<Database> | Transaction<Database>;
type EndpointRow = Database['webhook_endpoints'];

export interface DeliveryView {
  id: string;
  endpointId: string;
  seq: number;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  lastStatusCode: number | null;
  nextAttemptAt: number;
  deliveredAt: number | null;
  createdAt: number;
  payload: unknown;
}

/** `t=<ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: what a receiver recomputes with the endpoint's secret. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Write-back to other systems (a CRM, a ticketing tool). Each event becomes one delivery row per
 * subscribed endpoint, written in the same transaction as the change it reports, so nothing is
 * lost; a pump posts them, signed, one at a time per endpoint in sequence order (each waits for the
 * one before: delivered or given up), retrying with doubling backoff. Receivers deduplicate on the
 * delivery id, which stays the same across retries and replays.
 */
export class Webhooks {
  private readonly endpoints = new Map<string, EndpointRow[]>();
  private readonly seqs = new Map<string, number>();
  private scanning: Promise<void> | null = null;
  /** Endpoint → its delivery being sent now (one at a time per endpoint keeps the order). */
  private readonly inflight = new Map<string, Promise<void>>();
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly settings: WebhookSettings = DEFAULT_WEBHOOK_SETTINGS,
  ) {}

  /** Loads the endpoints and resumes whatever was pending when the server stopped. */
  async start(): Promise<void> {
    await this.reload();
    this.kick();
  }

  /** Endpoints changed (an admin added, changed or removed one). */
  async reload(): Promise<void> {
    const rows = await this.db.selectFrom('webhook_endpoints').selectAll().execute();
    this.endpoints.clear();
    for (const row of rows) {
      const list = this.endpoints.get(row.org_id) ?? [];
      list.push(row);
      this.endpoints.set(row.org_id, list);
    }
  }

  /** Whether anyone listens for this event in this organisation (cheap: no query on the hot path). */
  wants(orgId: string, type: WebhookEvent): boolean {
    return (this.endpoints.get(orgId) ?? []).some((e) => e.active === 1 && subscribed(e, type));
  }

  /** Queues the event for every endpoint that wants it, inside the caller's transaction. */
  async enqueue(db: Db, orgId: string, type: WebhookEvent, data: Record<string, unknown>): Promise<void> {
    const targets = (this.endpoints.get(orgId) ?? []).filter((e) => e.active === 1 && subscribed(e, type));
    if (targets.length === 0) return;
    const at = this.now();
    for (const endpoint of targets) {
      const seq = await this.nextSeq(db, endpoint.id);
      const id = randomUUID();
      const payload = JSON.stringify({ id, type, seq, occurredAt: new Date(at).toISOString(), organisationId: orgId, data });
      await db
        .insertInto('webhook_deliveries')
        .values({ id, endpoint_id: endpoint.id, seq, event_type: type, payload, status: 'pending', attempts: 0, last_error: null, last_status_code: null, next_attempt_at: at, delivered_at: null, created_at: at })
        .execute();
    }
  }

  /** Queues and starts sending (outside any transaction). */
  async emit(orgId: string, type: WebhookEvent, data: Record<string, unknown>): Promise<void> {
    if (!this.wants(orgId, type)) return;
    await this.enqueue(this.db, orgId, type, data);
    this.kick();
  }

  /** Sends again: a failed delivery, or a delivered one the receiver lost. It goes next for its endpoint. */
  async replay(orgId: string, deliveryId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
      .select(['webhook_deliveries.id', 'webhook_deliveries.status'])
      .where('webhook_deliveries.id', '=', deliveryId)
      .where('webhook_endpoints.org_id', '=', orgId)
      .executeTakeFirst();
    if (!row) return false;
    await this.db.updateTable('webhook_deliveries').set({ status: 'pending', attempts: 0, next_attempt_at: this.now(), delivered_at: null, last_error: null }).where('id', '=', deliveryId).execute();
    this.kick();
    return true;
  }

  async deliveries(orgId: string, endpointId: string, limit: number): Promise<DeliveryView[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
      .selectAll('webhook_deliveries')
      .where('webhook_endpoints.org_id', '=', orgId)
      .where('webhook_deliveries.endpoint_id', '=', endpointId)
      .orderBy('webhook_deliveries.seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      endpointId: r.endpoint_id,
      seq: Number(r.seq),
      eventType: r.event_type,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      lastStatusCode: r.last_status_code,
      nextAttemptAt: Number(r.next_attempt_at),
      deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
      createdAt: Number(r.created_at),
      payload: JSON.parse(r.payload),
    }));
  }

  /** Looks for due deliveries (one look at a time; a kick during a look makes it look again). */
  kick(): void {
    if (this.closed) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = this.scan()
      .catch((error: unknown) => this.log.error({ err: error }, 'webhook pump failed'))
      .finally(() => {
        this.scanning = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when nothing is being sent or looked for (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.scanning || this.inflight.size > 0) await Promise.all([this.scanning, ...this.inflight.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle();
  }

  private async nextSeq(db: Db, endpointId: string): Promise<number> {
    let seq = this.seqs.get(endpointId);
    if (seq === undefined) {
      const row = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.max('seq').as('seq')).where('endpoint_id', '=', endpointId).executeTakeFirst();
      seq = Number(row?.seq ?? 0);
    }
    this.seqs.set(endpointId, seq + 1);
    return seq + 1;
  }

  /**
   * Each endpoint's head (its lowest pending sequence) is sent when due; endpoints go side by side,
   * so one that hangs delays only its own queue.
   */
  private async scan(): Promise<void> {
    const pending = await this.db.selectFrom('webhook_deliveries').select(['id', 'endpoint_id', 'seq', 'next_attempt_at']).where('status', '=', 'pending').orderBy('endpoint_id').orderBy('seq').execute();
    const heads = new Map<string, (typeof pending)[number]>();
    for (const row of pending) if (!heads.has(row.endpoint_id)) heads.set(row.endpoint_id, row);
    const now = this.now();
    let wake = Infinity;
    for (const head of heads.values()) {
      if (this.inflight.has(head.endpoint_id) || this.closed) continue;
      const at = Number(head.next_attempt_at);
      if (at > now) {
        wake = Math.min(wake, at);
        continue;
      }
      const sending = this.attempt(head.id)
        .catch((error: unknown) => this.log.error({ err: error, deliveryId: head.id }, 'webhook delivery could not be recorded'))
        .finally(() => {
          this.inflight.delete(head.endpoint_id);
          this.kick();
        });
      this.inflight.set(head.endpoint_id, sending);
    }
    if (Number.isFinite(wake)) this.wakeAt(wake);
  }

  private wakeAt(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, Math.min(Math.max(0, at - this.now()), 3_600_000));
    this.timer.unref();
  }

  private async attempt(deliveryId: string): Promise<void> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
      .select(['webhook_deliveries.id', 'webhook_deliveries.payload', 'webhook_deliveries.event_type', 'webhook_deliveries.seq', 'webhook_deliveries.attempts', 'webhook_endpoints.url', 'webhook_endpoints.secret', 'webhook_endpoints.active'])
      .where('webhook_deliveries.id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) return;
    const attempts = row.attempts + 1;
    if (row.active !== 1) {
      // A disabled endpoint's queue is given up, not left to block: replay brings an item back.
      await this.db.updateTable('webhook_deliveries').set({ status: 'failed', last_error: 'endpoint disabled' }).where('id', '=', deliveryId).execute();
      return;
    }
    const timestamp = this.now();
    let error: string | null = null;
    let statusCode: number | null = null;
    try {
      const response = await fetch(row.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'contact-center-webhooks/1',
          'x-cc-event': row.event_type,
          'x-cc-delivery': row.id,
          'x-cc-sequence': String(row.seq),
          'x-cc-signature': signWebhook(row.secret, timestamp, row.payload),
        },
        body: row.payload,
      });
      statusCode = response.status;
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
    } catch (caught) {
      const name = (caught as Error).name;
      error = name === 'TimeoutError' || name === 'AbortError' ? `no answer in ${this.settings.timeoutMs} ms` : `could not connect (${((caught as Error & { cause?: { code?: string } }).cause?.code ?? name).slice(0, 60)})`;
    }
    const now = this.now();
    if (error === null) {
      await this.db.updateTable('webhook_deliveries').set({ status: 'delivered', attempts, delivered_at: now, last_error: null, last_status_code: statusCode }).where('id', '=', deliveryId).execute();
      return;
    }
    const giveUp = attempts >= this.settings.maxAttempts;
    const backoff = Math.min(this.settings.backoffMs * 2 ** (attempts - 1), this.settings.maxBackoffMs);
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: giveUp ? 'failed' : 'pending', attempts, last_error: error, last_status_code: statusCode, next_attempt_at: giveUp ? now : now + backoff })
      .where('id', '=', deliveryId)
      .execute();
    // The URL can hold a token in its query: only the endpoint's id and origin go to the log.
    this.log.warn({ deliveryId, attempts, giveUp, error, target: safeOrigin(row.url) }, 'webhook delivery failed');
  }
}

function subscribed(endpoint: EndpointRow, type: WebhookEvent): boolean {
  const events = JSON.parse(endpoint.events) as string[];
  return events.includes('*') || events.includes(type);
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid url';
  }
}

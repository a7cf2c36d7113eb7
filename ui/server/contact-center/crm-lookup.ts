import type { Logger } from './live-organisation.ts';

export interface CrmSettings {
  /** GET `<url>?organisation=…&email=…&phone=…&customerId=…`, answered with JSON (see README). */
  url: string;
  /** Sent as `Authorization: Bearer …`; never logged. */
  token: string | null;
  /** Routing waits this long at most; then it goes on without the CRM. */
  timeoutMs: number;
  /** How long an answer (found or not found) is reused. */
  cacheSeconds: number;
}

/** What the CRM knows about a customer, as routing uses it. */
export interface CrmRecord {
  externalId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  segment: string | null;
  /** Username of the account manager (an agent here). */
  accountManager: string | null;
  language: string | null;
  openCases: number | null;
}

export interface CrmKeys {
  externalId?: string | null;
  email?: string | null;
  phone?: string | null;
}

const CACHE_LIMIT = 10_000;
/** After this many failures in a row the CRM is left alone for `PAUSE_MS` (routing does not wait on a dead system). */
const FAILURES_TO_PAUSE = 3;
const PAUSE_MS = 30_000;

const text = (value: unknown, max = 200): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : null);

/**
 * The company's CRM, asked before routing: a slow or failing CRM never blocks a contact (a short
 * timeout, then routing goes on with what the registry knows, and the failure is logged); answers
 * are cached, and a CRM that keeps failing is paused for a while.
 */
export class CrmLookup {
  private readonly cache = new Map<string, { at: number; record: CrmRecord | null }>();
  private failures = 0;
  private pausedUntil = 0;
  readonly stats = { lookups: 0, cached: 0, failed: 0, skipped: 0 };

  constructor(
    private readonly settings: CrmSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The CRM's record, null when it has none, or when it could not be asked in time (never throws). */
  async lookup(orgId: string, keys: CrmKeys): Promise<CrmRecord | null> {
    const params = new URLSearchParams({ organisation: orgId });
    if (keys.externalId) params.set('customerId', keys.externalId);
    if (keys.email) params.set('email', keys.email.toLowerCase());
    if (keys.phone) params.set('phone', keys.phone.replace(/[\s()-]/g, ''));
    if ([...params.keys()].length === 1) return null;
    const key = params.toString();
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.settings.cacheSeconds * 1000) {
      this.stats.cached += 1;
      return hit.record;
    }
    if (now < this.pausedUntil) {
      this.stats.skipped += 1;
      return null;
    }
    this.stats.lookups += 1;
    const url = new URL(this.settings.url);
    for (const [name, value] of params) url.searchParams.set(name, value);
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json', ...(this.settings.token ? { authorization: `Bearer ${this.settings.token}` } : {}) },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: 'error',
      });
      let record: CrmRecord | null = null;
      if (response.status === 404) await response.body?.cancel();
      else if (response.ok) record = parseRecord(await response.json());
      else throw new Error(`HTTP ${response.status}`);
      this.failures = 0;
      this.remember(key, record);
      return record;
    } catch (error) {
      this.stats.failed += 1;
      this.failures += 1;
      const name = (error as Error).name;
      const reason = name === 'TimeoutError' ? `no answer in ${this.settings.timeoutMs} ms` : (error as Error).message.slice(0, 120);
      if (this.failures >= FAILURES_TO_PAUSE) this.pausedUntil = this.now() + PAUSE_MS;
      // The query names a customer: only the CRM's origin and the reason go to the log.
      this.log.warn({ crm: url.origin, reason, paused: this.failures >= FAILURES_TO_PAUSE }, 'CRM lookup failed; routing without it');
      return null;
    }
  }

  private remember(key: string, record: CrmRecord | null): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { at: this.now(), record });
  }
}

/** `{ "customer": { "id": …, … } }` or `{ "customer": null }`; anything else is a failure. */
function parseRecord(body: unknown): CrmRecord | null {
  if (typeof body !== 'object' || body === null || !('customer' in body)) throw new Error('answer without a customer field');
  const c = (body as { customer: unknown }).customer;
  if (c === null) return null;
  if (typeof c !== 'object') throw new Error('customer is not an object');
  const o = c as Record<string, unknown>;
  const externalId = text(o.id);
  if (!externalId) throw new Error('customer without an id');
  const openCases = typeof o.openCases === 'number' && Number.isInteger(o.openCases) && o.openCases >= 0 ? o.openCases : null;
  const language = text(o.language, 5);
  return {
    externalId,
    name: text(o.name),
    email: text(o.email, 254)?.toLowerCase() ?? null,
    phone: text(o.phone, 40),
    segment: text(o.segment, 40)?.toLowerCase() ?? null,
    accountManager: text(o.accountManager, 100),
    language: language && ['fi', 'sv', 'en'].includes(language) ? language : null,
    openCases,
  };
}

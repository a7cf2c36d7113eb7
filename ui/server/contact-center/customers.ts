import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../stores/oltp/schema.ts';
import { verifyCustomerToken } from './customer-token.ts';
import type { LiveOrganisation, Logger } from './live-organisation.ts';

export interface CustomerResolution {
  customerId: string | null;
  name: string;
  segment: string | null;
  /** The account manager (an agent of the organisation), offered the contact first. */
  preferredAgentId: string | null;
  language: string | null;
  email?: string;
}

/**
 * Who the customer is, for routing and history. A signed token (from the company's site) is
 * trusted: the customer is found or made by its CRM id, with segment and account manager. An
 * unsigned, tampered or expired token is ignored and logged; a plain e-mail finds or makes a
 * customer by address so their history joins up.
 */
export async function resolveCustomer(
  db: Kysely<Database>,
  org: LiveOrganisation,
  token: string | null,
  now: number,
  log: Logger,
  fallback: CustomerResolution,
): Promise<CustomerResolution> {
  if (token) {
    const secret = (await db.selectFrom('organisations').select('widget_secret').where('id', '=', org.orgId).executeTakeFirst())?.widget_secret;
    const verdict = secret ? verifyCustomerToken(secret, token, now) : ({ ok: false, reason: 'bad-signature' } as const);
    if (!verdict.ok) {
      log.warn({ orgId: org.orgId, reason: verdict.reason }, 'customer token ignored');
      return fallback;
    }
    const c = verdict.claims;
    const manager = c.accountManager
      ? await db.selectFrom('users').select('id').where('org_id', '=', org.orgId).where('username', '=', c.accountManager).where('active', '=', 1).executeTakeFirst()
      : undefined;
    const existing = await db.selectFrom('customers').selectAll().where('org_id', '=', org.orgId).where('external_id', '=', c.sub).executeTakeFirst();
    const values = {
      display_name: c.name ?? existing?.display_name ?? fallback.name,
      email: c.email ?? existing?.email ?? null,
      segment: c.segment ?? existing?.segment ?? null,
      account_manager_user_id: manager?.id ?? existing?.account_manager_user_id ?? null,
      language: c.language ?? existing?.language ?? null,
      updated_at: now,
    };
    const id = existing?.id ?? randomUUID();
    if (existing) await db.updateTable('customers').set(values).where('id', '=', id).execute();
    else await db.insertInto('customers').values({ id, org_id: org.orgId, external_id: c.sub, phone: null, created_at: now, ...values }).execute();
    const preferred = values.account_manager_user_id && org.config.agentInfo.has(values.account_manager_user_id) ? values.account_manager_user_id : null;
    return { customerId: id, name: values.display_name, segment: values.segment, preferredAgentId: preferred, language: values.language ?? fallback.language };
  }
  if (fallback.email) {
    const email = fallback.email.toLowerCase();
    const existing = await db.selectFrom('customers').select(['id', 'display_name', 'segment']).where('org_id', '=', org.orgId).where('email', '=', email).executeTakeFirst();
    if (existing) return { ...fallback, customerId: existing.id, name: fallback.name || existing.display_name };
    const id = randomUUID();
    await db
      .insertInto('customers')
      .values({ id, org_id: org.orgId, external_id: null, display_name: fallback.name || email, email, phone: null, segment: null, account_manager_user_id: null, language: fallback.language, created_at: now, updated_at: now })
      .execute();
    return { ...fallback, customerId: id };
  }
  return fallback;
}

/**
 * The customer a trusted caller (an API key, a supervisor) names: by CRM id (found or made), else by
 * e-mail, else none. The account manager, if the registry has one, is offered the contact first.
 */
export async function customerFromApi(
  db: Kysely<Database>,
  org: LiveOrganisation,
  given: { externalId?: string; email?: string; name?: string } | undefined,
  now: number,
  log: Logger,
): Promise<CustomerResolution> {
  const fallback: CustomerResolution = { customerId: null, name: given?.name ?? '', segment: null, preferredAgentId: null, language: null };
  if (!given) return fallback;
  if (given.externalId) {
    let row = await db.selectFrom('customers').selectAll().where('org_id', '=', org.orgId).where('external_id', '=', given.externalId).executeTakeFirst();
    if (!row) {
      const id = randomUUID();
      await db
        .insertInto('customers')
        .values({ id, org_id: org.orgId, external_id: given.externalId, display_name: given.name ?? given.externalId, email: given.email?.toLowerCase() ?? null, phone: null, segment: null, account_manager_user_id: null, language: null, created_at: now, updated_at: now })
        .execute();
      row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    }
    const manager = row.account_manager_user_id && org.config.agentInfo.has(row.account_manager_user_id) ? row.account_manager_user_id : null;
    return { customerId: row.id, name: given.name ?? row.display_name, segment: row.segment, preferredAgentId: manager, language: row.language };
  }
  if (given.email) return resolveCustomer(db, org, null, now, log, { ...fallback, email: given.email });
  return fallback;
}

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../stores/oltp/schema.ts';
import type { CrmRecord } from './crm-lookup.ts';
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
  phone?: string;
  /** What else routing and the agent may use (the CRM's id, open cases). */
  attributes?: Record<string, string>;
}

/** The contact attributes a resolution gives: segment first, then what the CRM added. */
export function routingAttributes(customer: CustomerResolution): Record<string, string> {
  return { ...(customer.segment ? { segment: customer.segment } : {}), ...customer.attributes };
}

interface KnownCustomer {
  name: string | null;
  email: string | null;
  phone: string | null;
  segment: string | null;
  accountManager: string | null;
  language: string | null;
}

/**
 * Finds or makes the registry's customer by CRM id, updated with what a trusted source (a signed
 * token, the CRM) says; what it does not say is kept.
 */
async function upsertByExternalId(db: Kysely<Database>, org: LiveOrganisation, now: number, externalId: string, known: KnownCustomer, fallbackName: string) {
  const manager = known.accountManager
    ? await db.selectFrom('users').select('id').where('org_id', '=', org.orgId).where('username', '=', known.accountManager).where('active', '=', 1).executeTakeFirst()
    : undefined;
  const existing = await db.selectFrom('customers').selectAll().where('org_id', '=', org.orgId).where('external_id', '=', externalId).executeTakeFirst();
  const values = {
    display_name: known.name ?? existing?.display_name ?? (fallbackName || externalId),
    email: known.email ?? existing?.email ?? null,
    phone: known.phone ?? existing?.phone ?? null,
    segment: known.segment ?? existing?.segment ?? null,
    account_manager_user_id: manager?.id ?? existing?.account_manager_user_id ?? null,
    language: known.language ?? existing?.language ?? null,
    updated_at: now,
  };
  const id = existing?.id ?? randomUUID();
  if (existing) await db.updateTable('customers').set(values).where('id', '=', id).execute();
  else await db.insertInto('customers').values({ id, org_id: org.orgId, external_id: externalId, created_at: now, merged_into: null, ...values }).execute();
  const preferred = values.account_manager_user_id && org.config.agentInfo.has(values.account_manager_user_id) ? values.account_manager_user_id : null;
  return { customerId: id, name: values.display_name, segment: values.segment, preferredAgentId: preferred, language: values.language };
}

/**
 * Who the customer is, for routing and history. A signed token (from the company's site) is
 * trusted: the customer is found or made by its CRM id, with segment and account manager. An
 * unsigned, tampered or expired token is ignored and logged. Without a token the CRM is asked (when
 * one is configured; its failure only logs); else a plain e-mail or phone number finds or makes a
 * customer so their history joins up.
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
    const found = await upsertByExternalId(db, org, now, c.sub, { name: c.name ?? null, email: c.email ?? null, phone: null, segment: c.segment ?? null, accountManager: c.accountManager ?? null, language: c.language ?? null }, fallback.name);
    return { ...found, language: found.language ?? fallback.language };
  }
  const crm = org.crm ? await org.crm.lookup(org.orgId, { email: fallback.email ?? null, phone: fallback.phone ?? null }) : null;
  if (crm) return fromCrm(db, org, now, crm, fallback);
  if (fallback.email) {
    const email = fallback.email.toLowerCase();
    const existing = await db.selectFrom('customers').select(['id', 'display_name', 'segment']).where('org_id', '=', org.orgId).where('email', '=', email).where('merged_into', 'is', null).executeTakeFirst();
    if (existing) return { ...fallback, customerId: existing.id, name: fallback.name || existing.display_name };
    const id = randomUUID();
    await db
      .insertInto('customers')
      .values({ id, org_id: org.orgId, external_id: null, display_name: fallback.name || email, email, phone: fallback.phone ?? null, segment: null, account_manager_user_id: null, language: fallback.language, merged_into: null, created_at: now, updated_at: now })
      .execute();
    return { ...fallback, customerId: id };
  }
  if (fallback.phone) {
    const phone = fallback.phone.trim();
    const existing = await db.selectFrom('customers').select(['id', 'display_name']).where('org_id', '=', org.orgId).where('phone', '=', phone).where('merged_into', 'is', null).executeTakeFirst();
    if (existing) return { ...fallback, customerId: existing.id, name: fallback.name || existing.display_name };
    const id = randomUUID();
    await db
      .insertInto('customers')
      .values({ id, org_id: org.orgId, external_id: null, display_name: fallback.name || phone, email: null, phone, segment: null, account_manager_user_id: null, language: fallback.language, merged_into: null, created_at: now, updated_at: now })
      .execute();
    return { ...fallback, customerId: id };
  }
  return fallback;
}

async function fromCrm(db: Kysely<Database>, org: LiveOrganisation, now: number, crm: CrmRecord, fallback: CustomerResolution): Promise<CustomerResolution> {
  const found = await upsertByExternalId(db, org, now, crm.externalId, crm, fallback.name);
  const attributes: Record<string, string> = { ...fallback.attributes, crmId: crm.externalId };
  if (crm.openCases !== null) attributes.openCases = String(crm.openCases);
  return { ...fallback, ...found, name: fallback.name || found.name, language: found.language ?? fallback.language, attributes };
}

/**
 * The customer a trusted caller (an API key, a supervisor) names: by CRM id (asked of the CRM, found
 * or made), else by e-mail, else none. The account manager, if known, is offered the contact first.
 */
export async function customerFromApi(
  db: Kysely<Database>,
  org: LiveOrganisation,
  given: { externalId?: string; email?: string; name?: string; phone?: string } | undefined,
  now: number,
  log: Logger,
): Promise<CustomerResolution> {
  const fallback: CustomerResolution = { customerId: null, name: given?.name ?? '', segment: null, preferredAgentId: null, language: null, ...(given?.phone ? { phone: given.phone } : {}) };
  if (!given) return fallback;
  if (given.externalId) {
    const crm = org.crm ? await org.crm.lookup(org.orgId, { externalId: given.externalId, email: given.email ?? null }) : null;
    if (crm) return fromCrm(db, org, now, crm, fallback);
    let row = await db.selectFrom('customers').selectAll().where('org_id', '=', org.orgId).where('external_id', '=', given.externalId).executeTakeFirst();
    if (!row) {
      const id = randomUUID();
      await db
        .insertInto('customers')
        .values({ id, org_id: org.orgId, external_id: given.externalId, display_name: given.name ?? given.externalId, email: given.email?.toLowerCase() ?? null, phone: given.phone ?? null, segment: null, account_manager_user_id: null, language: null, merged_into: null, created_at: now, updated_at: now })
        .execute();
      row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    }
    const manager = row.account_manager_user_id && org.config.agentInfo.has(row.account_manager_user_id) ? row.account_manager_user_id : null;
    return { customerId: row.id, name: given.name ?? row.display_name, segment: row.segment, preferredAgentId: manager, language: row.language };
  }
  if (given.email || given.phone) return resolveCustomer(db, org, null, now, log, { ...fallback, ...(given.email ? { email: given.email } : {}) });
  return fallback;
}

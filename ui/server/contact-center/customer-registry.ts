import type { Kysely } from 'kysely';
import { AppError, errors } from '../errors.ts';
import type { Database } from '../stores/oltp/schema.ts';

export interface CustomerView {
  id: string;
  externalId: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  segment: string | null;
  language: string | null;
  accountManager: string | null;
  accountManagerUsername: string | null;
  consent: Record<string, boolean>;
  mergedInto: string | null;
}

export interface HistoryItem {
  contactId: string;
  channel: string;
  status: string;
  subject: string;
  createdAt: number;
  closedAt: number | null;
  closeReason: string | null;
  rating: number | null;
  nps: number | null;
  queue: string | null;
  agent: string | null;
  classification: string | null;
}

const customerColumns = [
  'customers.id',
  'customers.external_id',
  'customers.display_name',
  'customers.email',
  'customers.phone',
  'customers.segment',
  'customers.language',
  'customers.consent',
  'customers.merged_into',
  'users.display_name as account_manager',
  'users.username as account_manager_username',
] as const;

function toView(r: {
  id: string;
  external_id: string | null;
  display_name: string;
  email: string | null;
  phone: string | null;
  segment: string | null;
  language: string | null;
  consent: string;
  merged_into: string | null;
  account_manager: string | null;
  account_manager_username: string | null;
}): CustomerView {
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.display_name,
    email: r.email,
    phone: r.phone,
    segment: r.segment,
    language: r.language,
    accountManager: r.account_manager,
    accountManagerUsername: r.account_manager_username,
    consent: JSON.parse(r.consent) as Record<string, boolean>,
    mergedInto: r.merged_into,
  };
}

/**
 * The customer registry: every contact of every channel is linked to its customer, so the history
 * is "every service event, whoever handled it, wherever and however" (the seed). Search, edit and
 * merge (two records of one person become one: contacts move, the merged record stays as a pointer).
 */
export class CustomerRegistry {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async get(orgId: string, customerId: string): Promise<CustomerView | undefined> {
    const row = await this.db
      .selectFrom('customers')
      .leftJoin('users', 'users.id', 'customers.account_manager_user_id')
      .select(customerColumns)
      .where('customers.org_id', '=', orgId)
      .where('customers.id', '=', customerId)
      .executeTakeFirst();
    return row && toView(row);
  }

  /** The customer and their contacts of every channel, newest first. */
  async profile(orgId: string, customerId: string): Promise<{ customer: CustomerView; history: HistoryItem[] }> {
    const customer = await this.get(orgId, customerId);
    if (!customer) throw errors.notFound('No such customer');
    const history = await this.db
      .selectFrom('contacts')
      .leftJoin('queues', 'queues.id', 'contacts.queue_id')
      .leftJoin('users', 'users.id', 'contacts.agent_user_id')
      .leftJoin('classifications', 'classifications.id', 'contacts.classification_id')
      .select([
        'contacts.id',
        'contacts.channel',
        'contacts.status',
        'contacts.subject',
        'contacts.created_at',
        'contacts.closed_at',
        'contacts.close_reason',
        'contacts.rating',
        'contacts.nps',
        'queues.name as queue',
        'users.display_name as agent',
        'classifications.name as classification',
      ])
      .where('contacts.org_id', '=', orgId)
      .where('contacts.customer_id', '=', customerId)
      .orderBy('contacts.created_at', 'desc')
      .orderBy('contacts.id', 'desc')
      .limit(200)
      .execute();
    return {
      customer,
      history: history.map((h) => ({
        contactId: h.id,
        channel: h.channel,
        status: h.status,
        subject: h.subject,
        createdAt: Number(h.created_at),
        closedAt: h.closed_at === null ? null : Number(h.closed_at),
        closeReason: h.close_reason,
        rating: h.rating,
        nps: h.nps,
        queue: h.queue,
        agent: h.agent,
        classification: h.classification,
      })),
    };
  }

  /** By name, e-mail, phone or CRM id (case-insensitive, part of the text); merged records are left out. */
  async search(orgId: string, query: string, limit: number): Promise<CustomerView[]> {
    // LIKE's wildcards are taken out of the query (SQLite and PostgreSQL escape them differently).
    const like = `%${query.toLowerCase().replace(/[\\%_]/g, '')}%`;
    const digits = query.replace(/[^0-9+]/g, '');
    const rows = await this.db
      .selectFrom('customers')
      .leftJoin('users', 'users.id', 'customers.account_manager_user_id')
      .select(customerColumns)
      .where('customers.org_id', '=', orgId)
      .where('customers.merged_into', 'is', null)
      .where((eb) => {
        const lower = (column: 'customers.display_name' | 'customers.email' | 'customers.external_id') => eb(eb.fn('lower', [column]), 'like', like);
        const ors = [lower('customers.display_name'), lower('customers.email'), lower('customers.external_id')];
        if (digits.length >= 4) ors.push(eb(eb.fn('replace', ['customers.phone', eb.val(' '), eb.val('')]), 'like', `%${digits}%`));
        return eb.or(ors);
      })
      .orderBy('customers.display_name')
      .limit(limit)
      .execute();
    return rows.map(toView);
  }

  async update(orgId: string, customerId: string, input: { name: string; email: string | null; phone: string | null; segment: string | null; language: string | null; accountManager: string | null; consent: Record<string, boolean> }): Promise<CustomerView> {
    const before = await this.get(orgId, customerId);
    if (!before) throw errors.notFound('No such customer');
    if (before.mergedInto) throw new AppError('CUSTOMER_MERGED', 409, 'This customer was merged into another; edit that one', 'id');
    let manager: string | null = null;
    if (input.accountManager) {
      const user = await this.db.selectFrom('users').select('id').where('org_id', '=', orgId).where('username', '=', input.accountManager).where('active', '=', 1).executeTakeFirst();
      if (!user) throw errors.referenceNotFound('No such active user', 'accountManager');
      manager = user.id;
    }
    await this.db
      .updateTable('customers')
      .set({
        display_name: input.name,
        email: input.email?.toLowerCase() ?? null,
        phone: input.phone,
        segment: input.segment?.toLowerCase() ?? null,
        language: input.language,
        account_manager_user_id: manager,
        consent: JSON.stringify(input.consent),
        updated_at: this.now(),
      })
      .where('id', '=', customerId)
      .execute();
    return (await this.get(orgId, customerId))!;
  }

  /**
   * `from` becomes part of `into`: its contacts move over, what `into` lacks (e-mail, phone, CRM id,
   * segment, account manager, language) is taken from it, and it stays as a pointer to `into`.
   */
  async merge(orgId: string, intoId: string, fromId: string): Promise<{ customer: CustomerView; movedContacts: number }> {
    if (intoId === fromId) throw new AppError('INVALID_MERGE', 400, 'A customer cannot be merged into itself', 'from');
    const moved = await this.db.transaction().execute(async (trx) => {
      const [into, from] = await Promise.all(
        [intoId, fromId].map((id) => trx.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()),
      );
      if (!into) throw errors.notFound('No such customer');
      if (!from) throw errors.referenceNotFound('No such customer to merge', 'from');
      if (into.merged_into || from.merged_into) throw new AppError('CUSTOMER_MERGED', 409, 'One of these customers was merged already');
      if (into.external_id && from.external_id && into.external_id !== from.external_id) {
        throw new AppError('CRM_IDS_DIFFER', 409, 'Both customers have a different CRM id; merge them in the CRM first', 'from');
      }
      const moved = await trx.updateTable('contacts').set({ customer_id: intoId }).where('org_id', '=', orgId).where('customer_id', '=', fromId).executeTakeFirst();
      // The CRM id is unique: taken off the merged record before the kept one gets it.
      if (from.external_id) await trx.updateTable('customers').set({ external_id: null }).where('id', '=', fromId).execute();
      await trx
        .updateTable('customers')
        .set({
          external_id: into.external_id ?? from.external_id,
          email: into.email ?? from.email,
          phone: into.phone ?? from.phone,
          segment: into.segment ?? from.segment,
          account_manager_user_id: into.account_manager_user_id ?? from.account_manager_user_id,
          language: into.language ?? from.language,
          consent: JSON.stringify({ ...JSON.parse(from.consent), ...JSON.parse(into.consent) }),
          updated_at: this.now(),
        })
        .where('id', '=', intoId)
        .execute();
      await trx.updateTable('customers').set({ merged_into: intoId, updated_at: this.now() }).where('id', '=', fromId).execute();
      // Records merged into `from` earlier now point at `into` directly.
      await trx.updateTable('customers').set({ merged_into: intoId }).where('merged_into', '=', fromId).execute();
      return Number(moved.numUpdatedRows);
    });
    return { customer: (await this.get(orgId, intoId))!, movedContacts: moved };
  }
}

import type { Kysely } from 'kysely';

// Contacts, their messages, customers and agents' presence: what the live ACD is rebuilt from.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Signs the customer tokens a company's site passes to the widget (HMAC-SHA256).
  await db.schema.alterTable('organisations').addColumn('widget_secret', 'text').execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('external_id', 'text')
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('segment', 'text')
    .addColumn('account_manager_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('language', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customers_org_external', ['org_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull().references('queues.id'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
    .addColumn('since_at', 'bigint', (c) => c.notNull())
    .addColumn('agent_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('preferred_agent_id', 'text')
    .addColumn('preferred_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('customer_name', 'text', (c) => c.notNull())
    .addColumn('customer_language', 'text', (c) => c.notNull())
    .addColumn('resume_hash', 'text')
    .addColumn('classification_id', 'text')
    .addColumn('close_reason', 'text')
    .addColumn('rating', 'integer')
    .addColumn('transcript_email', 'text')
    .addColumn('transcript_sent_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('connected_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .execute();
  await db.schema.createIndex('contacts_org_status').on('contacts').columns(['org_id', 'status']).execute();
  await db.schema.createIndex('contacts_customer').on('contacts').columns(['customer_id', 'created_at']).execute();
  await db.schema.createIndex('contacts_resume').on('contacts').column('resume_hash').execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('sender_role', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addUniqueConstraint('messages_contact_seq', ['contact_id', 'seq'])
    .execute();

  await db.schema
    .createTable('agent_presence')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

import type { Kysely } from 'kysely';

// Response-time targets of queues for written work, attachments to agents' answers, write-back to other systems (webhook endpoints and every delivery, in order, with its attempts),
// NPS answers beside CSAT and survey invitations by e-mail, customers' consent, customers merged into another.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_endpoint_seq', ['endpoint_id', 'seq'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_pending').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
  // Files an agent attaches to an answer: uploaded first (kept in DATA_DIR), sent with the mail.
  await db.schema
    .createTable('email_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('queues').addColumn('response_target_hours', 'integer').execute();
  await db.schema.alterTable('contacts').addColumn('nps', 'integer').execute();
  await db.schema.alterTable('contacts').addColumn('survey_sent_at', 'bigint').execute();
  await db.schema.alterTable('customers').addColumn('merged_into', 'text').execute();
  await db.schema.alterTable('customers').addColumn('consent', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  await db.schema.createIndex('customers_email').on('customers').columns(['org_id', 'email']).execute();
  await db.schema.createIndex('customers_phone').on('customers').columns(['org_id', 'phone']).execute();
}

import type { Kysely } from 'kysely';

// E-mail as a channel: which addresses feed which queue, and every message in and out with its headers.
// Callbacks: attempts, the last outcome, and when a retry may be made.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('contacts').addColumn('outcome', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('not_before', 'bigint').execute();

  await db.schema
    .createTable('email_routes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('address', 'text', (c) => c.notNull().unique())
    .addColumn('queue_id', 'text', (c) => c.notNull().references('queues.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('email_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.references('contacts.id'))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('in_reply_to', 'text')
    .addColumn('refs', 'text', (c) => c.notNull())
    .addColumn('from_addr', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text', (c) => c.notNull())
    .addColumn('to_addrs', 'text', (c) => c.notNull())
    .addColumn('cc_addrs', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('raw_path', 'text')
    .addColumn('attachments', 'text', (c) => c.notNull())
    .addColumn('flagged', 'integer', (c) => c.notNull())
    .addColumn('flag_reason', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_messages_message_id').on('email_messages').columns(['org_id', 'message_id']).execute();
  await db.schema.createIndex('email_messages_contact').on('email_messages').columns(['contact_id', 'at']).execute();
}

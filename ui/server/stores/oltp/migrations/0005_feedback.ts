import type { Kysely } from 'kysely';

// Web feedback: topics the form offers, each routed to a queue; and where each item is in its workflow.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feedback_topics')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull().references('queues.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addUniqueConstraint('feedback_topics_org_code', ['org_id', 'code'])
    .execute();
  // new → assigned → answered → closed (null for other channels).
  await db.schema.alterTable('contacts').addColumn('workflow_status', 'text').execute();
}

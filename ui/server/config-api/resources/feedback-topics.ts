import type { ConfigResource } from '../resource.ts';
import { assertExist } from '../references.ts';
import { id, name, objectSchema } from '../schema-parts.ts';

export interface FeedbackTopicInput {
  code: string;
  name: string;
  queueId: string;
  position?: number;
}
export interface FeedbackTopic {
  id: string;
  code: string;
  name: string;
  queueId: string;
  position: number;
}

/** What the feedback form asks about, and which queue answers each topic. */
export const feedbackTopics: ConfigResource<FeedbackTopicInput, FeedbackTopic> = {
  path: 'feedback-topics',
  entity: 'feedback_topic',
  body: objectSchema({ code: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' }, name, queueId: id, position: { type: 'integer', minimum: 0, maximum: 1000 } }, ['code', 'name', 'queueId']),
  uniqueField: 'code',
  async list(db, orgId) {
    return db.selectFrom('feedback_topics').select(['id', 'code', 'name', 'queue_id as queueId', 'position']).where('org_id', '=', orgId).orderBy('position').orderBy('code').execute();
  },
  async get(db, orgId, topicId) {
    return db.selectFrom('feedback_topics').select(['id', 'code', 'name', 'queue_id as queueId', 'position']).where('org_id', '=', orgId).where('id', '=', topicId).executeTakeFirst();
  },
  async check(trx, ctx, input) {
    await assertExist(trx, 'queues', ctx.orgId, [input.queueId], 'queueId');
  },
  async insert(trx, ctx, topicId, input) {
    await trx.insertInto('feedback_topics').values({ id: topicId, org_id: ctx.orgId, code: input.code, name: input.name, queue_id: input.queueId, position: input.position ?? 0 }).execute();
  },
  async update(trx, _ctx, topicId, input) {
    await trx.updateTable('feedback_topics').set({ code: input.code, name: input.name, queue_id: input.queueId, position: input.position ?? 0 }).where('id', '=', topicId).execute();
  },
  async remove(trx, _ctx, topicId) {
    await trx.deleteFrom('feedback_topics').where('id', '=', topicId).execute();
  },
  auditDetails: (input, before) => ({ code: input?.code ?? before?.code, queueId: input?.queueId ?? before?.queueId }),
};

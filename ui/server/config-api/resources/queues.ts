import { STRATEGY_NAMES, type StrategyName } from '@cc/acd';
import { CHANNELS, type Channel } from '@cc/ingest';
import { errors } from '../../errors.ts';
import type { ConfigResource } from '../resource.ts';
import { assertExist, assertUnused, countWhere } from '../references.ts';
import { description, name, nullableId, objectSchema } from '../schema-parts.ts';

// Channels come from the event catalogue and strategies from the routing engine: one list each.

/** A queue, presented to customers as a service (palvelu / tjänst). */
export interface QueueInput {
  name: string;
  description?: string;
  channels: Channel[];
  strategy: StrategyName;
  serviceLevel: { thresholdSeconds: number; targetPercent: number };
  wrapUpSeconds: number;
  classificationRequired: boolean;
  classificationGroupId: string | null;
  businessHoursId: string | null;
  /** Longest line allowed; null means no limit. */
  maxQueueLength: number | null;
  /** Across queues, for agents shared between them: higher goes first. */
  priority: number;
  /** Written work (feedback, e-mail): answered within this many hours is on target; null: the report's default. */
  responseTargetHours?: number | null;
  /** Calls are transcribed in this language; auto: detected per recording. */
  transcriptionLanguage?: TranscriptionLanguage;
}
export const TRANSCRIPTION_LANGUAGES = ['auto', 'fi', 'sv', 'en'] as const;
export type TranscriptionLanguage = (typeof TRANSCRIPTION_LANGUAGES)[number];
export interface Queue extends Required<QueueInput> {
  id: string;
}

const body = objectSchema(
  {
    name,
    description,
    channels: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: CHANNELS } },
    strategy: { type: 'string', enum: STRATEGY_NAMES },
    serviceLevel: objectSchema(
      {
        thresholdSeconds: { type: 'integer', minimum: 1, maximum: 86_400 * 7 },
        targetPercent: { type: 'integer', minimum: 1, maximum: 100 },
      },
      ['thresholdSeconds', 'targetPercent'],
    ),
    wrapUpSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    classificationRequired: { type: 'boolean' },
    classificationGroupId: nullableId,
    businessHoursId: nullableId,
    maxQueueLength: { anyOf: [{ type: 'integer', minimum: 1, maximum: 100_000 }, { type: 'null' }] },
    priority: { type: 'integer', minimum: 1, maximum: 100 },
    responseTargetHours: { anyOf: [{ type: 'integer', minimum: 1, maximum: 24 * 90 }, { type: 'null' }] },
    transcriptionLanguage: { type: 'string', enum: TRANSCRIPTION_LANGUAGES },
  },
  ['name', 'channels', 'strategy', 'serviceLevel', 'wrapUpSeconds', 'classificationRequired', 'classificationGroupId', 'businessHoursId', 'maxQueueLength', 'priority'],
);

const columns = [
  'id',
  'name',
  'description',
  'channels',
  'strategy',
  'sl_threshold_seconds',
  'sl_target_percent',
  'wrap_up_seconds',
  'classification_required',
  'classification_group_id',
  'business_hours_id',
  'max_queue_length',
  'priority',
  'response_target_hours',
  'transcription_language',
] as const;

type Row = {
  id: string;
  name: string;
  description: string;
  channels: string;
  strategy: string;
  sl_threshold_seconds: number;
  sl_target_percent: number;
  wrap_up_seconds: number;
  classification_required: number;
  classification_group_id: string | null;
  business_hours_id: string | null;
  max_queue_length: number | null;
  priority: number;
  response_target_hours: number | null;
  transcription_language: string;
};

const fromRow = (row: Row): Queue => ({
  id: row.id,
  name: row.name,
  description: row.description,
  channels: JSON.parse(row.channels) as Channel[],
  strategy: row.strategy as StrategyName,
  serviceLevel: { thresholdSeconds: row.sl_threshold_seconds, targetPercent: row.sl_target_percent },
  wrapUpSeconds: row.wrap_up_seconds,
  classificationRequired: Boolean(row.classification_required),
  classificationGroupId: row.classification_group_id,
  businessHoursId: row.business_hours_id,
  maxQueueLength: row.max_queue_length,
  priority: row.priority,
  responseTargetHours: row.response_target_hours,
  transcriptionLanguage: row.transcription_language as TranscriptionLanguage,
});

const toColumns = (input: QueueInput) => ({
  name: input.name,
  description: input.description ?? '',
  channels: JSON.stringify(CHANNELS.filter((c) => input.channels.includes(c))),
  strategy: input.strategy,
  sl_threshold_seconds: input.serviceLevel.thresholdSeconds,
  sl_target_percent: input.serviceLevel.targetPercent,
  wrap_up_seconds: input.wrapUpSeconds,
  classification_required: input.classificationRequired ? 1 : 0,
  classification_group_id: input.classificationGroupId,
  business_hours_id: input.businessHoursId,
  max_queue_length: input.maxQueueLength,
  priority: input.priority,
  response_target_hours: input.responseTargetHours ?? null,
  transcription_language: input.transcriptionLanguage ?? 'auto',
});

export const queues: ConfigResource<QueueInput, Queue> = {
  path: 'queues',
  entity: 'queue',
  body,
  async list(db, orgId) {
    return (await db.selectFrom('queues').select(columns).where('org_id', '=', orgId).orderBy('name').execute()).map(fromRow);
  },
  async get(db, orgId, id) {
    const row = await db.selectFrom('queues').select(columns).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  },
  async check(trx, ctx, input) {
    if (input.classificationRequired && !input.classificationGroupId) {
      throw errors.validationFailed('A queue that requires classification needs a classification group', 'classificationGroupId');
    }
    if (input.classificationGroupId) await assertExist(trx, 'classification_groups', ctx.orgId, [input.classificationGroupId], 'classificationGroupId');
    if (input.businessHoursId) await assertExist(trx, 'business_hours', ctx.orgId, [input.businessHoursId], 'businessHoursId');
  },
  async insert(trx, ctx, id, input) {
    await trx.insertInto('queues').values({ id, org_id: ctx.orgId, ...toColumns(input), created_at: ctx.now, updated_at: ctx.now }).execute();
  },
  async update(trx, ctx, id, input) {
    await trx.updateTable('queues').set({ ...toColumns(input), updated_at: ctx.now }).where('id', '=', id).execute();
  },
  async remove(trx, _ctx, id) {
    assertUnused(await countWhere(trx, 'service_role_queues', 'queue_id', id), 'service roles');
    assertUnused(await countWhere(trx, 'email_routes', 'queue_id', id), 'e-mail routes');
    assertUnused(await countWhere(trx, 'feedback_topics', 'queue_id', id), 'feedback topics');
    await trx.deleteFrom('queues').where('id', '=', id).execute();
  },
  auditDetails: (input, before) => (input ? { ...input } : { name: before?.name }),
};

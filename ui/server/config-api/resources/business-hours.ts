import { errors } from '../../errors.ts';
import type { ConfigResource } from '../resource.ts';
import { assertUnused, countWhere } from '../references.ts';
import { name, objectSchema } from '../schema-parts.ts';

/** ISO weekday 1 = Monday … 7 = Sunday; times are local "HH:MM" in the calendar's zone. */
export interface WeeklyOpening {
  day: number;
  open: string;
  close: string;
}
/** A holiday closes the day, or opens it with other hours when open/close are given. */
export interface Holiday {
  date: string;
  name: string;
  open?: string;
  close?: string;
}
export interface BusinessHoursInput {
  name: string;
  timeZone: string;
  weekly: WeeklyOpening[];
  holidays: Holiday[];
}
export interface BusinessHours extends BusinessHoursInput {
  id: string;
}

const time = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' } as const;

const body = objectSchema(
  {
    name,
    timeZone: { type: 'string', minLength: 1, maxLength: 64 },
    weekly: {
      type: 'array',
      maxItems: 50,
      items: objectSchema({ day: { type: 'integer', minimum: 1, maximum: 7 }, open: time, close: time }, ['day', 'open', 'close']),
    },
    holidays: {
      type: 'array',
      maxItems: 400,
      items: objectSchema(
        { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, name, open: time, close: time },
        ['date', 'name'],
      ),
    },
  },
  ['name', 'timeZone', 'weekly', 'holidays'],
);

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function checkRules(input: BusinessHoursInput): void {
  if (!isTimeZone(input.timeZone)) throw errors.validationFailed('timeZone is not an IANA time zone (e.g. Europe/Helsinki)', 'timeZone');
  input.weekly.forEach((slot, i) => {
    if (slot.open >= slot.close) throw errors.validationFailed(`weekly/${i} must open before it closes`, `weekly/${i}/close`);
    const overlap = input.weekly.findIndex((other, j) => j < i && other.day === slot.day && other.open < slot.close && slot.open < other.close);
    if (overlap >= 0) throw errors.validationFailed(`weekly/${i} overlaps weekly/${overlap}`, `weekly/${i}`);
  });
  const seen = new Set<string>();
  input.holidays.forEach((holiday, i) => {
    if (!isCalendarDate(holiday.date)) throw errors.validationFailed(`holidays/${i}/date is not a calendar date`, `holidays/${i}/date`);
    if (seen.has(holiday.date)) throw errors.validationFailed(`holidays/${i}/date repeats ${holiday.date}`, `holidays/${i}/date`);
    seen.add(holiday.date);
    if ((holiday.open === undefined) !== (holiday.close === undefined)) {
      throw errors.validationFailed(`holidays/${i} needs both open and close, or neither`, `holidays/${i}/${holiday.open ? 'close' : 'open'}`);
    }
    if (holiday.open !== undefined && holiday.open >= holiday.close!) {
      throw errors.validationFailed(`holidays/${i} must open before it closes`, `holidays/${i}/close`);
    }
  });
}

type Row = { id: string; name: string; time_zone: string; weekly: string; holidays: string };
const fromRow = (row: Row): BusinessHours => ({
  id: row.id,
  name: row.name,
  timeZone: row.time_zone,
  weekly: JSON.parse(row.weekly) as WeeklyOpening[],
  holidays: JSON.parse(row.holidays) as Holiday[],
});

const sortWeekly = (weekly: WeeklyOpening[]) => [...weekly].sort((a, b) => a.day - b.day || a.open.localeCompare(b.open));
const sortHolidays = (holidays: Holiday[]) => [...holidays].sort((a, b) => a.date.localeCompare(b.date));

export const businessHours: ConfigResource<BusinessHoursInput, BusinessHours> = {
  path: 'business-hours',
  entity: 'business_hours',
  body,
  async list(db, orgId) {
    const rows = await db.selectFrom('business_hours').select(['id', 'name', 'time_zone', 'weekly', 'holidays']).where('org_id', '=', orgId).orderBy('name').execute();
    return rows.map(fromRow);
  },
  async get(db, orgId, id) {
    const row = await db
      .selectFrom('business_hours')
      .select(['id', 'name', 'time_zone', 'weekly', 'holidays'])
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  },
  async check(_trx, _ctx, input) {
    checkRules(input);
  },
  async insert(trx, ctx, id, input) {
    await trx
      .insertInto('business_hours')
      .values({
        id,
        org_id: ctx.orgId,
        name: input.name,
        time_zone: input.timeZone,
        weekly: JSON.stringify(sortWeekly(input.weekly)),
        holidays: JSON.stringify(sortHolidays(input.holidays)),
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .execute();
  },
  async update(trx, ctx, id, input) {
    await trx
      .updateTable('business_hours')
      .set({
        name: input.name,
        time_zone: input.timeZone,
        weekly: JSON.stringify(sortWeekly(input.weekly)),
        holidays: JSON.stringify(sortHolidays(input.holidays)),
        updated_at: ctx.now,
      })
      .where('id', '=', id)
      .execute();
  },
  async remove(trx, _ctx, id) {
    assertUnused(await countWhere(trx, 'queues', 'business_hours_id', id), 'queues');
    await trx.deleteFrom('business_hours').where('id', '=', id).execute();
  },
  auditDetails: (input, before) => ({ name: input?.name ?? before?.name }),
};

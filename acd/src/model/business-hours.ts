import type { BusinessHours } from './types.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localParts(timeZone: string, at: number): { date: string; weekday: number; time: string } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: WEEKDAYS[parts.weekday!] ?? 0, time: `${parts.hour}:${parts.minute}` };
}

/** Whether the calendar is open at this instant, in its own time zone (holidays override the week). */
export function isOpen(hours: BusinessHours | null | undefined, at: number): boolean {
  if (!hours) return true;
  const local = localParts(hours.timeZone, at);
  const holiday = hours.holidays.find((h) => h.date === local.date);
  if (holiday) return holiday.open !== undefined && holiday.close !== undefined && local.time >= holiday.open && local.time < holiday.close;
  return hours.weekly.some((slot) => slot.day === local.weekday && local.time >= slot.open && local.time < slot.close);
}

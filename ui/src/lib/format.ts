/** Minutes and seconds, `m:ss`, of a span in seconds; a dash for none. */
export function mmss(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** A moment as a short date and time in the user's language. */
export function shortDateTime(at: number, lang: string): string {
  return new Date(at).toLocaleString(lang, { dateStyle: 'short', timeStyle: 'short' });
}

/** Milliseconds since the epoch as a ClickHouse DateTime64(3, 'UTC') literal, for query parameters. */
export function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

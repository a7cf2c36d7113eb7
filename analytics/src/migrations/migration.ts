/** One forward-only ClickHouse migration: its statements run in order, once, and are recorded. */
export interface ClickHouseMigration {
  /** Strictly increasing, never reused. */
  version: number;
  name: string;
  /** ClickHouse runs one statement per request, so a migration is a list; `database` is ours. */
  statements(database: string): string[];
}

import type { ClickHouseMigration } from './migration.ts';

/**
 * The analytics schema, in order. Forward-only: never edit or remove an applied migration; add one.
 * The event tables arrive with the event catalogue (issue 4).
 */
export const clickhouseMigrations: readonly ClickHouseMigration[] = [];

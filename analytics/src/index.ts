export { createAnalyticsStore } from './clickhouse/analytics-store.ts';
export type { AnalyticsStore, AnalyticsStoreOptions, AnalyticsHealth } from './clickhouse/analytics-store.ts';
export type { ClickHouseMigration } from './migrations/migration.ts';
export { clickhouseMigrations } from './migrations/index.ts';
export { migrateClickHouse, appliedClickHouseMigrations, migrationChecksum } from './migrations/runner.ts';

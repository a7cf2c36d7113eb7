import { isIdentifier } from '../catalogue/identifiers.ts';

/** Where shipped batches go. One implementation over a ClickHouse client; tests may wrap it to inject faults. */
export interface BatchTarget {
  /** Inserts rows (each one JSON object, as spooled) into one table; `token` makes a retried batch count once. */
  insert(table: string, rows: string[], token: string): Promise<void>;
}

/** The part of @clickhouse/client the target needs (structural, so ingest does not import the client). */
export interface CommandingClient {
  command(params: {
    query: string;
    clickhouse_settings?: { insert_deduplication_token?: string; deduplicate_blocks_in_dependent_materialized_views?: 0 | 1 };
  }): Promise<unknown>;
}


/**
 * Ships into ClickHouse, over chdb or a server alike: the spooled JSON rows go verbatim as the data
 * of an INSERT … FORMAT JSONEachRow (no decode and re-encode). Time columns are epoch milliseconds,
 * which DateTime64(3) reads as such.
 */
export function clickhouseTarget(client: CommandingClient, database: string): BatchTarget {
  return {
    async insert(table, rows, token) {
      if (!isIdentifier(table) || !isIdentifier(database)) throw new Error(`invalid table ${database}.${table}`);
      await client.command({
        query: `INSERT INTO ${database}.${table} FORMAT JSONEachRow\n${rows.join('\n')}`,
        clickhouse_settings: { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
      });
    },
  };
}

/** Where shipped batches go. One implementation over a ClickHouse client; tests may wrap it to inject faults. */
export interface BatchTarget {
  /** Inserts rows into one table; `token` makes a retried batch count once. */
  insert(table: string, rows: Record<string, unknown>[], token: string): Promise<void>;
}

/** The part of @clickhouse/client the target needs (structural, so ingest does not import the client). */
export interface InsertingClient {
  insert(params: {
    table: string;
    values: Record<string, unknown>[];
    format: 'JSONEachRow';
    clickhouse_settings?: { insert_deduplication_token?: string; deduplicate_blocks_in_dependent_materialized_views?: 0 | 1; input_format_skip_unknown_fields?: 0 | 1 };
  }): Promise<unknown>;
}

/** Ships into ClickHouse, over chdb or a server alike. Time columns travel as epoch milliseconds (DateTime64(3) reads them as such). */
export function clickhouseTarget(client: InsertingClient, database: string): BatchTarget {
  return {
    async insert(table, rows, token) {
      await client.insert({
        table: `${database}.${table}`,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: {
          insert_deduplication_token: token,
          deduplicate_blocks_in_dependent_materialized_views: 1,
          input_format_skip_unknown_fields: 0,
        },
      });
    },
  };
}

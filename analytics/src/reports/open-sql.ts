import { FAMILIES } from '@cc/ingest';
import type { AnalyticsStore } from '../clickhouse/analytics-store.ts';

/** The tables analysts may read: the event families and the per-minute view. */
export const ANALYST_TABLES: readonly string[] = [...Object.values(FAMILIES).map((f) => f.table), 'queue_minute', 'queue_hour', 'queue_line_minute', 'queue_line_hour'];

export class OpenSqlError extends Error {
  constructor(
    readonly code: 'SQL_NOT_ALLOWED' | 'SQL_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'OpenSqlError';
  }
}

export interface OpenSqlResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number;
}

interface AstNode {
  depth: number;
  text: string;
}

/** Reads ClickHouse's EXPLAIN AST into (depth, text) lines. */
async function explain(store: AnalyticsStore, sql: string): Promise<AstNode[]> {
  try {
    const result = await store.client.query({ query: `EXPLAIN AST ${sql}`, format: 'TabSeparatedRaw' });
    return (await result.text())
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const text = line.replace(/^"|"$/g, '');
        return { depth: text.length - text.trimStart().length, text: text.trim() };
      });
  } catch (error) {
    throw new OpenSqlError('SQL_INVALID', `ClickHouse cannot parse the query: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Checks a query with ClickHouse's own parser: one SELECT, only our event tables, no table functions
 * (file(), url() and friends read outside the event tables), no SETTINGS (they could lift the limits).
 */
function check(ast: AstNode[], database: string): void {
  if (ast[0]?.text.split(' ')[0] !== 'SelectWithUnionQuery') throw new OpenSqlError('SQL_NOT_ALLOWED', 'Only a SELECT query is allowed');
  const allowed = new Set(ANALYST_TABLES.map((t) => `${database}.${t}`));
  ast.forEach((node, index) => {
    const [kind, name] = node.text.split(' ');
    if (kind === 'Set') throw new OpenSqlError('SQL_NOT_ALLOWED', 'SETTINGS are not allowed');
    if (kind === 'TableIdentifier' && name && !allowed.has(name)) {
      throw new OpenSqlError('SQL_NOT_ALLOWED', `Table ${name} is not open for queries; use ${ANALYST_TABLES.join(', ')}`);
    }
    if (kind === 'Function') {
      const parent = [...ast.slice(0, index)].reverse().find((n) => n.depth < node.depth);
      if (parent?.text.startsWith('TableExpression')) throw new OpenSqlError('SQL_NOT_ALLOWED', `Table function ${name}() is not allowed`);
    }
  });
}

/** Our table names written bare after FROM or JOIN get the database in front (analysts need not know it). */
export function qualifyTables(sql: string, database: string): string {
  const names = ANALYST_TABLES.join('|');
  return sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)(${names})\\b(?!\\s*\\.)`, 'gi'), (_, keyword: string, space: string, table: string) => `${keyword}${space}${database}.${table}`);
}

/** Runs an analyst's read-only query with time and row limits. */
export async function runOpenSql(store: AnalyticsStore, sql: string, limits: { maxRows: number; maxSeconds: number }): Promise<OpenSqlResult> {
  const trimmed = sql.trim().replace(/;\s*$/, '');
  if (!trimmed) throw new OpenSqlError('SQL_INVALID', 'The query is empty');
  if (/\bINTO\s+OUTFILE\b/i.test(trimmed)) throw new OpenSqlError('SQL_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
  if (/\bFORMAT\s+\w+\s*$/i.test(trimmed)) throw new OpenSqlError('SQL_NOT_ALLOWED', 'FORMAT is chosen by the server');
  const query = qualifyTables(trimmed, store.database);
  check(await explain(store, query), store.database);
  const started = performance.now();
  try {
    // chdb applies per-query settings to its one session, where they stay (readonly would stick for
    // good): there the row limit is a LIMIT around the query and the time limit an abort. A server
    // takes the settings per query, as documented.
    const onServer = store.engine === 'server';
    const result = await store.client.query({
      query: onServer ? query : `SELECT * FROM (${query}) LIMIT ${limits.maxRows + 1}`,
      format: 'JSONCompact',
      abort_signal: AbortSignal.timeout(limits.maxSeconds * 1000),
      ...(onServer
        ? {
            clickhouse_settings: {
              readonly: '2',
              max_execution_time: limits.maxSeconds,
              max_result_rows: String(limits.maxRows + 1),
              result_overflow_mode: 'break',
              max_memory_usage: String(2 * 1024 * 1024 * 1024),
            },
          }
        : {}),
    });
    const body = (await result.json()) as unknown as { meta: { name: string; type: string }[]; data: unknown[][]; rows: number };
    const rows = body.data.slice(0, limits.maxRows);
    return { columns: body.meta, rows, rowCount: rows.length, truncated: body.data.length > limits.maxRows, elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    throw new OpenSqlError('SQL_INVALID', (error as Error).message.split('\n')[0] ?? 'query failed');
  }
}

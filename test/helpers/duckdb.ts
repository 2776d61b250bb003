import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let connection: Promise<DuckDBConnection> | undefined;

/** Runs SQL in one in-memory DuckDB (the tests' oracle) and returns the rows as JSON-safe values (BIGINT and HUGEINT as strings). */
export async function duckRows(sql: string): Promise<Array<Record<string, unknown>>> {
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  const reader = await (await connection).runAndReadAll(sql);
  return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
}

/** DuckDB's `DESCRIBE` of a table expression (`read_csv(…)`): column name → DuckDB type name. */
export async function duckTypes(sql: string): Promise<Record<string, string>> {
  const rows = await duckRows(`DESCRIBE SELECT * FROM ${sql}`);
  return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}

import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pl from 'nodejs-polars';

/** One DuckDB connection per test file: the oracle every answer is checked against. */
let connection: Promise<DuckDBConnection> | undefined;

/** Rows of a DuckDB query as JS objects (bigints for BIGINT/HUGEINT, strings where the SQL casts). */
export async function duck(sql: string): Promise<Array<Record<string, unknown>>> {
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  const reader = await (await connection).runAndReadAll(sql);
  return reader.getRowObjectsJS() as Array<Record<string, unknown>>;
}

/**
 * The rows DuckDB writes: every column has nulls (a different share in each), and each type has
 * values where a careless reader goes wrong — Int64 beyond 2^53, UInt64 beyond 2^63, dates before
 * 1970, timestamps with microseconds, DECIMAL(38,10), '' beside null, lists with null items.
 */
export const DUCK_ROWS = `
  SELECT i,
    CASE WHEN i % 5 < 2 THEN (i * 7919) % 1024 END AS v,
    CASE WHEN i % 7 <> 0 THEN 9007199254740993 + i * 1000003 END AS big,
    CASE WHEN i % 3 <> 0 THEN (i * 2654435761) % 9007199254740991 - 4503599627370495 END AS small,
    CASE WHEN i % 4 <> 0 THEN (18446744073709551615 - i * 7)::UBIGINT END AS u,
    CASE WHEN i % 6 <> 0 THEN DATE '1969-12-25' + (i % 20000)::INTEGER END AS d,
    CASE WHEN i % 8 <> 0 THEN TIMESTAMP '1969-12-31 23:00:00' + to_microseconds(i * 3600000123) END AS ts,
    CASE WHEN i % 9 <> 0 THEN (((i * 37) % 200000 - 100000) / 100)::DECIMAL(15,2) END AS dec,
    CASE WHEN i % 10 <> 0 THEN (i::DECIMAL(38,0) * 123456789012345678901::DECIMAL(38,0) / 10000000000)::DECIMAL(38,10) END AS dec38,
    CASE WHEN i % 11 <> 0 THEN i % 3 = 0 END AS b,
    CASE WHEN i % 12 = 0 THEN NULL WHEN i % 12 = 1 THEN '' ELSE 'w' || (i % 37)::VARCHAR END AS s,
    CASE WHEN i % 13 <> 0 THEN [i % 4, CASE WHEN i % 2 = 0 THEN i END, i % 7] END AS l,
    CASE WHEN i % 14 <> 0 THEN {'x': i % 100, 'y': CASE WHEN i % 3 = 0 THEN NULL ELSE 'y' || (i % 5)::VARCHAR END} END AS st
  FROM range(10000) t(i)`;

/** Writes the DuckDB rows as Parquet and CSV into `dir`; returns their paths. */
export async function writeDuckFiles(dir: string): Promise<{ parquet: string; csv: string }> {
  const parquet = path.join(dir, 'duck.parquet');
  const csv = path.join(dir, 'duck.csv');
  await duck(`COPY (${DUCK_ROWS}) TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  await duck(`COPY (SELECT i, v, big, small, d, ts, dec, b, s FROM (${DUCK_ROWS})) TO '${csv}' (HEADER)`);
  return { parquet, csv };
}

/**
 * The same kinds of columns as Polars writes them to Arrow IPC: Utf8View strings, a Categorical
 * (dictionary) column, Int64 and UInt64, Date, a list of doubles with null items and null lists, and a
 * struct whose fields have nulls.
 * Returns the IPC file and a Parquet file Polars writes of the same frame, which DuckDB reads as the
 * oracle (DuckDB has no Arrow IPC reader).
 */
export function writePolarsFiles(dir: string, rows = 5000): { ipc: string; polarsParquet: string } {
  const ipc = path.join(dir, 'polars.arrow');
  const polarsParquet = path.join(dir, 'polars.parquet');
  const at = (f: (i: number) => unknown, nullEvery: number) => Array.from({ length: rows }, (_, i) => (i % nullEvery === 0 ? null : f(i)));
  const df = pl
    .DataFrame({
      i: Array.from({ length: rows }, (_, i) => i),
      s: at((i) => (i % 5 === 1 ? 'a string longer than twelve bytes ' + (i % 9) : 'w' + (i % 13)), 6),
      // A Series of bigints is UInt64 (and nulls with an Int64 dtype given): cast to get Int64.
      n: pl
        .Series(
          'n',
          at((i) => 9007199254740993n + BigInt(i) * 1000003n, 7),
        )
        .cast(pl.Int64),
      u: pl.Series(
        'u',
        at((i) => 18446744073709551615n - BigInt(i), 4),
        pl.UInt64,
      ),
      d: pl.Series(
        'd',
        at((i) => new Date(Date.UTC(1969, 11, 20) + i * 86_400_000), 5),
        pl.Date,
      ),
      l: pl.Series(
        'l',
        at((i) => [i % 4, i % 2 === 0 ? i : null, i % 7], 13),
      ),
      x: pl
        .Series(
          'x',
          Array.from({ length: rows }, (_, i) => i % 100),
        )
        .cast(pl.Int64),
      y: at((i) => 'y' + (i % 5), 3),
    })
    .withColumns(pl.col('s').cast(pl.Categorical).alias('cat'), pl.struct([pl.col('x'), pl.col('y')]).alias('st'))
    .drop(['x', 'y']);
  df.writeIPC(ipc);
  // Without the Categorical column: a Polars Parquet file with one hangs quiver's Parquet reader
  // today (issue 22, the Parquet reader's part); the Categorical holds the values of `s`.
  df.drop('cat').writeParquet(polarsParquet);
  return { ipc, polarsParquet };
}

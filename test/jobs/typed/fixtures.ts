import { existsSync } from 'node:fs';
import path from 'node:path';
import pl from 'nodejs-polars';

/**
 * Small files of every column type users have, written by DuckDB (Parquet, CSV) and by Polars
 * (Parquet, Arrow IPC, whose text is Utf8View), with nulls in every column: 3000 rows in row groups of
 * 700, keys of a few values each (Int64 and UInt64 beyond 2^53, DECIMAL(18,3), DATE, TIMESTAMP in µs,
 * with a time zone and, from Polars, in ns, BOOLEAN, VARCHAR with '' and '05', BLOB, UUID), values
 * Int64 near 2^62, UInt64 near 1.8e19, DECIMAL(18,3), DECIMAL(38,10), INTEGER, DOUBLE (multiples of
 * 0.25, so every sum is exact), DATE and TIMESTAMP.
 */

/** The SQL of the table (`range(3000) r(i)`); each column's nulls fall on other rows. */
export const TABLE_SQL = `SELECT
  CASE WHEN i % 11 = 0 THEN NULL ELSE 9007199254740993 + (i % 5) * 1000000000000000 END::BIGINT AS k_i64,
  CASE WHEN i % 13 = 0 THEN NULL ELSE 18446744073709551000 + (i % 4) END::UBIGINT AS k_u64,
  CASE WHEN i % 7 = 0 THEN NULL ELSE ((i % 6) * 1.125 - 2)::DECIMAL(18,3) END AS k_dec,
  CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '2020-01-01' + (i % 4)::INT END AS d,
  CASE WHEN i % 10 = 0 THEN NULL ELSE TIMESTAMP '2021-03-04 05:06:07.123456' + to_microseconds(i % 3) END AS ts,
  CASE WHEN i % 8 = 0 THEN NULL ELSE TIMESTAMPTZ '2022-01-01 00:00:00+00' + to_hours(i % 3) END AS tstz,
  CASE WHEN i % 6 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 5 = 0 THEN NULL ELSE ['x', '', 'yy', '05'][(i % 4) + 1] END AS s,
  CASE WHEN i % 12 = 0 THEN NULL ELSE ['\\x00\\x01'::BLOB, 'ab'::BLOB, ''::BLOB][(i % 3) + 1] END AS bl,
  CASE WHEN i % 14 = 0 THEN NULL ELSE ['00000000-0000-0000-0000-000000000001'::UUID, 'ffffffff-0000-0000-0000-000000000000'::UUID][(i % 2) + 1] END AS u,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 4611686018427387904 + i * 1234567891 END::BIGINT AS v_i64,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 18000000000000000000 + i * 7 END::UBIGINT AS v_u64,
  CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 1.001 - 500)::DECIMAL(18,3) END AS v_dec,
  CASE WHEN i % 6 = 0 THEN NULL ELSE (i * 12345678901.0123456789 - 1e13)::DECIMAL(38,10) END AS v_dec38,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 1000003) % 2000000000 - 1000000000 END::INTEGER AS v_i32,
  CASE WHEN i % 8 = 0 THEN NULL ELSE (i % 97) * 0.25 - 3 END::DOUBLE AS v_f64,
  CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '1999-12-31' + (i * 37 % 5000)::INT END AS v_d,
  CASE WHEN i % 10 = 0 THEN NULL ELSE TIMESTAMP '2000-01-01' + to_microseconds(i * 123456789) END AS v_ts,
  CASE WHEN i % 7 = 3 THEN NULL ELSE i % 50 END::INTEGER AS k_i32
FROM range(3000) r(i)`;

/** The typed files, by who wrote them. */
export interface TypedFiles {
  duckParquet: string;
  duckCsv: string;
  polarsParquet: string;
  polarsArrow: string;
}

/** Columns Polars' JS binding can pass on (it cannot hold BLOB or UUID). */
const POLARS_COLUMNS = [
  'k_i64',
  'k_u64',
  'k_dec',
  'd',
  'ts',
  'tstz',
  'b',
  's',
  'v_i64',
  'v_u64',
  'v_dec',
  'v_dec38',
  'v_i32',
  'v_f64',
  'v_d',
  'v_ts',
  'k_i32',
];

/** Writes the files into `dir` (DuckDB through `run`); Polars reads DuckDB's Parquet and adds `tsns`, `ts` in ns. */
export async function writeTypedFiles(dir: string, run: (sql: string) => Promise<void>): Promise<TypedFiles> {
  const files: TypedFiles = {
    duckParquet: path.join(dir, 'duck.parquet'),
    duckCsv: path.join(dir, 'duck.csv'),
    polarsParquet: path.join(dir, 'polars.parquet'),
    polarsArrow: path.join(dir, 'polars.arrow'),
  };
  if (existsSync(files.polarsArrow)) return files;
  await run(`CREATE OR REPLACE TABLE typed AS ${TABLE_SQL}`);
  await run(`COPY typed TO '${files.duckParquet}' (FORMAT parquet, ROW_GROUP_SIZE 700)`);
  await run(`COPY (SELECT k_i32, s, v_i32, v_f64 FROM typed) TO '${files.duckCsv}' (HEADER)`);
  const df = pl.readParquet(files.duckParquet, { columns: POLARS_COLUMNS }).withColumns(pl.col('ts').cast(pl.Datetime('ns')).alias('tsns'));
  df.writeParquet(files.polarsParquet);
  df.writeIPC(files.polarsArrow);
  return files;
}

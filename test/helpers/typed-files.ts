import pl from 'nodejs-polars';
import { makePlan } from 'quiver-engine';
import type { RecordBatch } from 'apache-arrow';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { duckRows } from './duckdb.js';
import type { StatKind } from './column-stats.js';

/** The columns of the typed test files and how their values compare. */
export const TYPED_COLUMNS: Record<string, StatKind> = {
  zip: 'text',
  i: 'int',
  big: 'int',
  f: 'float',
  b: 'bool',
  d: 'date',
  ts: 'ts_us',
  tsz: 'ts_us',
  tsns: 'ts_ns',
};

/** The Arrow type quiver must infer for each column of the typed files. */
export const TYPED_ARROW: Record<string, string> = {
  zip: 'Utf8',
  i: 'Int32',
  big: 'Int64',
  f: 'Float64',
  b: 'Bool',
  d: 'Date32<DAY>',
  ts: 'Timestamp<MICROSECOND>',
  tsz: 'Timestamp<MICROSECOND, UTC>',
  tsns: 'Timestamp<NANOSECOND>',
};

/**
 * A table with nulls in every column: zip codes with leading zeros, int32, int64 past 2^53, doubles,
 * booleans, dates before and after 1970, timestamps (µs, UTC, ns). Written by DuckDB as CSV and as
 * JSON lines (`COPY … (FORMAT json)`).
 */
export async function writeDuckTyped(csv: string, ndjson: string, rows = 300): Promise<void> {
  await duckRows("SET TimeZone='UTC'");
  await duckRows(`CREATE OR REPLACE TABLE typed AS SELECT
    CASE WHEN i % 7 = 1 THEN NULL ELSE lpad(CAST(i * 37 % 100000 AS VARCHAR), 5, '0') END AS zip,
    CASE WHEN i % 7 = 2 THEN NULL ELSE CAST(i * 1000 - 50000 AS INTEGER) END AS i,
    CASE WHEN i % 7 = 3 THEN NULL ELSE CAST(i AS BIGINT) * 1000000000000007 - 4000000000000000000 END AS big,
    CASE WHEN i % 7 = 4 THEN NULL ELSE i / 8 END AS f,
    CASE WHEN i % 7 = 5 THEN NULL ELSE i % 3 = 0 END AS b,
    CASE WHEN i % 7 = 6 THEN NULL ELSE DATE '1960-01-01' + CAST(i * 13 AS INTEGER) END AS d,
    CASE WHEN i % 7 = 0 THEN NULL ELSE TIMESTAMP '1965-03-04 05:06:07.123456' + to_microseconds(i * 987654321) END AS ts,
    CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMPTZ '1999-12-31 23:00:00+00' + to_microseconds(i * 123456789) END AS tsz,
    CASE WHEN i % 6 = 0 THEN NULL ELSE CAST('2001-02-03 04:05:06.' || lpad(CAST(i * 7919 % 1000000000 AS VARCHAR), 9, '0') AS TIMESTAMP_NS) END AS tsns
  FROM range(${rows}) r(i)`);
  await duckRows(`COPY typed TO '${csv}'`);
  await duckRows(`COPY typed TO '${ndjson}' (FORMAT json)`);
}

/** The same kinds of columns written by Polars (`writeCSV`, `writeJSON` as JSON lines). */
export function writePolarsTyped(csv: string, ndjson: string, rows = 300): void {
  const idx = Array.from({ length: rows }, (_, i) => i);
  const nullAt =
    (k: number) =>
    <T>(f: (i: number) => T) =>
      idx.map((i) => (i % 7 === k ? null : f(i)));
  const df = pl
    .DataFrame({
      zip: nullAt(1)((i) => String((i * 37) % 100000).padStart(5, '0')),
      i: pl
        .Series(
          'i',
          nullAt(2)((i) => i * 1000 - 50000),
        )
        .cast(pl.Int32),
      big: pl
        .Series(
          'big',
          nullAt(3)((i) => String(BigInt(i) * 1000000000000007n - 4000000000000000000n)),
        )
        .cast(pl.Int64),
      f: nullAt(4)((i) => i / 8),
      b: nullAt(5)((i) => i % 3 === 0),
      d: pl
        .Series(
          'd',
          nullAt(6)((i) => new Date(Date.UTC(1960, 0, 1 + i * 13))),
        )
        .cast(pl.Date),
      ts: pl
        .Series(
          'ts',
          nullAt(0)((i) => new Date(Date.UTC(1965, 2, 4, 5, 6, 7, 123) + i * 987654)),
        )
        .cast(pl.Datetime('us')),
    })
    .withColumns(pl.col('ts').dt.replaceTimeZone('UTC').alias('tsz'), pl.col('ts').cast(pl.Datetime('ns')).alias('tsns'));
  df.writeCSV(csv);
  df.writeJSON(ndjson, { format: 'lines' });
}

/** Every batch quiver reads from a file, in the coordinator (as `quiver inspect` does), with its schema's types. */
export async function quiverBatches(file: string, splitBytes?: number): Promise<{ batches: RecordBatch[]; types: Record<string, string> }> {
  const plan = await makePlan({ inputs: [file], workers: 2, splitBytes });
  const batches: RecordBatch[] = [];
  for (const s of plan.splits) batches.push(...(await readSplit(s, 64, undefined)));
  const types = Object.fromEntries(batches[0]!.schema.fields.map((f) => [f.name, String(f.type)]));
  return { batches, types };
}

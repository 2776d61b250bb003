import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { duckRows } from '../helpers/duckdb.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// quiver's Parquet writer dictionary-encodes only the columns with at most one distinct value in 20
// of the first batch's rows (src/io/parquet-sink.ts `parquetWriterProperties`), as DuckDB chooses,
// instead of arrow-rs's default of trying a dictionary for every column. The encoding is the only
// thing that changes: DuckDB reads the same values back, nulls included, from files DuckDB and Polars wrote.

const dir = tempDir();
const file = (name: string) => path.join(dir, name);

// Low-cardinality columns (k_*: a handful of values) and high-cardinality ones (u_*: one per row), nulls in each.
const SQL = `SELECT
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'key' || (i % 7) END AS k_text,
  CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 5)::INTEGER END AS k_int,
  CASE WHEN i % 17 = 0 THEN NULL ELSE DATE '2020-01-01' + (i % 3)::INTEGER END AS k_date,
  CASE WHEN i % 11 = 1 THEN NULL ELSE 'unique-' || i END AS u_text,
  CASE WHEN i % 13 = 1 THEN NULL ELSE i * 7919 END::BIGINT AS u_int,
  CASE WHEN i % 17 = 1 THEN NULL ELSE i / 7 END::DOUBLE AS u_double,
  CASE WHEN i % 19 = 1 THEN NULL ELSE (i * 1.25)::DECIMAL(18,2) END AS u_decimal,
  CASE WHEN i % 23 = 1 THEN NULL ELSE TIMESTAMP '2001-02-03 04:05:06' + to_seconds(i) END AS u_ts
FROM range(20000) r(i)`;

/** The encodings of each column of a Parquet file's first row group, by DuckDB's parquet_metadata. */
async function encodings(parquet: string): Promise<Record<string, string>> {
  const rows = await duckRows(`SELECT path_in_schema, encodings FROM parquet_metadata('${parquet}') WHERE row_group_id = 0`);
  return Object.fromEntries(rows.map((r) => [String(r.path_in_schema), String(r.encodings)]));
}

describe('convert → Parquet: dictionaries only where they pay', () => {
  it('low-cardinality columns are dictionary-encoded, unique ones plain, and every value reads back as written', async () => {
    await duckRows(`COPY (${SQL}) TO '${file('duckdb.parquet')}' (ROW_GROUP_SIZE 5000)`);
    pl.readParquet(file('duckdb.parquet')).writeParquet(file('polars.parquet'));
    for (const source of ['duckdb.parquet', 'polars.parquet']) {
      const out = file(`from-${source}`);
      const r = await runCli(['convert', file(source), out, '-q', '-w', '2']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // The same rows both ways (EXCEPT ALL keeps duplicates), compared by DuckDB on the same types.
      for (const [a, b] of [
        [file(source), out],
        [out, file(source)],
      ])
        expect(await duckRows(`SELECT * FROM '${a}' EXCEPT ALL SELECT * FROM '${b}'`)).toEqual([]);
      expect(await duckRows(`SELECT count(*)::INTEGER AS n FROM '${out}'`)).toEqual([{ n: 20000 }]);
      const used = await encodings(out);
      for (const c of ['k_text', 'k_int', 'k_date']) expect(used[c], c).toMatch(/DICTIONARY/);
      for (const c of ['u_text', 'u_int', 'u_double', 'u_decimal', 'u_ts']) expect(used[c], c).not.toMatch(/DICTIONARY/);
    }
  }, 120_000);
});

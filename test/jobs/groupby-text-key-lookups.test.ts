import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// A Utf8 key column is looked up one row at a time while a worker has seen few keys (up to 4,096) and
// in batched passes after (groups.ts assignText): one run crosses from one way to the other mid-input.
// 12,000 distinct keys (multi-byte ones, '' and NULL among them, NULL only in the second half) in CSV
// written by DuckDB and by Polars, read as Utf8 (too many distinct values for a dictionary), in batches
// of 1,000 rows, against DuckDB's GROUP BY of each file.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const duck = path.join(dir, 'keys-duckdb.csv');
const polars = path.join(dir, 'keys-polars.csv');

const KEY = `CASE WHEN i >= 30000 AND i % 13 = 0 THEN NULL WHEN i % 101 = 0 THEN ''
  WHEN i % 2 = 0 THEN 'k' || CAST(i % 12000 AS VARCHAR)
  ELSE repeat('é', 1 + i % 4) || CAST(i % 12000 AS VARCHAR) END`;

describe('groupby by one text key, looked up one at a time and in passes', () => {
  it('writes the files', async () => {
    await db.run(`CREATE TABLE t AS SELECT ${KEY} AS k, i % 100 AS v1, CAST(i % 1000 AS DOUBLE) / 7 AS v3 FROM range(40000) r(i)`);
    await db.run(`COPY t TO '${duck}' (HEADER)`);
    pl.readCSV(duck).writeCSV(polars);
  });

  for (const [name, file] of [
    ['DuckDB', duck],
    ['Polars', polars],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`groups ${name}'s CSV by a key of 12,000 values as DuckDB does (${workers} worker(s))`, async () => {
        const want = await db.sql(
          `SELECT k, sum(v1), avg(v3), count(*) FROM read_csv('${file}', allow_quoted_nulls = false) GROUP BY k ORDER BY k NULLS LAST`,
        );
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file,
          splitSize: '256KB',
          batchRows: 1000,
          params: { by: 'k', agg: 'sum:v1,mean:v3,count' },
        });
        expectSameRows(tableRows(table), want, `${name} by k`);
      });
    }
  }
});

import path from 'node:path';
import { describe, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// The result of many groups is finished column-wise (output.ts, finish.ts): each key column's
// distinct values ranked by a native sort, or for whole numbers in a narrow span by a bitmap of them
// (numberRanks: negatives, NaN after every number, nulls last), and sums of 32-bit integers written as Int64 words, a group with no value null. From
// DuckDB's Parquet, with 2 workers and 3 reducers, against DuckDB's GROUP BY … ORDER BY of the same file.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([2]);
const file = path.join(dir, 'numbers.parquet');

describe('groupby result columns of many groups', () => {
  it('writes the file (DuckDB Parquet)', async () => {
    await db.run(
      `COPY (SELECT CASE WHEN i % 101 = 7 THEN NULL WHEN i % 103 = 9 THEN 'NaN'::DOUBLE ` +
        `ELSE ((i * 7919) % 3001 - 1500) / 4.0 END AS k, ` +
        `(i * 7919) % 3001 AS g, CASE WHEN i % 101 = 8 THEN NULL WHEN i % 103 = 10 THEN 'NaN'::DOUBLE ` +
        `ELSE ((i * 7919) % 3001 - 1500)::DOUBLE END AS n, CASE WHEN (i * 7919) % 3001 % 50 = 3 THEN NULL ELSE (i % 1000) * 2000000 - 999000000 END AS v ` +
        `FROM range(40000) r(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`,
    );
  });

  const KEYS = {
    k: 'a double key with NaN and nulls',
    g: 'an integer key',
    n: 'a double key of whole numbers (ranked without a sort), negative, with NaN and nulls',
  };
  for (const [by, what] of Object.entries(KEYS)) {
    it(`groups by ${what} and sums Int32 values as DuckDB does`, async () => {
      const want = await db.sql(`SELECT ${by}, sum(v), count(*) FROM '${file}' GROUP BY ${by} ORDER BY ${by} NULLS LAST`);
      const { table } = await engines.get(2)!.run('groupby', {
        input: file,
        reducers: 3,
        batchRows: 1000,
        splitSize: '32KB',
        params: { by, agg: 'sum:v,count' },
      });
      expectSameRows(tableRows(table), want, `by ${by}`);
    });
  }
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// Composite keys nearly all distinct (db-benchmark q10's case): once a worker has looked up
// QUIVER_GROUPBY_PASS_ROWS rows and nearly every one was a new key, it stops looking keys up and
// passes every further row on as a group of its own (groupby/composite.ts' `repeats`); the reducers
// merge the repeats (groupby/coded-partials.ts), a bucket no other worker sent included. Set before
// the workers start (they copy the environment): the switch comes after 2,000 rows instead of 2^18.
// Rows from 30,000 on repeat keys of the first 30,000 in another order, so keys passed on unmerged meet
// their twins from before the switch and from after it. The answer must be DuckDB's GROUP BY.
process.env.QUIVER_GROUPBY_PASS_ROWS = '2000';

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const file = path.join(dir, 'distinct.parquet');
const ROWS = 45_000;

const KEY = `CASE WHEN i < 30000 THEN i ELSE (i * 7919) % 30000 END`;
const COLUMNS = `
  CASE WHEN ${KEY} % 97 = 0 THEN NULL ELSE 'a' || CAST(${KEY} % 50 AS VARCHAR) END AS a,
  CAST(${KEY} // 50 AS INTEGER) AS b,
  CASE WHEN ${KEY} % 89 = 1 THEN NULL ELSE CAST(${KEY} % 7 AS BIGINT) END AS c,
  'é' || CAST(${KEY} % 13 AS VARCHAR) AS d,
  CASE WHEN i % 11 = 0 THEN NULL ELSE CAST(i % 1000 AS DOUBLE) / 8 END AS v,
  CAST(i % 777 AS INTEGER) - 300 AS w`;

describe('groupby of nearly distinct composite keys, a worker passing rows on unmerged', () => {
  it('writes the file with DuckDB', async () => {
    await db.run(`COPY (SELECT ${COLUMNS} FROM range(${ROWS}) r(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`);
  });

  for (const workers of [1, 2]) {
    it(`DuckDB's groups, sums, counts, min and max (${workers} worker(s)), and the report counts the rows passed on`, async () => {
      const want = await db.sql(
        `SELECT a, b, c, d, sum(v), count(*), count(v), min(w), max(v) FROM '${file}' GROUP BY ALL ` +
          'ORDER BY a NULLS LAST, b NULLS LAST, c NULLS LAST, d NULLS LAST',
      );
      expect(want.length).toBe(30_000);
      const { table, report } = await engines.get(workers)!.run('groupby', {
        input: file,
        splitSize: '64KB',
        params: { by: 'a,b,c,d', agg: 'sum:v,count,count:v,min:w,max:v' },
      });
      const passed = report.counters['rows passed on unmerged (keys nearly all distinct)'] ?? 0;
      expect(passed).toBeGreaterThan(ROWS / 4);
      expectSameRows(tableRows(table), want, `${workers} worker(s)`);
    });
  }
});

import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// Sums and means of columns with no null in a batch are folded in one pass over its rows (fused.ts),
// three columns a pass; a column with nulls in a batch keeps its own loop over the non-null rows. Checked
// against DuckDB's GROUP BY on files written by DuckDB and by Polars, with seven such aggregates (two
// passes of three and one of one) over int8, int32 and double columns, nulls in some row groups only (so
// a run mixes both paths), and 3,000 groups; and, at one worker and one split, against a plain loop that
// adds each group's values in row order: the fused loop must give the very same doubles.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const duck = path.join(dir, 'duckdb.parquet');
const polars = path.join(dir, 'polars.parquet');
const ROWS = 40_000;
const AGG = 'sum:v1,sum:v2,sum:v3,mean:v1,mean:v3,mean:v4,sum:t,count';
const SQL = 'sum(v1), sum(v2), sum(v3), avg(v1), avg(v3), avg(v4), sum(t), count(*)';

describe('groupby folds sums and means of several columns in one pass', () => {
  it('writes the files', async () => {
    // v2 is null in the rows 10,000-19,999 only, v4 in 30,000-39,999 only, t (int8) every 9th row.
    await db.run(`CREATE TABLE t AS SELECT CASE WHEN i % 101 = 0 THEN NULL ELSE (i * 7919) % 3000 END AS id,
      CAST(i % 1000 - 300 AS INTEGER) AS v1,
      CASE WHEN i BETWEEN 10000 AND 19999 AND i % 5 = 0 THEN NULL ELSE CAST(i % 97 AS INTEGER) END AS v2,
      CAST((i % 1013) / 7.0 - 50 AS DOUBLE) AS v3,
      CASE WHEN i >= 30000 AND i % 3 = 0 THEN NULL ELSE sqrt(i) END AS v4,
      CASE WHEN i % 9 = 0 THEN NULL ELSE CAST(i % 100 - 50 AS TINYINT) END AS t
      FROM range(${ROWS}) r(i)`);
    await db.run(`COPY t TO '${duck}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`);
    pl.readParquet(duck).writeParquet(polars, { compression: 'zstd', rowGroupSize: 5000 } as never);
  });

  for (const [name, file] of [
    ['DuckDB', () => duck],
    ['Polars', () => polars],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`gives DuckDB's answer on ${name}'s Parquet (${workers} worker(s))`, async () => {
        const want = await db.sql(`SELECT id, ${SQL} FROM '${file()}' GROUP BY id ORDER BY id NULLS LAST`);
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file(),
          splitSize: '64KB',
          batchRows: 2000,
          params: { by: 'id', agg: AGG },
        });
        expectSameRows(tableRows(table), want, `${name}, ${workers} worker(s)`);
      });
    }
  }

  it('adds each group’s values in row order, as a plain loop does (one worker, one split)', async () => {
    const rows = (await db.sql(`SELECT id, v1, v3, v4 FROM '${duck}'`)) as Array<[number | null, number, number, number | null]>;
    const sums = new Map<number | null, { v1: number; v3: number; v4: number; n4: number }>();
    for (const [id, v1, v3, v4] of rows) {
      const s = sums.get(id) ?? { v1: 0, v3: 0, v4: 0, n4: 0 };
      s.v1 += v1;
      s.v3 += v3;
      if (v4 !== null) (s.v4 += v4), s.n4++;
      sums.set(id, s);
    }
    const { table } = await engines.get(1)!.run('groupby', {
      input: duck,
      splitSize: '1GB',
      batchRows: 2000,
      params: { by: 'id', agg: 'sum:v1,sum:v3,mean:v4' },
    });
    const got = tableRows(table);
    expect(got.length).toBe(sums.size);
    for (const [id, v1, v3, v4] of got) {
      const s = sums.get(id as number | null)!;
      expect([Number(v1), v3, v4], `group ${id}`).toEqual([s.v1, s.v3, s.n4 === 0 ? null : s.v4 / s.n4]);
    }
  });
});

import path from 'node:path';
import pl from 'nodejs-polars';
import { run } from 'quiver-engine';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

/**
 * groupby's median, sd and top (db-benchmark q6 and q8) against DuckDB's quantile_cont(v, 0.5),
 * stddev_samp and max(v, n) on files DuckDB and Polars wrote: groups of a few dozen rows (odd and
 * even counts), one-row groups, groups whose values are all null, null keys, ties, and one group of
 * 6000 rows that many batches and both workers feed. Medians compared exactly, sd within 1e-12.
 */

/** `range(20000)` plus the edge groups (k4 = 100) and the big group (k4 = 200); nulls on other rows in every column. */
const TABLE_SQL = `SELECT
  CASE WHEN i % 101 = 0 THEN NULL ELSE (i % 23)::INTEGER END AS k4,
  CASE WHEN i % 89 = 0 THEN NULL ELSE ((i * 7) % 11)::INTEGER END AS k5,
  CASE WHEN i % 6 = 0 THEN NULL ELSE ((i * 7919) % 1000) * 0.125 - 40 END::DOUBLE AS v,
  CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 31) % 1001 - 500 END::INTEGER AS vi
FROM range(20000) r(i)
UNION ALL SELECT * FROM (VALUES
  (100, 1, 2.5, 7),
  (100, 2, NULL, NULL), (100, 2, NULL, NULL),
  (100, 3, 1.0, 1), (100, 3, 4.0, 2),
  (100, 4, -1.5, 5), (100, 4, NULL, 5), (100, 4, 9.0, 5), (100, 4, 0.0, NULL),
  (100, 5, NULL, 3)
) t(k4, k5, v, vi)
UNION ALL SELECT 200, 0, (i % 3)::DOUBLE, (i % 7)::INTEGER FROM range(6000) r(i)`;

const AGG = 'count,median:v,median:vi,sd:v,sd:vi,top:2:v,top:3:vi';
const SQL_AGG =
  'count(*), quantile_cont(v, 0.5), quantile_cont(vi, 0.5), stddev_samp(v), stddev_samp(vi), ' +
  'max(v, 2)[1], max(v, 2)[2], max(vi, 3)[1], max(vi, 3)[2], max(vi, 3)[3]';

const dir = tempDir('quiver-groupby-median-');
const db = duckdb();
const engines = enginesFor([1, 2]);
const files = {
  duck: path.join(dir, 'duck.parquet'),
  polarsParquet: path.join(dir, 'polars.parquet'),
  polarsArrow: path.join(dir, 'polars.arrow'),
};

/** DuckDB's answer by `by` over DuckDB's file (the Polars files hold the same rows). */
function expected(by: string[]): Promise<Array<Array<string | number | boolean | null>>> {
  const keys = by.join(', ');
  return db.sql(
    `SELECT ${keys}, ${SQL_AGG} FROM read_parquet('${files.duck}') GROUP BY ${keys} ORDER BY ${by.map((k) => `${k} NULLS LAST`).join(', ')}`,
  );
}

describe('groupby median, sd and top against DuckDB', () => {
  it('writes the files (DuckDB Parquet; Polars Parquet and Arrow IPC of the same rows)', async () => {
    await db.run(`COPY (${TABLE_SQL}) TO '${files.duck}' (FORMAT parquet, ROW_GROUP_SIZE 3000)`);
    const df = pl.readParquet(files.duck);
    df.writeParquet(files.polarsParquet, { compression: 'zstd' });
    df.writeIPC(files.polarsArrow);
    const [[rows]] = await db.sql(`SELECT count(*) FROM read_parquet('${files.polarsParquet}')`);
    expect(rows).toBe('26010');
  });

  const inputs: Array<[string, keyof typeof files]> = [
    ['DuckDB Parquet', 'duck'],
    ['Polars Parquet (zstd)', 'polarsParquet'],
    ['Polars Arrow IPC', 'polarsArrow'],
  ];
  for (const [label, file] of inputs) {
    for (const by of [['k4', 'k5'], ['k4'], ['k5']]) {
      it(`${label} by ${by.join(',')}: 1 and 2 workers, 1000-row batches`, async () => {
        const want = await expected(by);
        for (const [workers, engine] of engines) {
          const { table } = await engine.run('groupby', { input: files[file], params: { by: by.join(','), agg: AGG }, batchRows: 1000 });
          expectSameRows(tableRows(table), want, `${label} by ${by.join(',')}, ${workers} worker(s)`);
        }
      });
    }
  }

  it('gives the same answers when the shuffle spills its value lists to disk (--memory 1kb, 3 reducers)', async () => {
    const { table, report } = await run('groupby', {
      input: files.duck,
      params: { by: 'k4,k5', agg: AGG },
      workers: 2,
      reducers: 3,
      memory: '1kb',
      batchRows: 1000,
    });
    expect(report.spilledBytes).toBeGreaterThan(0);
    expectSameRows(tableRows(table), await expected(['k4', 'k5']), 'spilled shuffle');
  });
});

import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, tableRows, type Canon } from './typed/oracle.js';

// Many groups (db-benchmark q10's case: nearly every key distinct): 250K rows over 200K composite keys
// of six columns of mixed types — text with '' and multi-byte values, integers, 64-bit integers past
// 2^53, doubles, dates, booleans — with nulls in every column, in Parquet written by DuckDB and by
// Polars. Every worker's groups leave as typed-array partials, bucket by bucket, merged by the reducers
// (groupby/partials.ts); the result must be DuckDB's GROUP BY of the same file, row for row in key order.
// At 2 workers it is finished both ways: on the main thread, and in key ranges on the workers
// (groupby/ranges.ts, taken from 2^18 groups; QUIVER_GROUPBY_RANGE_GROUPS lowers that for this file's 200K).

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const duckFile = path.join(dir, 'many-duckdb.parquet');
const polarsFile = path.join(dir, 'many-polars.parquet');
const ROWS = 250_000;

// Rows from 200,000 on repeat the keys of rows 0 … 49,999, so 50K groups have two rows.
const SEED = `hash(i % 200000)`;
const COLUMNS = `
  CASE WHEN ${SEED} % 53 = 0 THEN NULL WHEN ${SEED} % 41 = 0 THEN '' WHEN ${SEED} % 3 = 0 THEN 'é' || CAST(${SEED} % 70 AS VARCHAR) || '中'
    ELSE 'k' || CAST(${SEED} % 600 AS VARCHAR) END AS a,
  CASE WHEN ${SEED} % 47 = 1 THEN NULL ELSE CAST((${SEED} // 600) % 400 AS INTEGER) - 200 END AS b,
  CASE WHEN ${SEED} % 43 = 2 THEN NULL WHEN ${SEED} % 5 = 0 THEN 9007199254740993 + CAST((${SEED} // 7) % 9 AS BIGINT)
    ELSE CAST((${SEED} // 240000) % 13 AS BIGINT) - 6 END AS c,
  CASE WHEN ${SEED} % 37 = 3 THEN NULL ELSE CAST((${SEED} // 3120000) % 9 AS DOUBLE) / 4 END AS d,
  CASE WHEN ${SEED} % 31 = 4 THEN NULL ELSE DATE '2020-01-01' + CAST((${SEED} // 28080000) % 30 AS INTEGER) END AS e,
  CASE WHEN ${SEED} % 29 = 5 THEN NULL ELSE (${SEED} // 842400000) % 2 = 0 END AS f,
  CASE WHEN i % 11 = 0 THEN NULL ELSE CAST(i % 1000 AS DOUBLE) / 8 END AS v,
  CASE WHEN i % 13 = 0 THEN NULL ELSE CAST(i % 777 AS INTEGER) - 300 END AS w`;

const AGG = 'sum:v,count,count:v,min:w,max:v,mean:v';
const SQL = (file: string) =>
  `SELECT a, b, c, d, e, f, sum(v), count(*), count(v), min(w), max(v), avg(v) FROM '${file}' GROUP BY ALL ` +
  `ORDER BY a NULLS LAST, b NULLS LAST, c NULLS LAST, d NULLS LAST, e NULLS LAST, f NULLS LAST`;

describe('groupby with many groups (composite keys of six typed columns, nulls in each)', () => {
  it('writes the files: DuckDB Parquet, and Polars Parquet of the same rows', async () => {
    await db.run(`COPY (SELECT ${COLUMNS} FROM range(${ROWS}) r(i)) TO '${duckFile}' (FORMAT parquet, ROW_GROUP_SIZE 20000)`);
    pl.readParquet(duckFile).writeParquet(polarsFile);
    const [[groups]] = (await db.sql(`SELECT count(*) FROM (SELECT DISTINCT a, b, c, d, e, f FROM '${duckFile}')`)) as [[string]];
    // Nearly every key distinct, as in q10; the seeds' collisions in the columns' ranges make a few fewer.
    expect(Number(groups)).toBeGreaterThan(190_000);
  });

  for (const [writer, file] of [
    ['DuckDB', duckFile],
    ['Polars', polarsFile],
  ] as const) {
    for (const [workers, ranged] of [
      [1, false],
      [2, false],
      [2, true],
    ] as const) {
      const how = ranged ? ', finished in key ranges by the workers' : '';
      it(`${writer} Parquet: DuckDB's groups, sums, counts, min, max and means, in key order (${workers} worker(s)${how})`, async () => {
        const want = await db.sql(SQL(file));
        process.env.QUIVER_GROUPBY_RANGE_GROUPS = ranged ? '1000' : String(2 ** 30);
        const { table, report } = await engines
          .get(workers)!
          .run('groupby', {
            input: file,
            splitSize: '256KB',
            params: { by: 'a,b,c,d,e,f', agg: AGG },
          })
          .finally(() => delete process.env.QUIVER_GROUPBY_RANGE_GROUPS);
        expect(report.steps?.map((s) => s.job)).toEqual(ranged ? ['groupby-groups', 'groupby-finish'] : ['groupby-groups']);
        expect(table.schema.fields.map((f) => f.name)).toEqual([
          'a',
          'b',
          'c',
          'd',
          'e',
          'f',
          'sum_v',
          'count',
          'count_v',
          'min_w',
          'max_v',
          'mean_v',
        ]);
        expect(mismatches(tableRows(table), want)).toEqual([]);
      });
    }
  }
});

/** The first rows (at most 5) where `got` differs from DuckDB's `want`: exact cells, and floats within a relative 1e-12. */
function mismatches(got: Canon[][], want: Canon[][]): string[] {
  const out: string[] = [];
  if (got.length !== want.length) out.push(`${got.length} rows, DuckDB ${want.length}`);
  for (let r = 0; r < Math.min(got.length, want.length) && out.length < 5; r++) {
    const same = want[r]!.every((w, c) => {
      const g = got[r]![c];
      if (typeof w === 'number' && typeof g === 'number') return Math.abs(g - w) <= 1e-12 * Math.max(1, Math.abs(w));
      return g === w;
    });
    if (!same) out.push(`row ${r}: ${JSON.stringify(got[r])} vs DuckDB ${JSON.stringify(want[r])}`);
  }
  return out;
}

import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// Batches far longer than the 2048 keys ByteKeys.idsOf probes at a time and the 2048 rows
// Groups.foldChunks folds at a time, so both cut every batch into chunks and carry a key's group
// and the slots across them: text keys (non-ASCII, '' and NULL) from DuckDB's Parquet (plain, so
// keyed from the bytes) and Polars' Parquet (dictionary pages, keyed by code), value columns with
// nulls in some row groups only (so a batch folds some parts chunk by chunk and others row-picked),
// every kernel that branches on a slot (min, max, range) beside the sums, against DuckDB's GROUP BY.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const duckParquet = path.join(dir, 'chunks-duckdb.parquet');
const polarsParquet = path.join(dir, 'chunks-polars.parquet');
const rows = 40_000;

const KEY = `CASE WHEN i % 29 = 3 THEN NULL WHEN i % 31 = 0 THEN ''
  WHEN i % 2 = 0 THEN 'id' || lpad(CAST((i * 7919) % 3001 AS VARCHAR), 10, '0')
  ELSE repeat('é', 1 + i % 5) || '中-' || CAST((i * 104729) % 1999 AS VARCHAR) END`;

describe('groupby over batches longer than a probe or fold chunk', () => {
  it('writes the files (DuckDB and Polars Parquet)', async () => {
    await db.run(
      `CREATE TABLE t AS SELECT ${KEY} AS k, ` +
        `CASE WHEN i >= 20000 AND i % 7 = 0 THEN NULL ELSE (i * 37) % 1000 - 500 END::INTEGER AS v1, ` +
        `((i * 13) % 211)::INTEGER AS v2, CASE WHEN i % 13 = 1 THEN NULL ELSE ((i * 17) % 10007) / 9.0 END AS v3 ` +
        `FROM range(${rows}) r(i)`,
    );
    await db.run(`COPY t TO '${duckParquet}' (FORMAT parquet, ROW_GROUP_SIZE 16384)`);
    const got = (await db.sql('SELECT k, v1, v2, v3 FROM t ORDER BY rowid')) as Array<
      [string | null, number | null, number, number | null]
    >;
    pl.DataFrame({
      k: pl.Series(
        'k',
        got.map((r) => r[0]),
        pl.Utf8,
      ),
      v1: pl.Series(
        'v1',
        got.map((r) => r[1]),
        pl.Int32,
      ),
      v2: pl.Series(
        'v2',
        got.map((r) => r[2]),
        pl.Int32,
      ),
      v3: pl.Series(
        'v3',
        got.map((r) => r[3]),
        pl.Float64,
      ),
    }).writeParquet(polarsParquet);
  });

  for (const [name, file] of [
    ['DuckDB', duckParquet],
    ['Polars', polarsParquet],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`groups ${name}'s Parquet by a text key as DuckDB does, q3's and q7's aggregates and more (${workers} worker(s))`, async () => {
        const want = await db.sql(
          `SELECT k, sum(v1), avg(v3), max(v1) - min(v2), min(v3), max(v3), count(*), count(v1) ` +
            `FROM '${file}' GROUP BY k ORDER BY k NULLS LAST`,
        );
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file,
          params: { by: 'k', agg: 'sum:v1,mean:v3,range:v1:v2,min:v3,max:v3,count,count:v1' },
        });
        expectSameRows(tableRows(table), want, `${name} Parquet by k`);
      });
    }
  }
});

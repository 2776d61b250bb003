import path from 'node:path';
import { describe, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// A single Utf8 key column is grouped from its bytes (groups.ts assignText, shared/byte-keys.ts):
// keys that differ only past their 12th byte, multi-byte keys, '' and NULL (only in the second half,
// so a worker's batches go from the no-null path to the null one), over many batches and splits,
// against DuckDB's GROUP BY of the same files.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const csv = path.join(dir, 'keys.csv');
const parquet = path.join(dir, 'keys.parquet');

const KEY = `CASE WHEN i >= 15000 AND i % 11 = 0 THEN NULL WHEN i % 17 = 0 THEN ''
  WHEN i % 3 = 0 THEN 'id' || lpad(CAST(i % 997 AS VARCHAR), 10, '0')
  WHEN i % 3 = 1 THEN 'same-first-12-bytes-' || CAST(i % 13 AS VARCHAR)
  ELSE repeat('é', 1 + i % 9) || '中' || CAST(i % 5 AS VARCHAR) END`;

describe('groupby by one text key, from the bytes', () => {
  it('writes the files (DuckDB CSV and Parquet)', async () => {
    await db.run(`CREATE TABLE t AS SELECT ${KEY} AS k, i % 100 AS v1, (i % 1000) / 7.0 AS v3 FROM range(30000) r(i)`);
    await db.run(`COPY t TO '${csv}' (HEADER)`);
    await db.run(`COPY t TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
  });

  for (const [name, file, read] of [
    ['CSV', () => csv, `read_csv('${csv}', allow_quoted_nulls = false)`],
    ['Parquet', () => parquet, `'${parquet}'`],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`groups DuckDB's ${name} by text key as DuckDB does (${workers} worker(s), small splits)`, async () => {
        const want = await db.sql(`SELECT k, sum(v1), avg(v3), count(*) FROM ${read} GROUP BY k ORDER BY k NULLS LAST`);
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file(),
          splitSize: '64KB',
          batchRows: 1000,
          params: { by: 'k', agg: 'sum:v1,mean:v3,count' },
        });
        expectSameRows(tableRows(table), want, `${name} by k`);
      });
    }
  }
});

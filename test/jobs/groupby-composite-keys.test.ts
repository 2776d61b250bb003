import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import type { ParquetSplit } from '../../dist/src/planner/split.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// Composite keys (by=a,b,…) are built from each part's dense codes packed into one integer
// (jobs/groupby/composite.ts, part-codes.ts): dictionary text by entry, plain Utf8 by its bytes,
// integers by range, every other layout through a Map. Checked against DuckDB's GROUP BY on files
// written by DuckDB and by Polars (Parquet; Arrow IPC by Polars, whose text is Utf8View, and by
// apache-arrow, plain Utf8), with NULL in every key part (a group of its own, as in SQL): text with
// text, int, date, Int64 within and beyond 32 bits and beyond 2^53, floats; parts with 15K distinct
// values each, so the packed key outgrows the direct table and then one 32-bit word while the run
// goes on (batches of 1000 rows: the layout is made anew several times); parts whose values keep
// coming batch after batch (a direct table first, hashed later); and a worker reading one
// part as a dictionary from one file and as plain text from another.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const file = (name: string) => path.join(dir, name);

const ROWS = 24000;
/** 40 values and NULL, '' and multi-byte text among them. */
const A = `CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN '' WHEN i % 3 = 0 THEN 'é' || CAST(i % 7 AS VARCHAR) || '中'
  ELSE 'a' || CAST(i % 31 AS VARCHAR) END`;
const B = `CASE WHEN i % 17 = 0 THEN NULL ELSE 'b' || CAST(i % 5 AS VARCHAR) END`;
const N = `CASE WHEN i % 19 = 0 THEN NULL ELSE CAST(i % 23 AS INTEGER) - 11 END`;
const V = `CASE WHEN i % 7 = 0 THEN NULL ELSE i % 100 END`;
/** A part with `m` distinct values, spread over the rows so each batch brings new ones. */
const wide = (m: number, mult: number) => `'w' || CAST((i * ${mult}) % ${m} AS VARCHAR)`;

async function splitOf(f: string): Promise<ParquetSplit> {
  const plan = await makePlan({ inputs: [f], workers: 1, splitBytes: 1 << 30 });
  return plan.splits[0] as ParquetSplit;
}

describe('groupby by composite keys', () => {
  it('writes the files (DuckDB Parquet; Polars Parquet and Arrow IPC; apache-arrow Arrow IPC with plain Utf8)', async () => {
    await db.run(`CREATE TABLE t AS SELECT ${A} AS a, ${B} AS b, ${N} AS n, CAST(${N} AS BIGINT) AS n64,
      CASE WHEN i % 29 = 0 THEN NULL ELSE DATE '2024-01-01' + CAST(i % 9 AS INTEGER) END AS d,
      CASE WHEN i % 31 = 0 THEN NULL WHEN i % 4 = 0 THEN 9007199254740993 + i % 3 ELSE (i % 6) * 1000000007 END AS big,
      CASE WHEN i % 37 = 0 THEN NULL ELSE (i % 6) / 4.0 END::DOUBLE AS f,
      ${wide(15000, 7919)} AS w1, ${wide(15013, 104729)} AS w2, CAST((i * 31) % 14983 AS INTEGER) AS w3,
      CASE WHEN i % 41 = 0 THEN NULL ELSE CAST(i // 2 AS INTEGER) END AS gi, 'g' || CAST(i // 3 AS VARCHAR) AS gt,
      ${V} AS v FROM range(${ROWS}) r(i)`);
    await db.run(`COPY t TO '${file('duckdb.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
    // Half the rows an `a` of t, half one of their own: DuckDB writes this `a` plain, not as a dictionary.
    await db.run(`COPY (SELECT CASE WHEN i % 2 = 0 THEN ${A} ELSE 'p' || CAST(i AS VARCHAR) END AS a, ${B} AS b, ${N} AS n,
      CASE WHEN i % 41 = 0 THEN NULL ELSE CAST(i // 2 AS INTEGER) END AS gi, 'g' || CAST(i // 3 AS VARCHAR) AS gt,
      ${V} AS v FROM range(${ROWS}) r(i)) TO '${file('duckdb-plain.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
    // One chunk: Polars writes one dictionary per Arrow IPC file, and the row groups read as several.
    const df = pl.readParquet(file('duckdb.parquet')).rechunk().withColumn(pl.col('a').cast(pl.Categorical).alias('cat'));
    df.writeParquet(file('polars.parquet'));
    df.writeIPC(file('polars.arrow'));
    const batches = await readParquetSplit(await splitOf(file('duckdb.parquet')), 1000, undefined);
    writeFileSync(file('utf8.arrow'), tableToIPC(new Table(batches), 'file'));
    const encodings = await db.sql(`SELECT DISTINCT encodings FROM parquet_metadata('${file('duckdb-plain.parquet')}')
      WHERE path_in_schema = 'a'`);
    expect(encodings).toEqual([['PLAIN']]);
  });

  const cases: Array<[string, string, string]> = [
    ['text, text', 'duckdb.parquet', 'a,b'],
    ['text, int', 'duckdb.parquet', 'a,n'],
    ['text, date', 'duckdb.parquet', 'a,d'],
    ['int, date, text', 'duckdb.parquet', 'n,d,b'],
    ['text, Int64 within 32 bits', 'duckdb.parquet', 'b,n64'],
    ['text, Int64 beyond 32 bits and beyond 2^53', 'duckdb.parquet', 'a,big'],
    ['float, text', 'duckdb.parquet', 'f,b'],
    ['three parts of 15K values (45 bits: two words)', 'duckdb.parquet', 'w1,w2,w3'],
    ['six parts (more than 53 bits)', 'duckdb.parquet', 'w1,a,w2,n,w3,big'],
    ['parts that grow batch by batch (a direct table, then hashed)', 'duckdb.parquet', 'a,gi,b'],
    ['text that grows batch by batch, text', 'duckdb.parquet', 'gt,a'],
    ['text, text', 'polars.parquet', 'a,b'],
    ['Categorical, Int64', 'polars.parquet', 'cat,n64'],
    ['date, wide, int', 'polars.parquet', 'd,w1,n'],
    ['Utf8View text, int', 'polars.arrow', 'a,n'],
    ['Utf8View wide parts', 'polars.arrow', 'w1,w2,big'],
    ['plain Utf8, int, date', 'utf8.arrow', 'a,n,d'],
    ['plain Utf8 wide parts', 'utf8.arrow', 'w1,b,w2'],
    ['plain Utf8 that grows, int that grows', 'utf8.arrow', 'gt,gi'],
  ];
  for (const [what, name, by] of cases) {
    for (const workers of [1, 2]) {
      it(`groups ${name} by ${by} (${what}) as DuckDB does, ${workers} worker(s)`, async () => {
        const cols = by.split(',');
        const order = cols.map((c) => `${c} NULLS LAST`).join(', ');
        // DuckDB reads the Parquet of the same rows (it has no Arrow IPC reader).
        const source = name.endsWith('.arrow') ? (name === 'polars.arrow' ? 'polars.parquet' : 'duckdb.parquet') : name;
        const want = await db.sql(
          `SELECT ${by}, sum(v), count(*) FROM '${file(source)}' GROUP BY ${by} ORDER BY ${order.replace(/\bcat\b/g, 'cat::VARCHAR')}`,
        );
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file(name),
          splitSize: '64KB',
          batchRows: 1000,
          params: { by, agg: 'sum:v,count' },
        });
        expectSameRows(tableRows(table), want, `${name} by ${by}`);
      });
    }
  }

  it('keeps one group per key when one worker reads a part as bytes from one file and as a dictionary from another', async () => {
    const plain = file('duckdb-plain.parquet');
    const dict = file('duckdb.parquet');
    const want = await db.sql(`SELECT a, n, b, sum(v), count(*) FROM read_parquet(['${plain}', '${dict}'], union_by_name = true)
      GROUP BY a, n, b ORDER BY a NULLS LAST, n NULLS LAST, b NULLS LAST`);
    for (const input of [
      [plain, dict],
      [dict, plain],
    ]) {
      const { table } = await engines.get(1)!.run('groupby', { input, batchRows: 1000, params: { by: 'a,n,b', agg: 'sum:v,count' } });
      expectSameRows(tableRows(table), want, `${path.basename(input[0]!)} then ${path.basename(input[1]!)}`);
    }
  });
});

import path from 'node:path';
import { DataType } from 'apache-arrow';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import type { ParquetSplit } from '../../dist/src/planner/split.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// groupby asks the Parquet reader for its text keys as dictionaries (the job's `dictionary`): a
// dictionary-encoded column chunk then arrives as Dictionary<Int32, Utf8>, and its keys are hashed once
// per dictionary (groups.ts assignDictionary). Checked against DuckDB's GROUP BY on files written by
// DuckDB (no Arrow schema in the footer: the reader adds one) and by Polars (its own Arrow schema),
// with NULL, '', multi-byte keys and keys that differ only past their 12th byte; small batches, so one
// row group's dictionary comes with many batches; and a run whose files give one worker both layouts.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const duck = path.join(dir, 'duckdb.parquet');
const plain = path.join(dir, 'duckdb-plain.parquet');
const polars = path.join(dir, 'polars.parquet');
/** DuckDB's file with key-value metadata of its own (and no Arrow schema): the reader appends ARROW:schema to that list. */
const tagged = path.join(dir, 'duckdb-kv.parquet');

/** 30 distinct keys and NULL: DuckDB writes them dictionary-encoded. */
const KEY = `CASE WHEN i % 13 = 0 THEN NULL WHEN i % 17 = 0 THEN ''
  WHEN i % 3 = 0 THEN 'same-first-12-bytes-' || CAST(i % 7 AS VARCHAR)
  WHEN i % 3 = 1 THEN repeat('é', 1 + i % 5) || '中'
  ELSE 'k' || CAST(i % 11 AS VARCHAR) END`;

async function splitOf(file: string): Promise<ParquetSplit> {
  const plan = await makePlan({ inputs: [file], workers: 1, splitBytes: 1 << 30 });
  return plan.splits[0] as ParquetSplit;
}

describe('groupby by a dictionary-encoded Parquet text key', () => {
  it('writes the files (DuckDB: dictionary and plain chunks; Polars: dictionary and Categorical)', async () => {
    await db.run(`CREATE TABLE t AS SELECT ${KEY} AS k, 'u' || CAST(i AS VARCHAR) AS u,
      CASE WHEN i % 7 = 0 THEN NULL ELSE 'g' || CAST(i % 4 AS VARCHAR) END AS k2, i % 100 AS v1, (i % 1000) / 7.0 AS v3
      FROM range(30000) r(i)`);
    await db.run(`COPY t TO '${duck}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
    // Half the rows a key of t, half a key of their own: DuckDB writes this k plain (no dictionary).
    await db.run(`COPY (SELECT CASE WHEN i % 2 = 0 THEN ${KEY} ELSE 'p' || CAST(i AS VARCHAR) END AS k, i % 100 AS v1,
      (i % 1000) / 7.0 AS v3 FROM range(30000) r(i)) TO '${plain}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
    const encodings = await db.sql(
      `SELECT DISTINCT path_in_schema, encodings FROM parquet_metadata('${plain}') WHERE path_in_schema = 'k'`,
    );
    expect(encodings).toEqual([['k', 'PLAIN']]);
    await db.run(`COPY t TO '${tagged}' (FORMAT parquet, ROW_GROUP_SIZE 4096, KV_METADATA { origin: 'test', rows: '30000' })`);
    const df = pl.readParquet(duck);
    df.withColumn(pl.col('k').cast(pl.Categorical).alias('cat')).writeParquet(polars);
  });

  it('reads a dictionary-encoded text column as Dictionary<Int32, Utf8> with the same values, a plain one as Utf8', async () => {
    for (const file of [duck, tagged, polars]) {
      const split = await splitOf(file);
      const asText = await readParquetSplit(split, 1000, ['k', 'u']);
      const asCodes = await readParquetSplit(split, 1000, ['k', 'u'], ['k', 'u']);
      const values = (bs: typeof asText, c: string) => bs.flatMap((b) => b.getChild(c)!.toArray() as unknown[]).map((v) => v ?? null);
      expect(asCodes.every((b) => DataType.isDictionary(b.getChild('k')!.type))).toBe(true);
      expect(values(asCodes, 'k')).toEqual(values(asText, 'k'));
      // u has a string per row: DuckDB writes it plain, and a plain column is not turned into a dictionary.
      if (file !== polars) expect(asCodes.every((b) => DataType.isUtf8(b.getChild('u')!.type))).toBe(true);
      expect(values(asCodes, 'u')).toEqual(values(asText, 'u'));
    }
  });

  for (const [name, file, by] of [
    ['DuckDB', () => duck, 'k'],
    ['Polars', () => polars, 'k'],
    ['Polars (Categorical)', () => polars, 'cat'],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`groups ${name}'s Parquet by ${by} as DuckDB does (${workers} worker(s), batches of 1000 rows)`, async () => {
        const want = await db.sql(`SELECT ${by}, sum(v1), avg(v3), count(*) FROM '${file()}' GROUP BY ${by} ORDER BY ${by} NULLS LAST`);
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file(),
          splitSize: '64KB',
          batchRows: 1000,
          params: { by, agg: 'sum:v1,mean:v3,count' },
        });
        expect(DataType.isUtf8(table.getChild(by)!.type)).toBe(true);
        expectSameRows(tableRows(table), want, `${name} by ${by}`);
      });
    }
  }

  for (const [name, file, by] of [
    ['DuckDB', () => duck, 'k,v1'],
    ['DuckDB', () => duck, 'k,k2'],
    ['DuckDB', () => duck, 'k2,u'],
    ['Polars', () => polars, 'k,k2'],
    ['Polars', () => polars, 'cat,k2,v1'],
  ] as const) {
    it(`groups ${name}'s Parquet by the composite key ${by} as DuckDB does`, async () => {
      const order = by
        .split(',')
        .map((c) => `${c} NULLS LAST`)
        .join(', ');
      const want = await db.sql(`SELECT ${by}, sum(v3), count(*) FROM '${file()}' GROUP BY ${by} ORDER BY ${order}`);
      const { table } = await engines.get(2)!.run('groupby', { input: file(), batchRows: 1000, params: { by, agg: 'sum:v3,count' } });
      expectSameRows(tableRows(table), want, `${name} by ${by}`);
    });
  }

  it('keeps one group per key when one worker reads a key as bytes from one file and as a dictionary from another', async () => {
    const want = await db.sql(`SELECT k, sum(v1), avg(v3), count(*) FROM read_parquet(['${plain}', '${duck}'], union_by_name = true)
      GROUP BY k ORDER BY k NULLS LAST`);
    for (const order of [
      [plain, duck],
      [duck, plain],
    ]) {
      const { table } = await engines.get(1)!.run('groupby', {
        input: order,
        batchRows: 1000,
        params: { by: 'k', agg: 'sum:v1,mean:v3,count' },
      });
      expectSameRows(tableRows(table), want, `${path.basename(order[0]!)} then ${path.basename(order[1]!)}`);
    }
  });
});

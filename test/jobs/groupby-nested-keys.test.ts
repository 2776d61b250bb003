import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeNestedFiles } from './typed/nested.js';
import { duckdb } from './typed/oracle.js';

/**
 * groupby with LIST and STRUCT keys, against DuckDB's GROUP BY … ORDER BY … NULLS LAST on the same
 * data: lists of integers and of text, structs of integers, text, booleans and doubles, lists of
 * structs, with nulls as whole values and inside them (DuckDB orders a null element after every
 * value: `[1, 2] < [1, NULL] < [2]`). quiver's result is written to Parquet and read by DuckDB, so keys
 * are compared in their nested types, exactly, row by row in order.
 */

const dir = tempDir('quiver-groupby-nested-');
const db = duckdb();
const engines = enginesFor([1, 2]);
const file = (name: string) => path.join(dir, name);

const KEYS = ['l', 'ls', 'st', 'lst', 'g,st', 'st,l', 'l,g,ls'];

/** DuckDB's GROUP BY `keys` over `from`: the keys as DuckDB's text, then count, count(v) and sum(v). */
async function expected(from: string, keys: string[]): Promise<string[][]> {
  const rows = await db.sql(
    `SELECT ${keys.map((k) => `${k}::VARCHAR`).join(', ')}, count(*)::VARCHAR, count(v)::VARCHAR, sum(v)::VARCHAR FROM ${from} ` +
      `GROUP BY ${keys.join(', ')} ORDER BY ${keys.map((k) => `${k} NULLS LAST`).join(', ')}`,
  );
  return rows.map((r) => r.map(String));
}

describe('groupby with LIST and STRUCT keys', () => {
  it('writes the files: DuckDB Parquet, and Polars Parquet and Arrow IPC of the same table, nulls in every column', async () => {
    await writeNestedFiles(dir, db);
  });

  const sources = [
    { label: 'DuckDB Parquet', input: 'duck.parquet' },
    { label: 'Polars Parquet', input: 'polars.parquet' },
    // DuckDB reads no Arrow IPC: the Polars Parquet file holds the same table.
    { label: 'Polars Arrow', input: 'polars.arrow', oracle: 'polars.parquet' },
  ];
  for (const s of sources) {
    it(`${s.label}: the groups, counts and sums of DuckDB's GROUP BY, keys in their nested types and in DuckDB's order`, async () => {
      for (const by of KEYS) {
        const keys = by.split(',');
        const want = await expected(`read_parquet('${file(s.oracle ?? s.input)}')`, keys);
        for (const [workers, engine] of engines) {
          const out = file(`${s.input}-${keys.join('-')}-${workers}.parquet`);
          await engine.run('groupby', { input: file(s.input), params: { by, agg: 'count,count:v,sum:v' }, batchRows: 300, output: out });
          const got = await db.sql(
            `SELECT ${keys.map((k) => `${k}::VARCHAR`).join(', ')}, count::VARCHAR, count_v::VARCHAR, sum_v::VARCHAR ` +
              `FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`,
          );
          expect(
            got.map((r) => r.map(String)),
            `${s.label} by ${by}, ${workers} worker(s)`,
          ).toEqual(want);
          // The key columns keep their nested types.
          const types = async (f: string) =>
            (await db.sql(`SELECT column_name, column_type FROM (DESCRIBE SELECT ${keys.join(', ')} FROM read_parquet('${f}'))`)).map(
              String,
            );
          expect(await types(out)).toEqual(await types(file(s.oracle ?? s.input)));
        }
      }
    });
  }

  it('refuses a key of a nested type it does not group by, naming the column and type (CLI)', async () => {
    await db.run(`COPY (SELECT [DATE '2020-01-01', NULL] AS ld, MAP {'a': 1} AS m, 1 AS v FROM range(3)) TO '${file('other.parquet')}'`);
    for (const [by, type] of [
      ['ld', 'List<Date32<DAY>>'],
      ['m', 'Map<'],
    ]) {
      const r = await runCli(['run', 'groupby', '-i', file('other.parquet'), '-p', `by=${by}`]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`cannot group by column "${by}" of type ${type}`);
      expect(r.stderr).toMatch(/lists and structs of integers, floats, text and booleans/);
    }
  });
});

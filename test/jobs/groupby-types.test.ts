import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTypedFiles, type TypedFiles } from './typed/fixtures.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

/**
 * groupby on files DuckDB and Polars wrote, with keys and values of every type, against DuckDB's
 * GROUP BY on the same file: every key, count and aggregate compared exactly (integers and decimals
 * as text, dates and timestamps in their units), means and sd within 1e-12, rows in DuckDB's
 * ORDER BY key NULLS LAST.
 */

/** Each aggregate in quiver's syntax and DuckDB's SQL. */
const AGGS: Array<[string, string]> = [
  ['count', 'count(*)'],
  ['count:v_i32', 'count(v_i32)'],
  ['sum:v_i64', 'sum(v_i64)'],
  ['sum:v_u64', 'sum(v_u64)'],
  ['sum:v_dec', 'sum(v_dec)'],
  ['sum:v_dec38', 'sum(v_dec38)'],
  ['sum:v_i32', 'sum(v_i32)'],
  ['sum:v_f64', 'sum(v_f64)'],
  ['mean:v_i64', 'avg(v_i64)'],
  ['mean:v_dec', 'avg(v_dec)'],
  ['mean:v_f64', 'avg(v_f64)'],
  ['mean:v_i32', 'avg(v_i32)'],
  ['min:v_i64', 'min(v_i64)'],
  ['max:v_u64', 'max(v_u64)'],
  ['min:v_dec38', 'min(v_dec38)'],
  ['max:v_dec', 'max(v_dec)'],
  ['min:v_d', 'min(v_d)'],
  ['max:v_d', 'max(v_d)'],
  ['min:v_ts', 'min(v_ts)'],
  ['max:v_ts', 'max(v_ts)'],
  ['min:v_i32', 'min(v_i32)'],
  ['max:v_f64', 'max(v_f64)'],
  ['sd:v_i32', 'stddev_samp(v_i32)'],
  ['median:v_f64', 'median(v_f64)'],
];

const DUCK_KEYS = ['k_i64', 'k_u64', 'k_dec', 'd', 'ts', 'tstz', 'b', 's', 'bl', 'u', 'k_i32', 'k_i64,s', 'd,b,k_dec', 'u,bl'];
const POLARS_KEYS = ['k_i64', 'k_u64', 'tsns', 's', 'tstz', 'k_u64,s', 'tsns,k_dec'];

const dir = tempDir('quiver-groupby-types-');
const db = duckdb();
const engines = enginesFor([1, 2]);
let files: TypedFiles;

/** DuckDB's answer for keys `by` over `file`. */
function expected(file: string, by: string[]): Promise<Array<Array<string | number | boolean | null>>> {
  const keys = by.join(', ');
  return db.sql(
    `SELECT ${keys}, ${AGGS.map(([, sql]) => sql).join(', ')} FROM read_parquet('${file}') GROUP BY ${keys} ORDER BY ${by.map((k) => `${k} NULLS LAST`).join(', ')}`,
  );
}

describe('groupby over every column type', () => {
  it('writes the files (DuckDB Parquet, Polars Parquet and Arrow)', async () => {
    files = await writeTypedFiles(dir, db.run);
    expect(files.polarsArrow).toMatch(/polars\.arrow$/);
  });

  const cases: Array<{ label: string; file: () => string; sqlFile: () => string; keys: string[] }> = [
    ...DUCK_KEYS.map((k) => ({
      label: `DuckDB Parquet by ${k}`,
      file: () => files.duckParquet,
      sqlFile: () => files.duckParquet,
      keys: k.split(','),
    })),
    ...POLARS_KEYS.map((k) => ({
      label: `Polars Parquet by ${k}`,
      file: () => files.polarsParquet,
      sqlFile: () => files.polarsParquet,
      keys: k.split(','),
    })),
    // DuckDB reads no Arrow IPC: the Polars Parquet file holds the same table.
    ...POLARS_KEYS.map((k) => ({
      label: `Polars Arrow (Utf8View text) by ${k}`,
      file: () => files.polarsArrow,
      sqlFile: () => files.polarsParquet,
      keys: k.split(','),
    })),
  ];
  for (const c of cases) {
    it(`${c.label}: keys keep their type, aggregates are SQL's, exactly`, async () => {
      const want = await expected(c.sqlFile(), c.keys);
      for (const [workers, engine] of engines) {
        const { table } = await engine.run('groupby', {
          input: c.file(),
          params: { by: c.keys.join(','), agg: AGGS.map(([a]) => a).join(',') },
          batchRows: 256,
        });
        expectSameRows(tableRows(table), want, `${c.label}, ${workers} worker(s)`);
      }
    });
  }

  it('writes Parquet that DuckDB reads back to the types and values of its own GROUP BY (CLI)', async () => {
    const out = path.join(dir, 'by-d-b.parquet');
    const agg = AGGS.map(([a]) => a).join(',');
    const r = await runCli([
      'run',
      'groupby',
      '-i',
      files.duckParquet,
      '-p',
      'by=d,b,k_dec',
      '-p',
      `agg=${agg}`,
      '-o',
      out,
      '--workers',
      '2',
    ]);
    expect(r.stderr, r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const types = await db.sql(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet('${out}'))`);
    expect(types.slice(0, 6).map((t) => t[0])).toEqual(['DATE', 'BOOLEAN', 'DECIMAL(18,3)', 'BIGINT', 'BIGINT', 'DECIMAL(38,0)']);
    const back = await db.sql(`SELECT * FROM read_parquet('${out}')`);
    expectSameRows(back, await expected(files.duckParquet, ['d', 'b', 'k_dec']), 'Parquet read back by DuckDB');
  });

  it('refuses an aggregate its column type does not take, naming the column, type and what does', async () => {
    const engine = engines.get(1)!;
    await expect(engine.run('groupby', { input: files.duckParquet, params: { by: 's', agg: 'sum:v_d' } })).rejects.toThrow(
      /sum cannot aggregate column "v_d" of type Date32.*count, min or max/,
    );
    await expect(engine.run('groupby', { input: files.duckParquet, params: { by: 's', agg: 'mean:nope' } })).rejects.toThrow(
      /no column "nope" in .*duck\.parquet/,
    );
    const nested = path.join(dir, 'nested.parquet');
    // Lists and structs of numbers, text and booleans are keys (groupby-nested-keys.test.ts); of dates, and maps, are not.
    await db.run(
      `COPY (SELECT [DATE '2020-01-01' + i::INTEGER] AS l, {'a': DATE '2020-01-01'} AS st, MAP {'k': i} AS m, i AS v FROM range(5) r(i)) ` +
        `TO '${nested}' (FORMAT parquet)`,
    );
    for (const by of ['l', 'st', 'm']) {
      await expect(engine.run('groupby', { input: nested, params: { by, agg: 'sum:v' } })).rejects.toMatchObject({
        phase: 'usage',
        message: expect.stringMatching(new RegExp(`cannot group by column "${by}" of type (List|Struct|Map)`)),
      });
    }
  });

  // DuckDB writes '' as "" and NULL as nothing; read back with allow_quoted_nulls = false it tells them apart, as quiver does. Integers are typed INTEGER, as quiver infers them (DuckDB infers BIGINT).
  it("groups DuckDB's CSV (text and integer keys, INTEGER and DOUBLE values) as DuckDB does", async () => {
    const aggs = AGGS.filter(([a]) => /v_i32|v_f64|^count$/.test(a));
    for (const by of ['s', 'k_i32', 'k_i32,s']) {
      const keys = by.split(',');
      const want = await db.sql(
        `SELECT ${by}, ${aggs.map(([, sql]) => sql).join(', ')} FROM read_csv('${files.duckCsv}', allow_quoted_nulls = false, types = {'k_i32': 'INTEGER', 'v_i32': 'INTEGER'}) GROUP BY ${by} ORDER BY ${keys.map((k) => `${k} NULLS LAST`).join(', ')}`,
      );
      const { table } = await engines.get(2)!.run('groupby', { input: files.duckCsv, params: { by, agg: aggs.map(([a]) => a).join(',') } });
      expectSameRows(tableRows(table), want, `CSV by ${by}`);
    }
  });
});

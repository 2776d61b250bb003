import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DataType,
  Field,
  Int32,
  IntervalDayTime,
  IntervalYearMonth,
  Schema,
  Table,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  type Interval,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cellTextOf } from '../../dist/src/io/format-value.js';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb } from './typed/oracle.js';

/**
 * groupby by INTERVAL keys, and min / max of INTERVAL columns, against DuckDB on the file DuckDB wrote.
 * DuckDB compares intervals normalized (30 days make a month, 24 hours a day: '1 month' = '30 days' =
 * '720 hours' is one group and one value to min and max), and of equal values shows the one it saw
 * first, which with one thread (`SET threads = 1`) is the first in the file. quiver shows that one at
 * any number of workers, so every answer is compared with single-threaded DuckDB exactly, as text
 * (DuckDB's `::VARCHAR`, quiver's display), rows in DuckDB's ORDER BY … NULLS LAST.
 */

const dir = tempDir('quiver-groupby-interval-');
const db = duckdb();
const engines = enginesFor([1, 2]);
const file = path.join(dir, 'intervals.parquet');

/** Spellings of keys, in sets DuckDB holds equal: each set is one group, shown as its first spelling in the file. */
const KEYS = [
  ['to_months(1)', 'to_days(30)', 'to_hours(720)'],
  ['to_days(1)', 'to_hours(24)', 'to_minutes(1440)'],
  ['to_days(1) + to_hours(12)', 'to_hours(36)'],
  ['to_months(2) + to_days(1)', 'to_days(61)', 'to_months(1) + to_days(31)'],
  ['to_days(29)'],
  ['to_months(1) + to_days(29)'],
  ['to_milliseconds(1500)'],
];
/** Values, in ascending sets of spellings DuckDB holds equal, so that min and max have ties to choose among. */
const VALUES = [
  ['to_milliseconds(1500)'],
  ['to_days(3)', 'to_hours(72)'],
  ['to_days(4) + to_hours(4)', 'to_hours(100)'],
  ['to_days(5)', 'to_hours(120)', 'to_minutes(7200)'],
  ['to_months(2)', 'to_days(60)'],
  ['to_months(12) + to_days(32)'],
  ['to_months(14) + to_days(2)', 'to_months(13) + to_days(32)'],
];

/** Each result cell as text, as quiver shows it (its CSV and table display, which DuckDB's spelling is). */
function textRows(table: Table): Array<Array<string | null>> {
  const columns = table.schema.fields.map((f) =>
    table.getChild(f.name)!.data.flatMap((d) => Array.from({ length: d.length }, (_, i) => cellTextOf(d, 'text')(i))),
  );
  return Array.from({ length: table.numRows }, (_, r) => columns.map((c) => c[r] ?? null));
}

/** DuckDB's rows, every cell as `::VARCHAR` text. */
async function duckText(sql: string): Promise<Array<Array<string | null>>> {
  return (await db.sql(sql)).map((r) => r.map((c) => (c === null ? null : String(c))));
}

/** DuckDB's single-threaded GROUP BY `keys` of the file, with count, count, min and max of `iv`. */
function expected(keys: string[], from = `read_parquet('${file}')`): Promise<Array<Array<string | null>>> {
  const shown = keys.map((k) => `${k}::VARCHAR`).join(', ');
  return duckText(
    `SELECT ${shown}, count(*)::VARCHAR, count(iv)::VARCHAR, min(iv)::VARCHAR, max(iv)::VARCHAR FROM ${from} GROUP BY ${keys.join(', ')} ` +
      `ORDER BY ${keys.map((k) => `${k} NULLS LAST`).join(', ')}`,
  );
}

describe('groupby with INTERVAL keys and min / max of INTERVAL values', () => {
  it('writes the file (DuckDB Parquet, 2048-row row groups, nulls in every column)', async () => {
    await db.run('SET threads = 1');
    // DuckDB's Parquet writer keeps one spelling of equal intervals per row group (its dictionary
    // holds one entry for them; row groups are at least 2048 rows): so a row's spelling of its key
    // set changes with its row group, and a group's first spelling is not its set's first.
    const sets = (lists: string[][]) => `[${lists.map((l) => `[${l.join(', ')}]`).join(', ')}]`;
    const spelled = (lists: string[][], set: string) => `${sets(lists)}[${set} + 1][((rg + ${set}) % len(${sets(lists)}[${set} + 1])) + 1]`;
    // A group (key set, g) takes another value set in each row group (so its least and greatest
    // values first appear in different row groups), and odd key sets first appear in row group 1.
    await db.run(`COPY (SELECT
        CASE WHEN i % 17 = 3 THEN NULL ELSE g END AS g,
        CASE WHEN i % 11 = 5 OR (rg = 0 AND ks % 2 = 1) THEN NULL ELSE ${spelled(KEYS, 'ks')} END AS k,
        CASE WHEN i % 13 = 4 THEN NULL ELSE ${spelled(VALUES, `((ks + g + rg) % ${VALUES.length})`)} END AS iv
      FROM (SELECT i, i // 2048 AS rg, (i * 3) % ${KEYS.length} AS ks, (i % 4)::INTEGER AS g FROM range(7000) t(i))) TO '${file}' (ROW_GROUP_SIZE 2048)`);
    // Every column has nulls, and groups hold spellings DuckDB considers equal.
    const [[nulls]] = await db.sql(
      `SELECT (count(*) - count(g)) * (count(*) - count(k)) * (count(*) - count(iv)) FROM read_parquet('${file}')`,
    );
    expect(Number(nulls)).toBeGreaterThan(0);
    const [[rowGroups]] = await db.sql(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${file}')`);
    expect(Number(rowGroups)).toBe(4);
    const [counts] = await db.sql(
      `SELECT count(DISTINCT k::VARCHAR), count(DISTINCT k), count(DISTINCT iv::VARCHAR), count(DISTINCT iv) FROM read_parquet('${file}')`,
    );
    const [keySpellings, keys, valueSpellings, values] = counts!.map(Number);
    expect([keys, values]).toEqual([KEYS.length, 7]);
    expect(keySpellings).toBeGreaterThanOrEqual(keys! + 5);
    expect(valueSpellings).toBeGreaterThanOrEqual(values! + 3);
  });

  for (const keys of [['k'], ['g', 'k'], ['k', 'g'], ['g']]) {
    it(`by ${keys.join(', ')}: the groups, counts, min and max of DuckDB's GROUP BY (first spelling of equal intervals)`, async () => {
      const want = await expected(keys);
      for (const [workers, engine] of engines) {
        for (const batchRows of [300, 5000]) {
          const { table } = await engine.run('groupby', {
            input: file,
            params: { by: keys.join(','), agg: 'count,count:iv,min:iv,max:iv' },
            batchRows,
          });
          expect(textRows(table), `${workers} worker(s), ${batchRows}-row batches`).toEqual(want);
        }
      }
    });
  }

  it("with DuckDB's threads, the same groups and values as DuckDB's, compared as intervals (spellings aside)", async () => {
    await db.run('SET threads = 4');
    const { table } = await engines.get(2)!.run('groupby', { input: file, params: { by: 'k', agg: 'min:iv,max:iv' }, batchRows: 50 });
    const got = textRows(table);
    const values = got.map((r) => `(${r.map((c) => (c === null ? 'NULL' : `INTERVAL '${c}'`)).join(', ')})`).join(', ');
    // DuckDB compares quiver's answer with its own, row by row, as intervals (equal normalized).
    const [[same, rows]] = await db.sql(
      `WITH q(k, lo, hi) AS (VALUES ${values}), q2 AS (SELECT *, row_number() OVER () AS r FROM q),
        d AS (SELECT k, min(iv) lo, max(iv) hi, row_number() OVER (ORDER BY k NULLS LAST) AS r FROM read_parquet('${file}') GROUP BY k)
       SELECT count(*) FILTER (WHERE q2.k IS NOT DISTINCT FROM d.k AND q2.lo = d.lo AND q2.hi = d.hi), count(*) FROM q2 JOIN d USING (r)`,
    );
    await db.run('SET threads = 1');
    expect(Number(rows)).toBe(got.length);
    expect(Number(same)).toBe(got.length);
  });

  it('from an Arrow file (the Parquet converted by quiver): the same answer', async () => {
    const arrow = path.join(dir, 'intervals.arrow');
    const c = await runCli(['convert', file, arrow, '--overwrite']);
    expect(c.status, c.stderr).toBe(0);
    const { table } = await engines.get(2)!.run('groupby', { input: arrow, params: { by: 'g,k', agg: 'count,count:iv,min:iv,max:iv' } });
    expect(textRows(table)).toEqual(await expected(['g', 'k']));
  });

  it('writes Parquet, Arrow and CSV that keep the INTERVAL type and values (CLI; Parquet and CSV read back by DuckDB)', async () => {
    const want = await expected(['k']);
    const run = (out: string) =>
      runCli(['run', 'groupby', '-i', file, '-p', 'by=k', '-p', 'agg=count,count:iv,min:iv,max:iv', '-o', out, '--workers', '2']);
    const parquet = path.join(dir, 'by-k.parquet');
    expect((await run(parquet)).status).toBe(0);
    const types = await db.sql(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${parquet}'))`);
    expect(types.filter(([name]) => name === 'k' || /^m(in|ax)_/.test(String(name)))).toEqual([
      ['k', 'INTERVAL'],
      ['min_iv', 'INTERVAL'],
      ['max_iv', 'INTERVAL'],
    ]);
    const back = await duckText(
      `SELECT k::VARCHAR, count::VARCHAR, count_iv::VARCHAR, min_iv::VARCHAR, max_iv::VARCHAR FROM read_parquet('${parquet}')`,
    );
    expect(back).toEqual(want);

    const csv = path.join(dir, 'by-k.csv');
    expect((await run(csv)).status).toBe(0);
    const fromCsv = await duckText(
      `SELECT k::VARCHAR, count::VARCHAR, count_iv::VARCHAR, min_iv::VARCHAR, max_iv::VARCHAR FROM ` +
        `read_csv('${csv}', types = {'k': 'INTERVAL', 'min_iv': 'INTERVAL', 'max_iv': 'INTERVAL'})`,
    );
    expect(fromCsv).toEqual(want);

    const arrow = path.join(dir, 'by-k.arrow');
    expect((await run(arrow)).status).toBe(0);
    const table = tableFromIPC(readFileSync(arrow));
    for (const name of ['k', 'min_iv', 'max_iv'])
      expect(String(table.schema.fields.find((f) => f.name === name)!.type)).toBe('Interval<MONTH_DAY_NANO>');
    expect(textRows(table)).toEqual(want);
  });

  it('keeps an interval of unit YEAR_MONTH or DAY_TIME in its unit, normalized as DuckDB compares', async () => {
    // DAY_TIME: 1 day and 86 400 000 ms are one key (the first spelling shows); YEAR_MONTH: 12 months.
    const days = [1, 0, 2, 0, 0, 1];
    const ms = [0, 86_400_000, 0, 3_600_000, 0, 0];
    const dayTime = Int32Array.from(days.flatMap((d, i) => [d, ms[i]!]));
    const months = Int32Array.from([12, 1, 13, 1, 0, 12]);
    const nulls = Uint8Array.of(0b101111); // row 4 null in both
    const column = (type: Interval, data: Int32Array) =>
      makeVector(makeData({ type, length: 6, nullCount: 1, nullBitmap: nulls, data } as never));
    const schema = new Schema([
      new Field('dt', new IntervalDayTime()),
      new Field('ym', new IntervalYearMonth()),
      new Field('i', new Int32()),
    ]);
    const input = new Table(schema, {
      dt: column(new IntervalDayTime(), dayTime),
      ym: column(new IntervalYearMonth(), months),
      i: makeVector(Int32Array.from([0, 1, 2, 3, 4, 5])),
    } as never);
    const arrow = path.join(dir, 'units.arrow');
    writeFileSync(arrow, tableToIPC(input, 'file'));
    const byDt = await engines.get(2)!.run('groupby', { input: arrow, params: { by: 'dt', agg: 'count,min:ym,max:ym' }, batchRows: 2 });
    expect(DataType.isInterval(byDt.table.schema.fields[0]!.type) && byDt.table.schema.fields[0]!.type.unit).toBe(1);
    expect(String(byDt.table.schema.fields[2]!.type)).toBe('Interval<YEAR_MONTH>');
    // By normalized value: 01:00:00 < 1 day (= 24:00:00, first spelled '1 day') < 2 days, then the null key.
    expect(textRows(byDt.table)).toEqual([
      ['01:00:00', '1', '1 month', '1 month'],
      ['1 day', '3', '1 month', '1 year'],
      ['2 days', '1', '1 year 1 month', '1 year 1 month'],
      [null, '1', null, null],
    ]);
  });

  it('refuses sum, mean and the like of an INTERVAL column, naming the column and what it takes', async () => {
    for (const agg of ['sum:iv', 'mean:iv', 'median:iv']) {
      const r = await runCli(['run', 'groupby', '-i', file, '-p', 'by=g', '-p', `agg=${agg}`]);
      expect(r.status, agg).not.toBe(0);
      expect(r.stderr).toMatch(/cannot aggregate column "iv" of type Interval<MONTH_DAY_NANO>.*count, min or max/);
    }
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import pl from 'nodejs-polars';
import { tableFromIPC, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cellTextOf } from '../../dist/src/io/format-value.js';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb } from './typed/oracle.js';

/**
 * sort of files with a Null-typed column (Polars' pl.Null, in Parquet and Arrow IPC; DuckDB writes a
 * NULL column to Parquet as an all-NULL INTEGER): the column is carried through, and sorting by it is
 * all ties (the next key, then the input order, decides). Every answer is compared with DuckDB's
 * ORDER BY … ASC NULLS LAST / DESC NULLS FIRST, file_row_number on the same file (for Polars' Arrow
 * file, on the Parquet file Polars wrote from the same frame), every cell as text.
 */

const dir = tempDir('quiver-sort-null-');
const db = duckdb();
const engines = enginesFor([1, 2]);
const file = (name: string) => path.join(dir, name);
const ROWS = 900;

/** DuckDB's ORDER BY for quiver's `by` (nulls last ascending, first descending; input order among equals). */
function orderBy(by: string): string {
  const keys = by.split(',').map((k) => {
    const [column, dir = 'asc'] = k.split(':');
    return dir === 'desc' ? `${column} DESC NULLS FIRST` : `${column} ASC NULLS LAST`;
  });
  return [...keys, 'file_row_number'].join(', ');
}

/** Each cell as quiver shows it (DuckDB's spelling), null for a null. */
function textRows(table: Table): Array<Array<string | null>> {
  const columns = table.schema.fields.map((f) =>
    table.getChild(f.name)!.data.flatMap((d) => {
      const text = cellTextOf(d, 'text');
      return Array.from({ length: d.length }, (_, i) => text(i));
    }),
  );
  return Array.from({ length: table.numRows }, (_, r) => columns.map((c) => c[r] ?? null));
}

/** DuckDB's rows of `columns`, as `::VARCHAR` text (a double as DuckDB writes it to CSV: `1.0`). */
async function duckText(from: string, columns: string[], by: string): Promise<Array<Array<string | null>>> {
  const rows = await db.sql(`SELECT ${columns.map((c) => `${c}::VARCHAR`).join(', ')} FROM ${from} ORDER BY ${orderBy(by)}`);
  return rows.map((r) => r.map((c) => (c === null ? null : String(c))));
}

/** Polars' frame: an id, text, doubles and small integers with nulls, and two Null columns. */
function polarsFrame(): pl.DataFrame {
  const idx = Array.from({ length: ROWS }, (_, i) => i);
  return pl
    .DataFrame({
      id: pl.Series(
        'id',
        idx.map((i) => (i % 97 === 13 ? null : i)),
        pl.Int32,
      ),
      s: idx.map((i) => (i % 7 === 3 ? null : `w${(i * 37) % 41}`)),
      f: idx.map((i) => (i % 5 === 1 ? null : ((i * 13) % 17) / 4)),
      g: pl.Series(
        'g',
        idx.map((i) => (i % 11 === 2 ? null : i % 3)),
        pl.Int16,
      ),
    })
    .withColumns(pl.lit(null).alias('n'), pl.lit(null).alias('n2'))
    .select('id', 'n', 's', 'f', 'g', 'n2');
}

const COLUMNS = ['id', 'n', 's', 'f', 'g', 'n2'];
const BYS = ['f', 'n', 'n,g', 'g:desc,n,s', 'n2:desc,f:desc', 's,n'];

describe('sort of a file with a Null column', () => {
  it('writes the files: Polars Parquet and Arrow IPC with pl.Null columns, DuckDB Parquet with a NULL column', async () => {
    const df = polarsFrame();
    expect(df.dtypes.map(String).filter((t) => t.includes('Null'))).toHaveLength(2);
    df.writeParquet(file('polars.parquet'));
    df.writeIPC(file('polars.arrow'));
    await db.run(`COPY (SELECT CASE WHEN i % 97 = 13 THEN NULL ELSE i::INTEGER END AS id, NULL AS n,
        CASE WHEN i % 7 = 3 THEN NULL ELSE 'w' || (i * 37 % 41) END AS s, CASE WHEN i % 5 = 1 THEN NULL ELSE (i * 13 % 17) / 4 END AS f,
        CASE WHEN i % 11 = 2 THEN NULL ELSE (i % 3)::SMALLINT END AS g, NULL AS n2 FROM range(${ROWS}) t(i)) TO '${file('duck.parquet')}'`);
    const arrow = tableFromIPC(readFileSync(file('polars.arrow')));
    expect(String(arrow.schema.fields.find((f) => f.name === 'n')!.type)).toBe('Null');
  });

  const sources = [
    { label: 'Polars Parquet', input: 'polars.parquet', oracle: 'polars.parquet' },
    { label: 'Polars Arrow', input: 'polars.arrow', oracle: 'polars.parquet' },
    { label: 'DuckDB Parquet', input: 'duck.parquet', oracle: 'duck.parquet' },
  ];
  for (const s of sources) {
    it(`${s.label}: the Null columns carried, sorting by them all ties, every row in DuckDB's order`, async () => {
      for (const by of BYS) {
        const want = await duckText(`read_parquet('${file(s.oracle)}', file_row_number = true)`, COLUMNS, by);
        for (const [workers, engine] of engines) {
          const { table } = await engine.run('sort', { input: file(s.input), params: { by, ranges: 4 }, batchRows: 128 });
          expect(table.schema.fields.map((f) => f.name)).toEqual(COLUMNS);
          if (s.label !== 'DuckDB Parquet') expect(String(table.schema.fields[1]!.type)).toBe('Null');
          expect(textRows(table), `${s.label} by ${by}, ${workers} worker(s)`).toEqual(want);
        }
      }
    });
  }

  it('keeps only the columns asked for, a Null column among them (--param columns)', async () => {
    const { table } = await engines.get(2)!.run('sort', { input: file('polars.arrow'), params: { by: 'n,f', columns: 'n,id' } });
    expect(table.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(['n: Null', 'id: Int32']);
    expect(textRows(table)).toEqual(
      await duckText(`read_parquet('${file('polars.parquet')}', file_row_number = true)`, ['n', 'id'], 'n,f'),
    );
  });

  it('writes Parquet, CSV and Arrow that DuckDB and Polars read back as they read the input (CLI)', async () => {
    const by = 'g:desc,n,s';
    const want = await duckText(`read_parquet('${file('polars.parquet')}', file_row_number = true)`, COLUMNS, by);
    const run = (out: string) => runCli(['run', 'sort', '-i', file('polars.arrow'), '-p', `by=${by}`, '-o', out, '--workers', '2']);
    const describe = async (from: string) =>
      (await db.sql(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${from})`)).map(String);

    const parquet = file('sorted.parquet');
    expect((await run(parquet)).status).toBe(0);
    // DuckDB reads a Null column of Parquet as an all-NULL INTEGER, Polars' and quiver's alike.
    expect(await describe(`read_parquet('${parquet}')`)).toEqual(await describe(`read_parquet('${file('polars.parquet')}')`));
    const back = await db.sql(`SELECT ${COLUMNS.map((c) => `${c}::VARCHAR`).join(', ')} FROM read_parquet('${parquet}')`);
    expect(back.map((r) => r.map((c) => (c === null ? null : String(c))))).toEqual(want);
    expect(pl.readParquet(parquet).dtypes.map(String)).toEqual(polarsFrame().dtypes.map(String));

    const csv = file('sorted.csv');
    expect((await run(csv)).status).toBe(0);
    polarsFrame().writeCSV(file('polars.csv'));
    expect(await describe(`read_csv('${csv}')`)).toEqual(await describe(`read_csv('${file('polars.csv')}')`));
    const fromCsv = await db.sql(`SELECT ${COLUMNS.map((c) => `${c}::VARCHAR`).join(', ')} FROM read_csv('${csv}')`);
    expect(fromCsv.map((r) => r.map((c) => (c === null ? null : String(c))))).toEqual(want);

    const arrow = file('sorted.arrow');
    expect((await run(arrow)).status).toBe(0);
    const table = tableFromIPC(readFileSync(arrow));
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Null', 'Utf8', 'Float64', 'Int16', 'Null']);
    expect(textRows(table)).toEqual(want);
  });
});

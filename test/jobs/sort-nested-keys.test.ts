import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeNestedFiles } from './typed/nested.js';
import { duckdb } from './typed/oracle.js';

/**
 * sort by LIST and STRUCT keys, and carrying them, against DuckDB's ORDER BY … ASC NULLS LAST /
 * DESC NULLS FIRST, file_row_number on the same data (lexicographic; a null element or field after
 * every value; a shorter list before a longer one it begins). quiver's result is written to Parquet
 * and read by DuckDB, so every column is compared in its own type, row by row.
 */

const dir = tempDir('quiver-sort-nested-');
const db = duckdb();
const engines = enginesFor([1, 2]);
const file = (name: string) => path.join(dir, name);
const COLUMNS = ['i', 'l', 'ls', 'st', 'lst', 'g', 'v'];
const BYS = ['l', 'ls:desc', 'st', 'lst:desc,i', 'g,st:desc,l', 'v,lst', 'st:desc'];

/** DuckDB's ORDER BY for quiver's `by` (nulls last ascending, first descending; input order among equals). */
function orderBy(by: string): string {
  const keys = by.split(',').map((k) => {
    const [column, dir = 'asc'] = k.split(':');
    return dir === 'desc' ? `${column} DESC NULLS FIRST` : `${column} ASC NULLS LAST`;
  });
  return [...keys, 'file_row_number'].join(', ');
}

const shown = COLUMNS.map((c) => `${c}::VARCHAR`).join(', ');

describe('sort by LIST and STRUCT keys', () => {
  it('writes the files: DuckDB Parquet, and Polars Parquet and Arrow IPC of the same table, nulls in every column', async () => {
    await writeNestedFiles(dir, db);
  });

  const sources = [
    { label: 'DuckDB Parquet', input: 'duck.parquet', oracle: 'duck.parquet' },
    { label: 'Polars Parquet', input: 'polars.parquet', oracle: 'polars.parquet' },
    // DuckDB reads no Arrow IPC: the Polars Parquet file holds the same table.
    { label: 'Polars Arrow', input: 'polars.arrow', oracle: 'polars.parquet' },
  ];
  for (const s of sources) {
    it(`${s.label}: every row in DuckDB's order, the nested columns carried in their types`, async () => {
      for (const by of BYS) {
        const want = await db.sql(`SELECT ${shown} FROM read_parquet('${file(s.oracle)}', file_row_number = true) ORDER BY ${orderBy(by)}`);
        for (const [workers, engine] of engines) {
          const out = file(`${s.input}-${by.replace(/[:,]/g, '-')}-${workers}.parquet`);
          await engine.run('sort', { input: file(s.input), params: { by, ranges: 5 }, batchRows: 300, output: out });
          const got = await db.sql(`SELECT ${shown} FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`);
          expect(got, `${s.label} by ${by}, ${workers} worker(s)`).toEqual(want);
          const types = async (f: string) =>
            (await db.sql(`SELECT column_name, column_type FROM (DESCRIBE FROM read_parquet('${f}'))`)).map(String);
          expect(await types(out)).toEqual(await types(file(s.oracle)));
        }
      }
    });
  }
});

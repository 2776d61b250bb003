import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTypedFiles, type TypedFiles } from './typed/fixtures.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

/**
 * top-k by columns of every orderable type, on files DuckDB and Polars wrote, against DuckDB's
 * ORDER BY column, file row number LIMIT k (ties in input order, as top-k keeps them): the ranked
 * values exact (Int64 near 2^62 that doubles would tie, UInt64, DECIMAL(38,10), DATE, TIMESTAMP in
 * µs and ns) and every carried column of every type with its type and value.
 */

const COLUMNS = ['v_i64', 'k_u64', 'v_u64', 'v_dec38', 'v_dec', 'v_d', 'v_ts', 'k_i64', 'v_i32'];
const CARRIED = ['k_i64', 'k_u64', 'k_dec', 'd', 'ts', 'tstz', 'b', 's', 'v_dec38'];

const dir = tempDir('quiver-top-k-types-');
const db = duckdb();
const engines = enginesFor([2]);
let files: TypedFiles;

describe('top-k over every orderable column type', () => {
  it('writes the files', async () => {
    files = await writeTypedFiles(dir, db.run);
    expect(files.duckParquet).toMatch(/duck\.parquet$/);
  });

  for (const column of COLUMNS) {
    for (const order of ['desc', 'asc'] as const) {
      it(`${column} ${order}: DuckDB Parquet with BLOB and UUID carried, Polars Arrow with Utf8View text and ns timestamps`, async () => {
        const engine = engines.get(2)!;
        for (let [file, sqlFile, carried] of [
          [files.duckParquet, files.duckParquet, [...CARRIED, 'bl', 'u']],
          [files.polarsArrow, files.polarsParquet, [...CARRIED, 'tsns']],
        ] as Array<[string, string, string[]]>) {
          const k = 13;
          // The ranked column is output once, second.
          carried = carried.filter((c) => c !== column);
          const { table } = await engine.run('top-k', {
            input: file,
            params: { column, k, order, columns: carried.join(',') },
            batchRows: 200,
          });
          const want = await db.sql(
            `SELECT row_number() OVER (ORDER BY ${column} ${order}, file_row_number) AS rank, ${column}, ${carried.join(', ')} ` +
              `FROM read_parquet('${sqlFile}', file_row_number = true) WHERE ${column} IS NOT NULL ORDER BY rank LIMIT ${k}`,
          );
          expectSameRows(
            tableRows(table),
            want.map((r) => [Number(r[0]), ...r.slice(1)]),
            `${column} ${order} of ${file}`,
          );
        }
      });
    }
  }

  it('refuses a text column, naming it and its type', async () => {
    await expect(engines.get(2)!.run('top-k', { input: files.duckParquet, params: { column: 's' } })).rejects.toThrow(
      /top-k ranks numbers.*column "s" is Utf8/,
    );
  });
});

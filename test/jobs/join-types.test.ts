import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTypedFiles, type TypedFiles } from './typed/fixtures.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

/**
 * join on keys of every type (Int64 beyond 2^53, UInt64 near 2^64, DECIMAL(18,3), DATE, TIMESTAMP
 * with and without zone, BOOLEAN, VARCHAR, BLOB, UUID, composites; Utf8View text and ns timestamps
 * against Utf8 and µs from Polars' Arrow file), inner and left, against DuckDB's JOIN on the same
 * files: every row in left input order then right input order, every cell exact, the right side's
 * DECIMAL(38,10) and TIMESTAMP carried with their types.
 */

const dir = tempDir('quiver-join-types-');
const db = duckdb();
const engines = enginesFor([2]);
let files: TypedFiles;
let right = '';

describe('join over every key type', () => {
  it('writes the files (the right side: 12 rows sampled by DuckDB)', async () => {
    files = await writeTypedFiles(dir, db.run);
    right = path.join(dir, 'right.parquet');
    await db.run(
      `COPY (SELECT k_i64, k_u64, k_dec, d, ts, tstz, b, s, bl, u, v_dec38, v_ts FROM read_parquet('${files.duckParquet}') USING SAMPLE 12 ROWS (reservoir, 7)) TO '${right}' (FORMAT parquet)`,
    );
    expect((await db.sql(`SELECT count(*) FROM read_parquet('${right}')`))[0]![0]).toBe('12');
  });

  const cases: Array<[string, string, string]> = [
    ...['k_i64', 'k_u64', 'k_dec', 'd', 'ts', 'tstz', 'b', 's', 'bl', 'u', 'k_i64,s', 'd,b'].map((on): [string, string, string] => [
      'duck',
      on,
      on,
    ]),
    // Polars' Arrow file: its text is Utf8View, its tsns nanoseconds (the same instants as ts).
    ['polars', 's', 's'],
    ['polars', 'tsns', 'ts'],
    ['polars', 'k_u64,s', 'k_u64,s'],
  ];
  for (const how of ['inner', 'left'] as const) {
    for (const [who, on, rightOn] of cases) {
      it(`${how} join of the ${who} file on ${on}: keys compared by value, rows and carried columns exact`, async () => {
        const [file, sqlFile] = who === 'duck' ? [files.duckParquet, files.duckParquet] : [files.polarsArrow, files.polarsParquet];
        const keys = on.split(',');
        const { table } = await engines.get(2)!.run('join', {
          input: file,
          params: { right, on, rightOn, how, columns: [...keys, 'v_i32', 'v_dec38_right', 'v_ts_right'].join(',') },
          batchRows: 300,
        });
        const condition = keys.map((k, j) => `l.${k} = r.${rightOn.split(',')[j]}`).join(' AND ');
        const want = await db.sql(
          `SELECT ${keys.map((k) => `l.${k}`).join(', ')}, l.v_i32, r.v_dec38, r.v_ts FROM read_parquet('${sqlFile}', file_row_number = true) l ` +
            `${how === 'left' ? 'LEFT' : ''} JOIN (SELECT *, file_row_number AS rn FROM read_parquet('${right}', file_row_number = true)) r ON ${condition} ORDER BY l.file_row_number, r.rn`,
        );
        expect(want.length, `${on}: DuckDB's join has rows`).toBeGreaterThan(0);
        expectSameRows(tableRows(table), want, `${how} join of ${path.basename(file)} on ${on}`);
      }, 120_000);
    }
  }
});

import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

/**
 * top-k and histogram over a BIGINT column read from CSV and NDJSON written by DuckDB and Polars
 * (issue 22: these used to be read as doubles, so values beyond 2^53 tied, ranked wrongly and fell in
 * the wrong bins). The values lie within a few thousand of 2^62, where a double cannot tell apart
 * neighbours 512 apart, with nulls. DuckDB reading the same file is the oracle.
 */

const dir = tempDir('quiver-text-int64-');
const db = duckdb();
const engines = enginesFor([2]);
const ROWS = 1500;
const BASE = 4611686018427387904n; // 2^62
const big = (i: number) => (i % 9 === 4 ? null : BASE + BigInt((i * 7919) % 4000) - (i % 2 === 0 ? 0n : 2n ** 40n));

/** The files and how DuckDB reads each. */
const files: Array<[name: string, relation: (f: string) => string]> = [
  ['duck.csv', (f) => `read_csv('${f}')`],
  ['duck.ndjson', (f) => `read_json('${f}', format = 'newline_delimited')`],
  ['polars.csv', (f) => `read_csv('${f}')`],
  ['polars.ndjson', (f) => `read_json('${f}', format = 'newline_delimited')`],
];
const file = (name: string) => path.join(dir, name);

describe('top-k and histogram over BIGINT from CSV and NDJSON', () => {
  it('writes the files (DuckDB and Polars, CSV and NDJSON)', async () => {
    const values = Array.from({ length: ROWS }, (_, i) => `(${i}, ${big(i) ?? 'NULL'}::BIGINT, 'r${i}')`).join(', ');
    await db.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM (VALUES ${values}) v(id, big, s)`);
    await db.run(`COPY t TO '${file('duck.csv')}'`);
    await db.run(`COPY t TO '${file('duck.ndjson')}' (FORMAT json)`);
    const df = pl.DataFrame({
      id: pl.Series(
        'id',
        Array.from({ length: ROWS }, (_, i) => i),
        pl.Int32,
      ),
      big: pl
        .Series(
          'big',
          Array.from({ length: ROWS }, (_, i) => (big(i) === null ? null : String(big(i)))),
        )
        .cast(pl.Int64),
      s: Array.from({ length: ROWS }, (_, i) => `r${i}`),
    });
    df.writeCSV(file('polars.csv'));
    df.writeJSON(file('polars.ndjson'), { format: 'lines' });
    for (const [name, relation] of files) {
      const [[type]] = await db.sql(`SELECT typeof(big) FROM ${relation(file(name))} LIMIT 1`);
      expect(type, name).toBe('BIGINT');
    }
  });

  for (const order of ['desc', 'asc'] as const) {
    it(`top-k ${order}: the same rows as DuckDB's ORDER BY big ${order}, id, carried columns included`, async () => {
      for (const [name, relation] of files) {
        const { table } = await engines.get(2)!.run('top-k', {
          input: file(name),
          params: { column: 'big', k: 17, order, columns: 'id,s' },
          batchRows: 100,
          splitSize: '8KB',
          formatOptions: { csv: { maxRecordBytes: 1024 } },
        });
        expect(String(table.schema.fields[1]!.type), name).toBe('Int64');
        const want = await db.sql(
          `SELECT row_number() OVER (ORDER BY big ${order}, id)::INTEGER AS rank, big, id::INTEGER, s FROM ${relation(file(name))} ` +
            `WHERE big IS NOT NULL ORDER BY rank LIMIT 17`,
        );
        expectSameRows(tableRows(table), want, `top-k ${order} of ${name}`);
      }
    });
  }

  it('histogram: power-of-two bins and fixed bins count every value as DuckDB does in integer arithmetic', async () => {
    for (const [name, relation] of files) {
      const from = relation(file(name));
      const auto = await engines.get(2)!.run('histogram', {
        input: file(name),
        params: { column: 'big', bins: 16 },
        batchRows: 100,
        splitSize: '8KB',
        formatOptions: { csv: { maxRecordBytes: 1024 } },
      });
      const rows = tableRows(auto.table);
      const width = BigInt(String(rows[0]![2])) - BigInt(String(rows[0]![1]));
      expect(width & (width - 1n), `${name}: width ${width} is a power of two`).toBe(0n);
      const want = await db.sql(
        `SELECT (big::HUGEINT // ${width})::VARCHAR AS i, count(*)::VARCHAR FROM ${from} WHERE big IS NOT NULL GROUP BY i ORDER BY i::HUGEINT`,
      );
      const got = rows.filter((r) => r[3] !== '0' && r[3] !== 0).map((r) => [(BigInt(String(r[1])) / width).toString(), String(r[3])]);
      expect(got, `${name}: auto bins`).toEqual(want);
      // Fixed bins over a range 4000 wide near 2^62: each bin is 400 wide, finer than a double's 1024 step there.
      const [min, max] = [BASE, BASE + 3999n];
      const fixed = await engines.get(2)!.run('histogram', {
        input: file(name),
        params: { column: 'big', bins: 10, min: String(min), max: String(max) },
        batchRows: 100,
        splitSize: '8KB',
        formatOptions: { csv: { maxRecordBytes: 1024 } },
      });
      const counts = tableRows(fixed.table).map((r) => [String(r[0]), String(r[3])]);
      const exact = await db.sql(
        `SELECT b::VARCHAR, count(*)::VARCHAR FROM (SELECT least(9, ((big::HUGEINT - ${min}) * 10) // ${max - min}) AS b FROM ${from} ` +
          `WHERE big BETWEEN ${min} AND ${max}) GROUP BY b ORDER BY b`,
      );
      expect(
        counts.filter((r) => r[1] !== '0'),
        `${name}: fixed bins`,
      ).toEqual(exact);
      expect(counts.length).toBe(10);
    }
  });
});

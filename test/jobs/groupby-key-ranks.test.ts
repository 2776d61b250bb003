import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// A single key column with many distinct values (a user id) is ranked without a JS value per key
// (groupby/key-ranks.ts): 64-bit integers that came as numbers are ranked as numbers and written as
// words; text is ranked by a radix sort of its bytes, falling back to a string sort for a value of
// more than 32 bytes or with a character from U+E000 on. Each case must come out in DuckDB's order
// with DuckDB's aggregates, nulls last.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([2]);
const file = path.join(dir, 'keys.parquet');
const ROWS = 40_000;

const COLUMNS = `
  CASE WHEN i % 101 = 0 THEN NULL WHEN i % 7 = 0 THEN -CAST(i % 20000 AS BIGINT) * 3 ELSE CAST(i % 20000 AS BIGINT) * 4294967 END AS big,
  CASE WHEN i % 103 = 0 THEN NULL ELSE CAST(i % 15000 AS UBIGINT) * 1000003 END AS ubig,
  CASE WHEN i % 107 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:00:00' + INTERVAL (i % 17000) SECOND END AS ts,
  CASE WHEN i % 109 = 0 THEN NULL WHEN i % 11 = 0 THEN '' WHEN i % 5 = 0 THEN 'k' || CAST(i % 3000 AS VARCHAR)
    WHEN i % 3 = 0 THEN 'é' || CAST(i % 2000 AS VARCHAR) || '中' ELSE 'k' || CAST(i % 3000 AS VARCHAR) || 'x' END AS text,
  CASE WHEN i % 13 = 0 THEN 'a' || CAST(i % 500 AS VARCHAR) || repeat('z', 40) ELSE 'a' || CAST(i % 900 AS VARCHAR) END AS long_text,
  CASE WHEN i % 17 = 0 THEN chr(57344) || CAST(i % 400 AS VARCHAR) ELSE 'b' || CAST(i % 800 AS VARCHAR) END AS private_text,
  CAST(i % 1000 AS DOUBLE) / 4 AS v`;

describe('groupby of one key column with many distinct values, ranked without a JS value per key', () => {
  it('writes the file with DuckDB', async () => {
    await db.run(`COPY (SELECT ${COLUMNS} FROM range(${ROWS}) r(i) ORDER BY hash(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 6000)`);
  });

  for (const key of ['big', 'ubig', 'ts', 'text', 'long_text', 'private_text']) {
    it(`by ${key}: DuckDB's groups in DuckDB's order, nulls last`, async () => {
      const want = await db.sql(`SELECT ${key}, sum(v), count(*) FROM '${file}' GROUP BY ${key} ORDER BY ${key} NULLS LAST`);
      const { table } = await engines.get(2)!.run('groupby', { input: file, params: { by: key, agg: 'sum:v,count' } });
      expectSameRows(tableRows(table), want, `by ${key}`);
      expect(String(table.schema.fields[0]!.type)).toBe(
        { big: 'Int64', ubig: 'Uint64', ts: 'Timestamp<MICROSECOND>', text: 'Utf8', long_text: 'Utf8', private_text: 'Utf8' }[key],
      );
    });
  }
});

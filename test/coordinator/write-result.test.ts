import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { duckdb } from '../jobs/typed/oracle.js';

// A large result written as text is formatted by the workers (src/coordinator/write-result.ts: the
// built-in convert job over the result as an in-memory table, parts assembled in order), a small one
// by the coordinator. Both must write the same bytes: the result of `sort` over a DuckDB Parquet file
// with text that needs quoting (commas, quotes, line breaks, multi-byte), nulls in every column,
// NaN and infinities, dates, timestamps, 64-bit integers past 2^53, decimals and booleans, written
// once each way (QUIVER_PARALLEL_WRITE_CELLS moves the threshold), and read back by DuckDB.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([2]);
const input = path.join(dir, 'rows.parquet');
const ROWS = 20_000;

const COLUMNS = `
  i AS k,
  CASE WHEN i % 17 = 0 THEN NULL WHEN i % 5 = 0 THEN 'a,b "c"' || CAST(i AS VARCHAR) WHEN i % 7 = 0 THEN 'line' || chr(10) || 'two'
    WHEN i % 3 = 0 THEN 'é中' || CAST(i % 100 AS VARCHAR) ELSE 'k' || CAST(i % 1000 AS VARCHAR) END AS s,
  CASE WHEN i % 19 = 0 THEN NULL WHEN i % 23 = 0 THEN 'NaN'::DOUBLE WHEN i % 29 = 0 THEN 'inf'::DOUBLE ELSE i / 7.0 END AS d,
  CASE WHEN i % 13 = 0 THEN NULL ELSE DATE '2001-01-01' + CAST(i % 9000 AS INTEGER) END AS day,
  CASE WHEN i % 11 = 0 THEN NULL ELSE TIMESTAMP '2020-02-29 12:00:00' + INTERVAL (i) SECOND END AS ts,
  CASE WHEN i % 31 = 0 THEN NULL ELSE 9007199254740993 * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) + i END AS big,
  CASE WHEN i % 37 = 0 THEN NULL ELSE CAST(i AS DECIMAL(12, 3)) / 8 END AS dec,
  CASE WHEN i % 41 = 0 THEN NULL ELSE i % 2 = 0 END AS flag`;

afterEach(() => {
  delete process.env.QUIVER_PARALLEL_WRITE_CELLS;
});

/** Sorts the input by k into `file`, formatted by the workers or by the coordinator. */
async function sorted(file: string, byWorkers: boolean) {
  process.env.QUIVER_PARALLEL_WRITE_CELLS = byWorkers ? '1000' : String(2 ** 40);
  const { report } = await engines.get(2)!.run('sort', { input, params: { by: 'k' }, output: file, overwrite: true, batchRows: 1500 });
  return report;
}

describe('a large result written as text is formatted by the workers, byte for byte as the coordinator writes it', () => {
  it('writes the input with DuckDB', async () => {
    await db.run(`COPY (SELECT ${COLUMNS} FROM range(${ROWS}) r(i) ORDER BY hash(i)) TO '${input}' (FORMAT parquet, ROW_GROUP_SIZE 3000)`);
  });

  for (const format of ['csv', 'ndjson', 'json'] as const) {
    it(`${format}: the same bytes both ways, no part files left, and DuckDB reads the rows back`, async () => {
      const parallel = path.join(dir, `by-workers.${format}`);
      const serial = path.join(dir, `here.${format}`);
      expect((await sorted(parallel, true)).output.formattedByWorkers).toBe(true);
      expect((await sorted(serial, false)).output.formattedByWorkers).toBeUndefined();
      const bytes = readFileSync(parallel);
      expect(bytes.length).toBeGreaterThan(ROWS * 40);
      expect(bytes.equals(readFileSync(serial))).toBe(true);
      expect(readdirSync(dir).filter((f) => f.includes('.parts-') || f.endsWith('.tmp'))).toEqual([]);
      const reader = format === 'csv' ? 'read_csv' : 'read_json';
      const [[rows, keys, texts]] = (await db.sql(
        `SELECT count(*), sum(k), count(s) FROM ${reader}('${parallel}'${format === 'csv' ? ', all_varchar = false' : ''})`,
      )) as [[string, string, string]];
      const [[wantRows, wantKeys, wantTexts]] = (await db.sql(`SELECT count(*), sum(k), count(s) FROM '${input}'`)) as [
        [string, string, string],
      ];
      expect([rows, keys, texts].map(Number)).toEqual([wantRows, wantKeys, wantTexts].map(Number));
    });
  }
});

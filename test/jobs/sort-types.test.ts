import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FixedSizeBinary, Int32, Int64, LargeUtf8, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTypedFiles, type TypedFiles } from './typed/fixtures.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

/**
 * sort on files DuckDB and Polars wrote, by keys of every sortable type (Int64 beyond 2^53, UInt64,
 * DECIMAL(18,3) and (38,10), DATE, TIMESTAMP in µs and ns, Utf8View text, BLOB, composites), carrying every
 * column (LargeUtf8 and Utf8View text, BLOB, UUID, DECIMAL(38,10), BOOLEAN …), against DuckDB's
 * ORDER BY key ASC NULLS LAST / DESC NULLS FIRST, file row number: the whole result, every cell exact.
 */

const dir = tempDir('quiver-sort-types-');
const db = duckdb();
const engines = enginesFor([2]);
let files: TypedFiles;

/** DuckDB's ORDER BY for quiver's `by` (nulls last ascending, first descending; input order among equals). */
function orderBy(by: string): string {
  const keys = by.split(',').map((k) => {
    const [column, dir = 'asc'] = k.split(':');
    return dir === 'desc' ? `${column} DESC NULLS FIRST` : `${column} ASC NULLS LAST`;
  });
  return [...keys, 'file_row_number'].join(', ');
}

describe('sort over every column type', () => {
  it('writes the files', async () => {
    files = await writeTypedFiles(dir, db.run);
    expect(files.duckParquet).toMatch(/duck\.parquet$/);
  });

  const cases = () => [
    ...[
      'v_i64',
      'k_u64:desc',
      'k_dec',
      'v_dec:desc',
      'v_dec38',
      'v_dec38:desc,k_i32',
      'd:desc',
      'ts',
      'bl',
      'k_i64:desc,s,v_dec',
      'u:desc,v_i64',
    ].map((by) => [files.duckParquet, files.duckParquet, by] as const),
    ...['v_u64:desc', 'tsns', 's', 's:desc,k_i64', 'tstz:desc,v_i64'].map((by) => [files.polarsArrow, files.polarsParquet, by] as const),
  ];
  for (const which of ['DuckDB Parquet', 'Polars Arrow (Utf8View text)']) {
    it(`${which}: every key order and every carried column exact`, async () => {
      for (const [file, sqlFile, by] of cases().filter(([f]) => (f === files.duckParquet) === (which === 'DuckDB Parquet'))) {
        const { table } = await engines.get(2)!.run('sort', { input: file, params: { by, ranges: 5 }, batchRows: 250 });
        const columns = table.schema.fields.map((f) => f.name);
        const want = await db.sql(
          `SELECT ${columns.join(', ')} FROM read_parquet('${sqlFile}', file_row_number = true) ORDER BY ${orderBy(by)}`,
        );
        expectSameRows(tableRows(table), want, `sort ${file} by ${by}`);
      }
    }, 180_000); // a dozen sorts of 3000 rows each: ~30 s alone, past a minute on a shared 2-core machine
  }

  it('sorts by and carries LargeUtf8 text (an Arrow file written with large strings), by UTF-8 bytes', async () => {
    const words = ['z', 'é', null, 'a', '😀', 'ab', '', 'é', null, 'Z', '\uffef'];
    const file = path.join(dir, 'large.arrow');
    const n = words.length * 30;
    const s = Array.from({ length: n }, (_, i) => words[(i * 7) % words.length]!);
    const t = new Table({
      s: vectorFromArray(s, new LargeUtf8()),
      t: vectorFromArray(s, new LargeUtf8()),
      i: vectorFromArray(
        Array.from({ length: n }, (_, i) => BigInt(i) + 2n ** 60n),
        new Int64(),
      ),
    });
    writeFileSync(file, tableToIPC(t, 'file'));
    const { table } = await engines.get(2)!.run('sort', { input: file, params: { by: 's:desc' }, batchRows: 40 });
    expect(String(table.schema.fields[0]!.type)).toBe('Utf8');
    // Reference: a stable sort by UTF-8 bytes, nulls first (desc).
    const rows = s.map((v, i) => ({ v, i }));
    rows.sort(
      (a, b) =>
        (a.v === null || b.v === null ? (a.v === b.v ? 0 : a.v === null ? -1 : 1) : Buffer.compare(Buffer.from(b.v), Buffer.from(a.v))) ||
        a.i - b.i,
    );
    expect(tableRows(table)).toEqual(rows.map(({ v, i }) => [v, v, String(BigInt(i) + 2n ** 60n)]));
  });

  it("sorts by UUID (DuckDB Parquet, many sharing their first 8 bytes) in DuckDB's ORDER BY, and by a FixedSizeBinary by its bytes", async () => {
    const file = path.join(dir, 'uuids.parquet');
    await db.run(`COPY (SELECT i::INTEGER AS i, CASE WHEN i % 9 = 4 THEN NULL
        WHEN i % 3 = 0 THEN ('01234567-89ab-cdef-0123-' || lpad(((i * 7919) % 1000)::VARCHAR, 12, '0'))::UUID
        ELSE ('fedcba98-' || lpad(((i * 31) % 10000)::VARCHAR, 4, '0') || '-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID END AS u
      FROM range(2000) t(i)) TO '${file}' (ROW_GROUP_SIZE 300)`);
    for (const by of ['u', 'u:desc']) {
      const { table } = await engines.get(2)!.run('sort', { input: file, params: { by, ranges: 5 }, batchRows: 128 });
      const want = await db.sql(`SELECT i, u FROM read_parquet('${file}', file_row_number = true) ORDER BY ${orderBy(by)}`);
      expectSameRows(tableRows(table), want, `sort by ${by}`);
    }
    // A FixedSizeBinary(5) that is no UUID (an Arrow file): the reference is a stable sort by its bytes (memcmp, as DuckDB orders BLOB).
    const n = 600;
    const keys = Array.from({ length: n }, (_, i) =>
      i % 13 === 5 ? null : Uint8Array.of(i % 3, 0xff, (i * 7) % 256, i % 2, (i * 11) % 256),
    );
    const arrow = path.join(dir, 'fixed.arrow');
    writeFileSync(
      arrow,
      tableToIPC(
        new Table({
          k: vectorFromArray(keys, new FixedSizeBinary(5)),
          i: vectorFromArray(
            Array.from({ length: n }, (_, i) => i),
            new Int32(),
          ),
        }),
        'file',
      ),
    );
    const { table } = await engines.get(2)!.run('sort', { input: arrow, params: { by: 'k', ranges: 4 }, batchRows: 64 });
    const order = keys
      .map((k, i) => ({ k, i }))
      .sort((a, b) => (a.k === null || b.k === null ? (a.k === b.k ? 0 : a.k === null ? 1 : -1) : Buffer.compare(a.k, b.k)) || a.i - b.i);
    expect(tableRows(table)).toEqual(order.map(({ k, i }) => [k === null ? null : Buffer.from(k).toString('hex'), i]));
  });

  it("sorts by INTERVAL (DuckDB Parquet) as DuckDB's ORDER BY does: normalized, so '1 month' ties with '30 days' and ties keep input order", async () => {
    const file = path.join(dir, 'intervals.parquet');
    const parts = [
      'to_months(1)',
      'to_days(30)',
      'to_days(1)',
      'to_hours(24)',
      'to_hours(36)',
      'to_days(1) + to_hours(12)',
      'to_months(1) + to_days(31)',
      'to_days(61)',
      'to_milliseconds(1500)',
      'to_months(14) + to_days(2)',
      'to_days(0)',
      'to_hours(721)',
    ];
    await db.run(`COPY (SELECT i::INTEGER AS i, CASE WHEN i % 13 = 7 THEN NULL ELSE [${parts.join(', ')}][(i * 5 % ${parts.length}) + 1] END AS iv
      FROM range(600) t(i)) TO '${file}' (ROW_GROUP_SIZE 100)`);
    for (const by of ['iv', 'iv:desc']) {
      const { table } = await engines.get(2)!.run('sort', { input: file, params: { by, ranges: 4 }, batchRows: 64 });
      const want = await db.sql(`SELECT i, iv::VARCHAR FROM read_parquet('${file}', file_row_number = true) ORDER BY ${orderBy(by)}`);
      const shown = new Map(want.map((r) => [r[0], r[1]]));
      const got = tableRows(table).map((r) => [r[0], shown.get(r[0])]);
      expect(got, `sort by ${by}`).toEqual(want);
    }
  });
});

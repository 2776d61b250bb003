import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { keyHash } from '../../dist/jobs/shared/byte-keys.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { quiverBatches } from '../helpers/typed-files.js';
import { duckdb, expectSameRows, tableRows } from './typed/oracle.js';

// A single Utf8 key column is grouped from its bytes (groups.ts assignText, shared/byte-keys.ts):
// keys that differ only past their 12th byte, multi-byte keys, '' and NULL (only in the second half,
// so a worker's batches go from the no-null path to the null one), over many batches and splits,
// against DuckDB's GROUP BY of the same files.

const dir = tempDir();
const db = duckdb();
const engines = enginesFor([1, 2]);
const csv = path.join(dir, 'keys.csv');
const parquet = path.join(dir, 'keys.parquet');

const KEY = `CASE WHEN i >= 15000 AND i % 11 = 0 THEN NULL WHEN i % 17 = 0 THEN ''
  WHEN i % 3 = 0 THEN 'id' || lpad(CAST(i % 997 AS VARCHAR), 10, '0')
  WHEN i % 3 = 1 THEN 'same-first-12-bytes-' || CAST(i % 13 AS VARCHAR)
  ELSE repeat('é', 1 + i % 9) || '中' || CAST(i % 5 AS VARCHAR) END`;

describe('groupby by one text key, from the bytes', () => {
  it('writes the files (DuckDB CSV and Parquet)', async () => {
    await db.run(`CREATE TABLE t AS SELECT ${KEY} AS k, i % 100 AS v1, (i % 1000) / 7.0 AS v3 FROM range(30000) r(i)`);
    await db.run(`COPY t TO '${csv}' (HEADER)`);
    await db.run(`COPY t TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
  });

  for (const [name, file, read] of [
    ['CSV', () => csv, `read_csv('${csv}', allow_quoted_nulls = false)`],
    ['Parquet', () => parquet, `'${parquet}'`],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`groups DuckDB's ${name} by text key as DuckDB does (${workers} worker(s), small splits)`, async () => {
        const want = await db.sql(`SELECT k, sum(v1), avg(v3), count(*) FROM ${read} GROUP BY k ORDER BY k NULLS LAST`);
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file(),
          splitSize: '64KB',
          batchRows: 1000,
          params: { by: 'k', agg: 'sum:v1,mean:v3,count' },
        });
        expectSameRows(tableRows(table), want, `${name} by k`);
      });
    }
  }
});

// Keys the CSV decoder reads on its general path (quoted, holding the delimiter, "" and line breaks)
// and keys whose ByteKeys slots meet (two long keys with one hash and the same first 8 bytes; short
// keys that differ only in the top byte of each 4-byte word), in CSV written by DuckDB and by Polars,
// against DuckDB's GROUP BY of each file.
describe('groupby by one text key, quoted CSV fields and colliding keys', () => {
  const quoted = ['a,b', ',', 'say "hi"', '"', '""', 'line1\nline2', 'crlf\r\nkey', '\n', 'é,中\n"x"', ' lead,trail ', 'plain'];
  // 4,000 of them: more distinct keys than the sample's 10% that makes a CSV text column a dictionary,
  // so the column is Utf8 and is keyed from its bytes.
  const digits = [...'0123456789'];
  const letters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN'];
  const family = digits.flatMap((x) => digits.flatMap((y) => letters.map((z) => `aaa${x}aaa${y}aaa${z}`)));
  const keys = [...quoted, ...collidingLongPair(), ...family, ''];
  const rows = 20_000;
  const polarsCsv = path.join(dir, 'quoted-polars.csv');
  const duckCsv = path.join(dir, 'quoted-duckdb.csv');

  it('writes the files (DuckDB and Polars CSV)', async () => {
    const values = keys.map((k, id) => `(${id}, '${k.replaceAll("'", "''")}')`).join(', ');
    await db.run(`CREATE TABLE qk(id INTEGER, k VARCHAR); INSERT INTO qk VALUES ${values}`);
    await db.run(
      `CREATE TABLE q AS SELECT CASE WHEN i % 97 = 5 THEN NULL ELSE qk.k END AS k, i % 100 AS v1, (i % 1000) / 7.0 AS v3 ` +
        `FROM range(${rows}) r(i) JOIN qk ON qk.id = (i * 7) % ${keys.length} ORDER BY i`,
    );
    await db.run(`COPY q TO '${duckCsv}' (HEADER)`);
    const idx = Array.from({ length: rows }, (_, i) => i);
    pl.DataFrame({
      k: idx.map((i) => (i % 97 === 5 ? null : keys[(i * 7) % keys.length]!)),
      v1: pl
        .Series(
          'v1',
          idx.map((i) => i % 100),
        )
        .cast(pl.Int32),
      v3: idx.map((i) => (i % 1000) / 7),
    }).writeCSV(polarsCsv);
  });

  for (const [name, file] of [
    ['DuckDB', () => duckCsv],
    ['Polars', () => polarsCsv],
  ] as const) {
    for (const workers of [1, 2]) {
      it(`groups ${name}'s CSV by quoted and colliding keys as DuckDB does (${workers} worker(s), small splits)`, async () => {
        const read = `read_csv('${file()}', allow_quoted_nulls = false)`;
        const want = await db.sql(`SELECT k, sum(v1), avg(v3), count(*) FROM ${read} GROUP BY k ORDER BY k NULLS LAST`);
        expect(want.length).toBe(keys.length + 1); // every key and NULL, so DuckDB read the quoting as written
        expect((await quiverBatches(file())).types.k).toBe('Utf8');
        const { table } = await engines.get(workers)!.run('groupby', {
          input: file(),
          splitSize: '64KB',
          batchRows: 1000,
          params: { by: 'k', agg: 'sum:v1,mean:v3,count' },
        });
        expectSameRows(tableRows(table), want, `${name} CSV by k`);
      });
    }
  }
});

/** Two keys longer than 12 bytes with the same first 8 bytes and the same ByteKeys hash (a birthday search). */
function collidingLongPair(): [string, string] {
  const byHash = new Map<number, string>();
  for (let i = 0; ; i++) {
    const k = `abcdefgh-${i}-tail`;
    const h = keyHash(Buffer.from(k), 0, Buffer.byteLength(k));
    const other = byHash.get(h);
    if (other !== undefined) return [other, k];
    byHash.set(h, k);
  }
}

// The result's text key column is built from the reducers' dictionaries as bytes and ranked by one
// sort (output.ts textRanks): 3 reducers, so a key's value comes from one of several dictionaries;
// keys beyond the Basic Multilingual Plane and just below its top, whose UTF-16 order differs from
// their UTF-8 order, and NULL. Checked against the plan with a median, which finishes its groups on
// the other path (resultOf, ranksOf), and against DuckDB's groups and counts.
describe('groupby result of text keys from several reducers', () => {
  const keys = ['b', 'a', '', 'é', '\u{1F600}x', '\uFF5Ex', '\uE000', '中文', 'id0000000007', 'id0000000010'];
  const file = path.join(dir, 'planes.parquet');

  it('orders the keys alike on both result paths, and groups them as DuckDB does', async () => {
    const values = keys.map((k, id) => `(${id}, '${k}')`).join(', ');
    await db.run(`CREATE TABLE pk(id INTEGER, k VARCHAR); INSERT INTO pk VALUES ${values}`);
    await db.run(
      `COPY (SELECT CASE WHEN i % 13 = 3 THEN NULL ELSE pk.k || CAST(i % 47 AS VARCHAR) END AS k, i % 7 AS v ` +
        `FROM range(5000) r(i) JOIN pk ON pk.id = i % ${keys.length} ORDER BY i) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`,
    );
    const run = (agg: string) =>
      engines.get(2)!.run('groupby', { input: file, reducers: 3, batchRows: 500, splitSize: '16KB', params: { by: 'k', agg } });
    const plain = tableRows((await run('count,sum:v')).table);
    const median = tableRows((await run('count,sum:v,median:v')).table);
    expect(plain.length).toBeGreaterThan(400);
    expect(plain.map((r) => [r[0], r[1], r[2]])).toEqual(median.map((r) => [r[0], r[1], r[2]]));
    // Ordered as JS compares strings (UTF-16 code units), nulls last.
    const texts = plain.map((r) => r[0]).filter((k) => k !== null) as string[];
    expect(texts).toEqual([...texts].sort());
    expect(plain.at(-1)![0]).toBeNull();
    const want = await db.sql(`SELECT k, count(*), sum(v) FROM '${file}' GROUP BY k`);
    const byKey = (rows: unknown[][]) => new Map(rows.map((r) => [r[0], `${r[1]},${r[2]}`]));
    expect(byKey(plain)).toEqual(byKey(want));
  });
});

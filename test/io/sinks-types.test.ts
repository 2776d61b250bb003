import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetHead } from '../../dist/src/io/read-parquet.js';
import { writeTableFile } from '../../dist/src/io/sinks.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// Round trips through quiver's text outputs, judged by DuckDB: a file DuckDB (or Polars) wrote holds
// every type with a null in every column; quiver writes it as CSV / NDJSON / JSON; DuckDB reads that
// back and `orig EXCEPT back` is empty both ways. Values are cast back to the original types from
// text (CSV read as all-varchar), so the check is of quiver's spelling, not of DuckDB's inference —
// which is checked on its own for the types DuckDB infers from text.

const dir = tempDir();
const file = (name: string) => path.join(dir, name);
let db: Awaited<ReturnType<typeof DuckDBInstance.create>>;
let con: Awaited<ReturnType<typeof db.connect>>;
const rows = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJson();

/** Columns DuckDB writes: every type whose Parquet form quiver reads. */
const COLUMNS: Array<[name: string, type: string, values: string[]]> = [
  ['i8', 'TINYINT', ['-128', '127', '0']],
  ['u16', 'USMALLINT', ['65535', '0', '7']],
  ['i64', 'BIGINT', ['9007199254740993', '-9223372036854775808', '863664355634477537']],
  ['u64', 'UBIGINT', ['18446744073709551615', '0', '9007199254740993']],
  ['f32', 'FLOAT', ['0.1', '3.4028235e38', '-2']],
  ['f64', 'DOUBLE', ['2.0', '1e300', '0.1']],
  ['dec', 'DECIMAL(15,2)', ['1.02', '-0.50', '0']],
  ['dec38', 'DECIMAL(38,6)', ['12345678901234567890.123456', '-0.000001', '99999999999999999999999999999999.999999']],
  ['d', 'DATE', ['2020-01-31', '1969-12-31', '0001-01-01']],
  ['t', 'TIME', ['12:34:56', '00:00:00.000001', '23:59:59.5']],
  ['ts', 'TIMESTAMP', ['2020-01-31 12:34:56.789', '1969-12-31 23:59:59.999999', '1900-01-01 00:00:00']],
  ['tsms', 'TIMESTAMP_MS', ['2020-01-31 12:34:56.7', '1960-06-01 01:02:03', '2038-01-19 03:14:08']],
  ['tsns', 'TIMESTAMP_NS', ['2020-01-31 12:34:56.123456789', '1969-12-31 23:59:59.999999999', '2262-04-11 23:47:16']],
  ['tstz', 'TIMESTAMPTZ', ['2020-01-31 12:34:56.789+00', '2020-06-01 00:00:00+02', '1960-01-01 00:00:00+00']],
  ['iv', 'INTERVAL', ['1 year 2 months 3 days 00:00:01.5', '00:00:00', '26:00:00.001']],
  ['u', 'UUID', ['00000000-0000-4000-8000-000000000001', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0123abcd-0000-0000-0000-00000000000e']],
  ['b', 'BLOB', ['\\x00\\x30AB', 'a,b"c\\x0A', '']],
  ['s', 'VARCHAR', ['line1\nline2', 'a, "quoted" b', '']],
  ['bo', 'BOOLEAN', ['true', 'false', 'true']],
  ['l', 'INTEGER[]', ['[1, 2, NULL]', '[]', '[-3]']],
  ['ls', 'VARCHAR[]', [`['a', 'b,c']`, '[NULL]', '[]']],
  [
    'st',
    'STRUCT(x INTEGER, y VARCHAR, d DATE, m DECIMAL(4,2))',
    [
      `{'x': 1, 'y': 'a"b', 'd': '2020-01-01', 'm': 1.50}`,
      `{'x': NULL, 'y': NULL, 'd': NULL, 'm': NULL}`,
      `{'x': -1, 'y': '', 'd': '1969-01-01', 'm': -0.01}`,
    ],
  ],
  ['m', 'MAP(VARCHAR, INTEGER)', [`MAP {'k': 1}`, 'MAP {}', `MAP {'a': NULL, 'b': 2}`]],
];
const lit = (v: string, type: string) => (v.startsWith('MAP') ? `${v}::${type}` : `'${v.replaceAll("'", "''")}'::${type}`);

/** SQL casting the text column `c` of a read-back table to `type`: nested values and bytes through their own parsers. */
function fromText(c: string, type: string): string {
  if (/\[\]$|^STRUCT|^MAP/.test(type)) return `CAST(CAST(${c} AS JSON) AS ${type})`;
  return `CAST(${c} AS ${type})`;
}

/** Rows of `orig` missing from `back` and of `back` missing from `orig`, `back` cast column by column. */
async function difference(back: string, columns = COLUMNS): Promise<unknown[]> {
  const select = `SELECT id, ${columns.map(([n, t]) => `${fromText(`"${n}"`, t)} AS "${n}"`).join(', ')} FROM ${back}`;
  const orig = `SELECT id, ${columns.map(([n]) => `"${n}"`).join(', ')} FROM orig`;
  expect(await rows(`SELECT count(*)::INTEGER AS n FROM ${back}`)).toEqual([{ n: 4 }]);
  return rows(`(${orig} EXCEPT ${select}) UNION ALL (${select} EXCEPT ${orig})`);
}

// DuckDB's JSON reader parses numbers with a fraction as doubles, so DECIMAL(38,6) is checked on the text (NDJSON test).
const exact = COLUMNS.filter(([n]) => n !== 'dec38');
/** read_json's `columns`: every column read as text (nested ones as JSON), to be cast back by `difference`. */
const columns = `{${exact.map(([n, t]) => `'${n}': '${/\[\]$|^STRUCT|^MAP/.test(t) ? 'JSON' : 'VARCHAR'}'`).join(', ')}, 'id': 'INTEGER'}`;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
  await con.run(`SET TimeZone = 'UTC'`);
  const values = [0, 1, 2].map((r) => `(${r + 1}, ${COLUMNS.map(([, t, v]) => lit(v[r]!, t)).join(', ')})`);
  const nulls = `(4, ${COLUMNS.map(() => 'NULL').join(', ')})`;
  await con.run(
    `CREATE TABLE orig AS SELECT * FROM (VALUES ${[...values, nulls].join(', ')}) v(id, ${COLUMNS.map(([n]) => n).join(', ')})`,
  );
  await con.run(`COPY orig TO '${file('duck.parquet')}'`);
  for (const out of ['back.csv', 'back.ndjson', 'back.json']) {
    const r = await runCli(['convert', file('duck.parquet'), file(out), '-q', '-w', '2']);
    expect(r.stderr).toBe('');
  }
}, 120_000);
afterAll(() => {
  con.closeSync();
  db.closeSync();
});

describe('text outputs read back by DuckDB to the same values', () => {
  it('CSV: every value, cast back from its text', async () => {
    expect(await difference(`read_csv('${file('back.csv')}', all_varchar = true, allow_quoted_nulls = false)`)).toEqual([]);
  });

  it('CSV: DuckDB infers the original types of dates, times, timestamps, 64-bit integers and booleans', async () => {
    const types = Object.fromEntries(
      (await rows(`DESCRIBE SELECT * FROM read_csv('${file('back.csv')}')`)).map((r) => [r.column_name, r.column_type]),
    );
    expect(types).toMatchObject({
      i64: 'BIGINT',
      d: 'DATE',
      t: 'TIME',
      ts: 'TIMESTAMP',
      tsms: 'TIMESTAMP',
      tsns: 'TIMESTAMP',
      tstz: 'TIMESTAMP WITH TIME ZONE',
      bo: 'BOOLEAN',
      f64: 'DOUBLE',
      s: 'VARCHAR',
    });
    const same =
      await rows(`SELECT count(*)::INTEGER AS n FROM orig JOIN read_csv('${file('back.csv')}', allow_quoted_nulls = false) b USING (id)
      WHERE orig.i64 IS NOT DISTINCT FROM b.i64 AND orig.d IS NOT DISTINCT FROM b.d AND orig.ts IS NOT DISTINCT FROM b.ts
        AND orig.tstz IS NOT DISTINCT FROM b.tstz AND orig.t IS NOT DISTINCT FROM b.t AND orig.s IS NOT DISTINCT FROM b.s`);
    expect(same).toEqual([{ n: 4 }]);
  });

  it('NDJSON: nested JSON, exact integers, and every value', async () => {
    const types = Object.fromEntries(
      (await rows(`DESCRIBE SELECT * FROM read_json('${file('back.ndjson')}')`)).map((r) => [r.column_name, r.column_type]),
    );
    // DuckDB's JSON reader widens an integer column holding -2^63 to HUGEINT, and detects timestamps
    // only when all share one format (its own JSON output is the same text): exact integers and dates are what matter.
    expect(types).toMatchObject({ ls: 'VARCHAR[]', d: 'DATE', bo: 'BOOLEAN', s: 'VARCHAR' });
    expect(types.i64).toMatch(/^(BIGINT|HUGEINT)$/);
    expect(types.l).toMatch(/^(BIGINT|HUGEINT)\[\]$/);
    expect(types.st).toMatch(/^STRUCT\(x (BIGINT|HUGEINT), y VARCHAR, d DATE, m DOUBLE\)$/);
    expect(await difference(`read_json('${file('back.ndjson')}', columns = ${columns})`, exact)).toEqual([]);
    const lines = readFileSync(file('back.ndjson'), 'utf8').trim().split('\n');
    const decimals = (await rows(`SELECT dec38::VARCHAR AS t FROM orig ORDER BY id`)).map((r) => r.t);
    expect(lines.map((l) => /"dec38":([^,}]+)/.exec(l)![1])).toEqual(decimals.map((t) => t ?? 'null'));
    expect(lines[0]).toMatch(/"i64":9007199254740993,.*"st":\{"x":1,"y":"a\\"b","d":"2020-01-01","m":1.50\}/);
  });

  it('JSON array from `quiver convert` (parts joined across workers): every value', async () => {
    expect(await difference(`read_json('${file('back.json')}', format = 'array', columns = ${columns})`, exact)).toEqual([]);
    expect((JSON.parse(readFileSync(file('back.json'), 'utf8')) as unknown[]).length).toBe(4);
  });

  it('writeTableFile (what `run -o` and `run --format` write): CSV, NDJSON and a JSON array, every value', async () => {
    const { table } = await readParquetHead(file('duck.parquet'), 10);
    await writeTableFile(table, file('table.csv'), 'csv');
    expect(await difference(`read_csv('${file('table.csv')}', all_varchar = true, allow_quoted_nulls = false)`)).toEqual([]);
    await writeTableFile(table, file('table.ndjson'), 'ndjson');
    expect(await difference(`read_json('${file('table.ndjson')}', columns = ${columns})`, exact)).toEqual([]);
    await writeTableFile(table, file('table.json'), 'json');
    expect(await difference(`read_json('${file('table.json')}', format = 'array', columns = ${columns})`, exact)).toEqual([]);
  });
});

describe('an Arrow file Polars wrote (string views, categorical, ns and zoned datetimes, durations, decimals, large lists)', () => {
  // DuckDB cannot read Arrow IPC, so the reference is the same frame as Polars writes it to Parquet.
  const frame = () =>
    pl
      .DataFrame({
        id: pl.Series('id', [1, 2, 3, 4], pl.Int32),
        i64: pl.Series('i64', [9007199254740992, null, -5, 0], pl.Float64),
        d: pl.Series(
          'd',
          [new Date(Date.UTC(2020, 0, 31)), null, new Date(Date.UTC(1969, 11, 31)), new Date(Date.UTC(2000, 1, 29))],
          pl.Date,
        ),
        ts: pl.Series(
          'ts',
          [
            new Date(Date.UTC(2020, 0, 31, 12, 34, 56, 789)),
            null,
            new Date(Date.UTC(1960, 0, 1)),
            new Date(Date.UTC(2000, 1, 29, 0, 0, 0, 1)),
          ],
          pl.Datetime('ms'),
        ),
        s: pl.Series('s', ['line1\nline2', null, 'x,"y"', ''], pl.Utf8),
      })
      .withColumns(
        pl.col('i64').cast(pl.Int64),
        pl.col('ts').cast(pl.Datetime('ns')).alias('tsns'),
        pl.col('ts').cast(pl.Datetime('us', 'UTC')).alias('tstz'),
        pl.col('id').cast(pl.Int64).mul(3600001).cast(pl.Duration('ms')).alias('dur'),
        pl.col('s').cast(pl.Categorical).alias('cat'),
        pl.col('id').cast(pl.Decimal(10, 2)).alias('dec'),
        pl.concatList([pl.col('id'), pl.col('i64').cast(pl.Int32)]).alias('l'),
      );

  beforeAll(async () => {
    const df = frame();
    df.writeIPC(file('polars.arrow'));
    df.writeParquet(file('polars.parquet'));
    for (const out of ['polars.csv', 'polars.ndjson'])
      expect((await runCli(['convert', file('polars.arrow'), file(out), '-q'])).stderr).toBe('');
  }, 60_000);

  it('CSV and NDJSON from the Arrow file read back by DuckDB to the values of the Parquet file', async () => {
    await con.run(`CREATE TABLE pl_orig AS SELECT * FROM '${file('polars.parquet')}'`);
    const types = Object.fromEntries((await rows(`DESCRIBE pl_orig`)).map((r) => [r.column_name, r.column_type]));
    expect(types.dur).toBe('BIGINT'); // Polars' Parquet keeps a duration as its milliseconds
    const cast = (c: string) =>
      c === 'dur' ? `(epoch_ms(TIMESTAMP '1970-01-01' + CAST(dur AS INTERVAL)))::BIGINT` : fromText(`"${c}"`, types[c] as string);
    for (const back of [
      `read_csv('${file('polars.csv')}', all_varchar = true, allow_quoted_nulls = false)`,
      `read_json('${file('polars.ndjson')}', columns = {${Object.keys(types)
        .map((c) => `'${c}': '${c === 'l' ? 'JSON' : 'VARCHAR'}'`)
        .join(', ')}})`,
    ]) {
      expect(await rows(`SELECT count(*)::INTEGER AS n FROM ${back}`)).toEqual([{ n: 4 }]);
      const select = `SELECT ${Object.keys(types)
        .map((c) => `${cast(c)} AS "${c}"`)
        .join(', ')} FROM ${back}`;
      expect(await rows(`(FROM pl_orig EXCEPT ${select}) UNION ALL (${select} EXCEPT FROM pl_orig)`)).toEqual([]);
    }
  });

  it('Polars reads the CSV back to its own types and values (dates, µs and zoned datetimes, Int64, text)', async () => {
    const back = pl.readCSV(file('polars.csv'), { tryParseDates: true });
    const orig = frame();
    const types = Object.fromEntries(Object.entries(back.schema).map(([k, t]) => [k, String(t)]));
    expect(types).toMatchObject({
      i64: String(pl.Int64),
      d: String(pl.Date),
      ts: String(pl.Datetime('us')),
      tstz: String(pl.Datetime('us', 'UTC')),
    });
    const same = ['i64', 'd', 's', 'tstz'];
    expect(back.select(...same).frameEqual(orig.select(...same), true)).toBe(true);
    expect(back.select('ts', 'cat').frameEqual(orig.select(pl.col('ts').cast(pl.Datetime('us')), pl.col('cat').cast(pl.Utf8)), true)).toBe(
      true,
    );
  });
});

describe('binary outputs keep every type', () => {
  it('Arrow (then CSV from it) and Parquet from the DuckDB file read back by DuckDB to the same values', async () => {
    for (const [from, to] of [
      ['duck.parquet', 'back.arrow'],
      ['back.arrow', 'back-arrow.csv'],
      ['duck.parquet', 'back.parquet'],
    ]) {
      expect((await runCli(['convert', file(from!), file(to!), '-q'])).stderr).toBe('');
    }
    expect(await difference(`read_csv('${file('back-arrow.csv')}', all_varchar = true, allow_quoted_nulls = false)`)).toEqual([]);
    const orig = `SELECT id, ${COLUMNS.map(([n]) => `"${n}"`).join(', ')}`;
    expect(
      await rows(
        `(${orig} FROM orig EXCEPT ${orig} FROM '${file('back.parquet')}') UNION ALL (${orig} FROM '${file('back.parquet')}' EXCEPT ${orig} FROM orig)`,
      ),
    ).toEqual([]);
    const types = async (from: string) => (await rows(`DESCRIBE ${from}`)).map((r) => `${r.column_name}:${r.column_type}`);
    // As DuckDB reads its own Parquet file (it reads TIMESTAMP_MS back as TIMESTAMP, so the reference is the file, not the table).
    expect(await types(`FROM '${file('back.parquet')}'`)).toEqual(await types(`FROM '${file('duck.parquet')}'`));
  });
});

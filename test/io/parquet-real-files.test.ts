import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { IntervalMonthDayNano, makeData, Table, tableFromArrays, tableFromIPC, tableToIPC, Type } from 'apache-arrow';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, InputError, run } from 'quiver-engine';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import { tableToParquet } from '../../dist/src/io/parquet-sink.js';
import { columnValues, sameValue, truthSql } from '../helpers/arrow-values.mjs';
import { runCli } from '../helpers/cli.js';
import { pageValueCount, withFooterLength } from '../helpers/parquet-corrupt.mjs';
import { rowsOf } from '../helpers/reference.js';
import { tempDir } from '../helpers/tmp.js';

// Parquet files as DuckDB and Polars write them, with a null in every column, read through quiver and
// compared value by value with what DuckDB's SQL reads from the same file (issue 22), plus the files
// that used to hang or crash quiver's Parquet reader (issues 22 and 26).
const dir = tempDir();
let duck: DuckDBConnection;
const sql = async (q: string) => (await duck.runAndReadAll(q)).getRowObjectsJS();
const nul = (e: string) => `CASE WHEN i % 3 = 1 THEN NULL ELSE ${e} END`;

const DUCKDB_COLUMNS: Record<string, string> = {
  ti: 'i::TINYINT - 3',
  si: '(i * 1000 - 2000)::SMALLINT',
  i32: '(i * 100000 - 7)::INTEGER',
  i64: '(i * 1000000000000 - 9)::BIGINT',
  ut: 'i::UTINYINT',
  ub: '(i::UBIGINT * 3000000000000000000)',
  fl: '(i / 4)::FLOAT',
  db: '(i / 3)::DOUBLE',
  dec4: '(i * 1.25)::DECIMAL(4,2)',
  dec18: '(i * 1234567.125)::DECIMAL(18,3)',
  dec38: '(i * 12345678901.0123456789)::DECIMAL(38,10)',
  dt: "DATE '2024-02-27' + i::INTEGER",
  tm: "TIME '12:34:56.789' + to_seconds(i)",
  ts_ms: "(TIMESTAMP '2024-01-01 10:00:00.123' + to_seconds(i))::TIMESTAMP_MS",
  ts_us: "TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i)",
  ts_ns: "(TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i))::TIMESTAMP_NS",
  tstz: "(TIMESTAMP '2024-01-01 10:00:00' + to_seconds(i))::TIMESTAMPTZ",
  str: "'s' || i || 'é'",
  blob: "('\\x00\\xFF' || i)::BLOB",
  uuid: "('00000000-0000-4000-8000-00000000000' || i)::UUID",
  bool: 'i % 2 = 0',
  list: '[i::INTEGER, NULL, 2]',
  struct: "{'a': i::INTEGER, 'b': 'x' || i}",
  map: "MAP {'k' || i: i::INTEGER}",
};

/** Every batch of a file's splits as quiver's workers read them, only `columns`. */
async function readAll(file: string, columns?: string[]) {
  const batches = [];
  for (const split of (await makePlan({ inputs: [file], workers: 1, splitBytes: 1 })).splits)
    batches.push(...(await readParquetSplit(split as never, 4, columns)));
  return batches;
}

/** Each column's values as quiver reads them, next to DuckDB's. */
async function expectSameAsDuckDB(file: string, columns: string[]) {
  const batches = await readAll(file);
  for (const c of columns) {
    const [{ t }] = await sql(`SELECT typeof("${c}") AS t FROM read_parquet('${file}') LIMIT 1`);
    const want = (await sql(`SELECT ${truthSql(c, String(t))} AS v FROM read_parquet('${file}')`)).map((r) => r.v);
    const got = batches.flatMap((b) => columnValues(b.getChild(c)!));
    expect(got.length, c).toBe(want.length);
    expect(want.filter((w) => w === null).length, `${c} has nulls`).toBeGreaterThan(0);
    got.forEach((v, i) => {
      expect(sameValue(v, want[i]), `${c} row ${i}: quiver ${JSON.stringify(v)}, DuckDB ${JSON.stringify(want[i])}`).toBe(true);
    });
  }
  return batches[0]!.schema;
}

let duckFile: string;
let polarsFile: string;
let intervalFile: string;
let goodFile: string;

beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  duckFile = path.join(dir, 'duckdb-types.parquet');
  await duck.run(
    `COPY (SELECT ${Object.entries(DUCKDB_COLUMNS)
      .map(([n, e]) => `${nul(e)} AS ${n}`)
      .join(', ')} FROM range(7) t(i)) TO '${duckFile}' (ROW_GROUP_SIZE 2048)`,
  );
  intervalFile = path.join(dir, 'interval.parquet');
  await duck.run(
    // Parquet's INTERVAL holds milliseconds: DuckDB writes 1.234567 s as 1.234 s.
    `COPY (SELECT i::INTEGER AS i, ${nul('to_months(i::INTEGER * 5) + to_days(i::INTEGER * 3) + to_microseconds(i * 1234567)')} AS iv FROM range(6) t(i)) TO '${intervalFile}'`,
  );
  polarsFile = path.join(dir, 'polars-types.parquet');
  const n = <T>(xs: T[]) => xs.map((x, i) => (i % 3 === 1 ? null : x));
  pl.DataFrame({
    i64: pl.Series('i64', n([1n, 2n, -(2n ** 62n), 4n, 5n, 6n]), pl.Int64),
    u64: pl.Series('u64', n([1n, 2n, 2n ** 63n + 7n, 4n, 5n, 6n]), pl.UInt64),
    cat: pl.Series('cat', n(['a', 'b', 'a', 'c', 'a', 'b'])).cast(pl.Categorical),
    date: pl.Series('date', n([19000, 19001, 19002, 19003, 19004, 19005]), pl.Int32).cast(pl.Date),
    dt_ns_tz: pl.Series('dt_ns_tz', n([1700000000123456789n, 1n, 2n, 3n, 4n, 5n]), pl.Int64).cast(pl.Datetime('ns', 'Europe/Paris')),
    dur: pl.Series('dur', n([1000n, 2000n, 3000n, 4000n, 5000n, 6000n]), pl.Int64).cast(pl.Duration('ms')),
    dec: pl.Series('dec', n([1.25, 2.5, 3.75, 4, 5, 6]), pl.Float64).cast(pl.Decimal(10, 2)),
    list: pl.Series('list', n([[1, 2], [3], [], [4, null], [5], [6]]), pl.List(pl.Int32)),
    str: pl.Series('str', n(['a', 'bé', 'c', 'd', 'e', 'f'])),
  }).writeParquet(polarsFile);
  // parquet-wasm writes data pages of 20,480 values: the page header corruptions of issue 26 need one.
  const pq = await import('parquet-wasm/node');
  const t = tableFromArrays({ i: Int32Array.from({ length: 25_000 }, (_, k) => k % 10) });
  goodFile = path.join(dir, 'good.parquet');
  writeFileSync(goodFile, pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(t, 'stream'))));
}, 60_000);

afterAll(() => duck.closeSync());

describe('Parquet files written by DuckDB and Polars', () => {
  it('reads every DuckDB column type, nulls included (INTERVAL below), to the values DuckDB reads', async () => {
    const schema = await expectSameAsDuckDB(duckFile, Object.keys(DUCKDB_COLUMNS));
    const type = (c: string) => schema.fields.find((f) => f.name === c)!.type;
    expect(String(type('i64'))).toBe('Int64');
    expect(String(type('ub'))).toBe('Uint64');
    expect(String(type('dec38'))).toBe('Decimal[38e+10]');
    expect(String(type('ts_ns'))).toBe('Timestamp<NANOSECOND>');
    expect(String(type('uuid'))).toBe('FixedSizeBinary[16]');
  }, 60_000);

  it('reads a Polars file (Int64, UInt64, Categorical, Datetime with a zone, Duration, Decimal, LargeList) to the values DuckDB reads', async () => {
    const schema = await expectSameAsDuckDB(polarsFile, ['i64', 'u64', 'cat', 'date', 'dt_ns_tz', 'dur', 'dec', 'list', 'str']);
    const cat = schema.fields.find((f) => f.name === 'cat')!.type;
    expect(cat.typeId).toBe(Type.Dictionary);
    expect(String(cat.dictionary)).toBe('Utf8');
    expect(String(schema.fields.find((f) => f.name === 'dt_ns_tz')!.type)).toBe('Timestamp<NANOSECOND, Europe/Paris>');
  }, 60_000);

  it('groups, sorts, converts and inspects a Polars Categorical column: no hang, no WebAssembly trap', async () => {
    const want = await sql(`SELECT cat, count(*)::INTEGER AS n FROM read_parquet('${polarsFile}') GROUP BY cat`);
    const grouped = await run('groupby', { input: polarsFile, workers: 2, params: { by: 'cat', agg: 'count' } });
    const got = new Map(rowsOf(grouped.table).map((r) => [r.cat ?? null, Number(r.count)]));
    expect(got).toEqual(new Map(want.map((r) => [r.cat ?? null, r.n])));
    const sorted = await run('sort', { input: polarsFile, workers: 2, params: { by: 'cat', columns: 'cat,i64' } });
    const order = (await sql(`SELECT cat FROM read_parquet('${polarsFile}') ORDER BY cat NULLS LAST`)).map((r) => r.cat ?? null);
    expect(rowsOf(sorted.table).map((r) => r.cat ?? null)).toEqual(order);
    const out = path.join(dir, 'cat.arrow');
    const converted = await runCli(['convert', polarsFile, out]);
    expect(converted.status, converted.stderr).toBe(0);
    const back = tableFromIPC(readFileSync(out));
    expect([...back.getChild('cat')!].map((v) => v ?? null)).toEqual(
      (await sql(`SELECT cat FROM read_parquet('${polarsFile}')`)).map((r) => r.cat ?? null),
    );
    const inspected = await runCli(['inspect', polarsFile]);
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/cat: Dictionary<Uint32, Utf8>/);
  }, 120_000);

  it('reads an INTERVAL column exactly (months, days, milliseconds, nulls) and writes it back to every format', async () => {
    const inspected = await runCli(['inspect', intervalFile]);
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/iv: Interval<MONTH_DAY_NANO>/);
    // The table shows what DuckDB's iv::VARCHAR spells, row by row (NULL for a null).
    const shown = (await sql(`SELECT coalesce(iv::VARCHAR, 'NULL') AS s FROM read_parquet('${intervalFile}') ORDER BY i`)).map((r) => r.s);
    for (const s of shown) expect(inspected.stdout).toContain(String(s));
    expect(shown).toContain('1 year 3 months 9 days 00:00:03.703');
    const readers: Record<string, (f: string) => string> = {
      csv: (f) => `read_csv('${f}', types={'iv': 'INTERVAL'})`,
      ndjson: (f) => `read_json('${f}', columns={'i': 'INTEGER', 'iv': 'INTERVAL'})`,
      parquet: (f) => `read_parquet('${f}')`,
    };
    const same = async (relation: string) => {
      const source = `SELECT i, iv FROM read_parquet('${intervalFile}')`;
      const back = `SELECT i::INTEGER AS i, iv FROM ${relation}`;
      return (
        await sql(`SELECT (SELECT count(*) FROM (${source} EXCEPT ${back})) + (SELECT count(*) FROM (${back} EXCEPT ${source})) AS n`)
      )[0]!.n;
    };
    for (const [ext, reader] of Object.entries(readers)) {
      const out = path.join(dir, `interval-back.${ext}`);
      const r = await runCli(['convert', intervalFile, out]);
      expect(r.status, r.stderr).toBe(0);
      expect(await same(reader(out)), ext).toBe(0n);
    }
    const [{ t }] = await sql(`SELECT typeof(iv) AS t FROM read_parquet('${path.join(dir, 'interval-back.parquet')}') LIMIT 1`);
    expect(t).toBe('INTERVAL');
    // Arrow keeps Interval<MONTH_DAY_NANO>; DuckDB reads no Arrow IPC, so it checks the Arrow file's Parquet copy.
    const arrow = path.join(dir, 'interval-back.arrow');
    expect((await runCli(['convert', intervalFile, arrow])).status).toBe(0);
    expect(String(tableFromIPC(readFileSync(arrow)).schema.fields[1]!.type)).toBe('Interval<MONTH_DAY_NANO>');
    const again = path.join(dir, 'interval-arrow-back.parquet');
    expect((await runCli(['convert', arrow, again])).status).toBe(0);
    expect(await same(`read_parquet('${again}')`)).toBe(0n);
  }, 90_000);

  it('writes an Arrow interval to Parquet cut to milliseconds, as DuckDB does, and refuses a negative one, naming the column and value', async () => {
    const interval = (months: number, days: number, nanos: bigint) => [months, days, Number(nanos & 0xffffffffn) | 0, Number(nanos >> 32n)];
    const table = (parts: number[][]) =>
      new Table({ iv: makeData({ type: new IntervalMonthDayNano(), length: parts.length, data: Int32Array.from(parts.flat()) }) });
    const arrow = path.join(dir, 'iv.arrow');
    writeFileSync(arrow, tableToIPC(table([interval(14, 2, 1_234_567_891n), interval(0, 0, 5_000_000_000_000n)]), 'file'));
    const out = path.join(dir, 'iv-from-arrow.parquet');
    const ok = await runCli(['convert', arrow, out]);
    expect(ok.status, ok.stderr).toBe(0);
    expect((await sql(`SELECT iv::VARCHAR AS s FROM read_parquet('${out}')`)).map((r) => r.s)).toEqual([
      '1 year 2 months 2 days 00:00:01.234',
      '01:23:20',
    ]);
    writeFileSync(arrow, tableToIPC(table([interval(1, 0, 0n), interval(0, -1, 0n)]), 'file'));
    const failed = await runCli(['convert', arrow, path.join(dir, 'negative.parquet')]);
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toMatch(/column iv: the interval 0 months -1 days 0 ms cannot be written to Parquet.*unsigned/);
    expect(existsSync(path.join(dir, 'negative.parquet'))).toBe(false);
  }, 60_000);

  it('refuses an INTERVAL inside a list by name with the --columns fix (parquet-wasm would drop its months), and converts without it', async () => {
    const nested = path.join(dir, 'interval-list.parquet');
    await duck.run(`COPY (SELECT i::INTEGER AS i, [to_months(i::INTEGER + 1) + to_days(2)] AS ivs FROM range(4) t(i)) TO '${nested}'`);
    const out = path.join(dir, 'interval-list.csv');
    const failed = await runCli(['convert', nested, out]);
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toMatch(
      /interval-list\.parquet: column ivs \(List<Interval<DAY_TIME>>\) cannot be read: .*drops its months.*--columns/,
    );
    expect(failed.stderr).not.toMatch(/RuntimeError| {4}at /);
    const ok = await runCli(['convert', nested, out, '--columns', 'i']);
    expect(ok.status, ok.stderr).toBe(0);
    const want = (await sql(`SELECT i FROM read_parquet('${nested}')`)).map((r) => String(r.i));
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(['i', ...want]);
    const inspected = await runCli(['inspect', nested]);
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/column ivs is not shown/);
  }, 60_000);
});

describe('UUID columns written back to Parquet', () => {
  it('keep their UUID annotation through convert and the table sink, so DuckDB reads UUIDs back', async () => {
    const out = path.join(dir, 'uuid-back.parquet');
    const converted = await runCli(['convert', duckFile, out, '--columns', 'i32,uuid']);
    expect(converted.status, converted.stderr).toBe(0);
    const sink = path.join(dir, 'uuid-sink.parquet');
    const table = new Table(await readAll(duckFile, ['uuid']));
    writeFileSync(sink, await tableToParquet(table));
    const want = await sql(`SELECT uuid::VARCHAR AS u FROM read_parquet('${duckFile}')`);
    for (const file of [out, sink]) {
      const [{ t }] = await sql(`SELECT typeof(uuid) AS t FROM read_parquet('${file}') LIMIT 1`);
      expect(t, file).toBe('UUID');
      expect(await sql(`SELECT uuid::VARCHAR AS u FROM read_parquet('${file}')`)).toEqual(want);
    }
  }, 60_000);
});

describe('corrupt Parquet files', () => {
  it('a page header that trapped parquet-wasm fails the run with an InputError naming file, row group, column; the Engine still works', async () => {
    // The overwritten byte makes the header's num_values larger than the chunk's: the walk over the page headers
    // (parquet-pages.ts) refuses it before parquet-wasm, which trapped on it, decodes the page.
    const bad = path.join(dir, 'page-header.parquet');
    writeFileSync(bad, pageValueCount(readFileSync(goodFile), 0, true));
    const engine = new Engine({ workers: 1 });
    try {
      const failure = await engine.run('groupby', { input: bad, params: { by: 'i', agg: 'count' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(InputError);
      expect(String((failure as Error).message)).toMatch(
        new RegExp(
          String.raw`page-header\.parquet: row group 0, column "i": the page header at byte 4 starts pages holding \d+ values, ` +
            'but the footer says the chunk holds 25000: the file is corrupt',
        ),
      );
      const want = await sql(`SELECT i, count(*)::INTEGER AS n FROM read_parquet('${goodFile}') GROUP BY i`);
      const after = await engine.run('groupby', { input: goodFile, params: { by: 'i', agg: 'count' } });
      expect(new Map(rowsOf(after.table).map((r) => [r.i, Number(r.count)]))).toEqual(new Map(want.map((r) => [r.i, r.n])));
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('a page that claims one value fewer, and footer lengths of −1 and one short, are clear errors naming the file', async () => {
    // inspect reads only the first rows, which a wrong count in the page header does not reach.
    const commands = (file: string, all: boolean) => [
      ...(all ? [['inspect', file]] : []),
      ['run', 'groupby', '--input', file, '--param', 'by=i', '--param', 'agg=count', '--workers', '1'],
    ];
    const good = readFileSync(goodFile);
    const cases: Array<[string, Buffer, RegExp, boolean]> = [
      ['count.parquet', pageValueCount(good, -1), /count\.parquet.*(decoded 24999 rows, the footer says 25000|row group 0)/, false],
      [
        'footer-neg.parquet',
        withFooterLength(good, 0xffffffff),
        /footer-neg\.parquet is not a valid Parquet file: its footer length 4294967295 does not fit/,
        true,
      ],
      [
        'footer-short.parquet',
        withFooterLength(good, good.readUInt32LE(good.length - 8) - 1),
        /footer-short\.parquet is not a valid Parquet file: its footer does not decode/,
        true,
      ],
    ];
    for (const [name, bytes, message, all] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      for (const args of commands(file, all)) {
        const r = await runCli(args);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).not.toBe(0);
        expect(r.status).not.toBe(70);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/RuntimeError|wasm-function/);
      }
    }
  }, 120_000);
});

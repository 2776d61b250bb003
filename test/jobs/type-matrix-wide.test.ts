import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { convertFiles } from '../../dist/src/coordinator/convert-files.js';
import {
  NUM,
  ORD,
  cell,
  col,
  failures,
  fromJson,
  matrixOf,
  matrixTable,
  type Column,
  type MatrixRow,
  type Op,
  type Source,
} from './typed/matrix.js';
import { DUCK_COLUMNS, DUCK_SQL, POLARS_COLUMNS, ROWS, polarsFrame } from './typed/matrix-data.js';
import { decimalText, duckdb, tableRows, type Canon } from './typed/oracle.js';
import { DEC76, WIDE_SQL, WIDE_TEXT, wideDecimals, writeWideArrow } from './typed/wide-arrow.js';

/**
 * The type × operation matrix of issue 22, second part (the harness and its six operations are in
 * typed/matrix.ts; type-matrix.test.ts has the families DuckDB and Polars write by default):
 * - Arrow-only layouts built with apache-arrow JS from DuckDB's rows (typed/wide-arrow.ts): Float16,
 *   Decimal256, LargeUtf8, LargeBinary, Utf8View, BinaryView, FixedSizeList, LargeList, Map; the
 *   oracle is DuckDB's Parquet of the same rows;
 * - Polars' Arrow IPC at both compat levels (views: Utf8View, BinaryView; oldest: LargeUtf8,
 *   LargeBinary), with Time (pl.Time), FixedSizeList (pl.FixedSizeList) and LargeList; oracle: Polars'
 *   Parquet of the same frame;
 * - NDJSON written by DuckDB (`COPY … (FORMAT json)`) and Polars (`writeJSON`, lines), every type they
 *   write, against DuckDB's `read_json` of the same file;
 * - a Decimal256(50, 10) past DuckDB's 38 digits, whose reference is plain BigInt arithmetic.
 */

const dir = tempDir('quiver-type-matrix-wide-');
const file = (name: string) => path.join(dir, name);
const db = duckdb();
const engines = enginesFor([2]);

const nested = (more: Partial<Column> = {}): Partial<Column> => ({ nested: true, fromText: fromJson, ...more });

const WIDE_COLUMNS: Column[] = [
  col('f16', 'floats, decimals', NUM),
  col('d256', 'floats, decimals', NUM),
  col('lu', 'text, bytes'),
  col('lb', 'text, bytes'),
  col('sv', 'text, bytes'),
  col('bv', 'text, bytes'),
  col('fsl', 'nested', [], nested()),
  col('ll', 'nested', [], nested()),
  col('m', 'nested', [], nested()),
];

const POLARS_WIDE: Column[] = [
  col('s', 'text, bytes'),
  col('bin', 'text, bytes'),
  col('t', 'temporal', ORD),
  col('fsl', 'nested', [], nested()),
  col('l', 'nested', [], nested()),
];

/**
 * Polars' frame of the layouts it writes at either IPC compat level: bytes come from a DuckDB Parquet
 * file (nodejs-polars builds no Binary series), the rest is made by Polars. Times are whole
 * microseconds: DuckDB's TIME holds µs, and Polars' are ns.
 */
function polarsWide(): pl.DataFrame {
  const idx = Array.from({ length: ROWS }, (_, i) => i);
  const at = (k: number, f: (i: number) => unknown) => idx.map((i) => (i % 7 === k ? null : f(i)));
  return pl.readParquet(file('bin.parquet')).withColumns(
    pl.Series(
      'g',
      idx.map((i) => i % 5),
      pl.Int32,
    ),
    pl.Series(
      's',
      at(1, (i) => ['', 'a', 'é', 'a string longer than twelve bytes', 'line1\nline2'][i % 5]),
      pl.Utf8,
    ),
    pl
      .Series(
        't',
        at(2, (i) => String(((i * 7919) % 86_400_000_000) * 1000 + (i % 3) * 3_600_000_000_000)),
        pl.Utf8,
      )
      .cast(pl.Int64)
      .cast(pl.Time),
    pl.Series(
      'fsl',
      at(3, (i) => [i % 4, i % 3 === 0 ? null : -i]),
      pl.FixedSizeList(pl.Int32, 2),
    ),
    pl.Series(
      'l',
      at(4, (i) => Array.from({ length: i % 4 }, (_, k) => (k === 1 ? null : k * i))),
      pl.List(pl.Int32),
    ),
  );
}

/**
 * The unscaled values of a Parquet DECIMAL column stored as FIXED_LEN_BYTE_ARRAY, exactly: read with
 * hyparquet with the column's annotation taken off (hyparquet turns decimals into doubles), each
 * value's big-endian two's complement bytes made a bigint.
 */
async function rawDecimals(parquet: string, name: string): Promise<Array<bigint | null>> {
  const bytes = readFileSync(parquet);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const metadata = parquetMetadata(buf);
  for (const e of metadata.schema) if (e.name === name) delete (e as { converted_type?: unknown }).converted_type, delete e.logical_type;
  const rows = (await parquetReadObjects({ file: buf, metadata, columns: [name], compressors })) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const v = r[name] as Uint8Array | null | undefined;
    if (!v) return null;
    const x = v.reduce((a, b) => (a << 8n) | BigInt(b), 0n);
    return BigInt.asIntN(v.length * 8, x);
  });
}

const readJson = (name: string, casts: string, leaves: string) =>
  `(SELECT * REPLACE (${casts}), ${leaves} FROM read_json('${file(name)}'))`;

const sources = (): Source[] => [
  { label: 'Arrow JS', file: file('wide.arrow'), oracle: `read_parquet('${file('wide.parquet')}')`, columns: WIDE_COLUMNS },
  {
    label: 'Polars Arrow (views)',
    file: file('polars-views.arrow'),
    oracle: `read_parquet('${file('polars-wide.parquet')}')`,
    columns: POLARS_WIDE,
  },
  {
    label: 'Polars Arrow (oldest)',
    file: file('polars-large.arrow'),
    oracle: `read_parquet('${file('polars-wide.parquet')}')`,
    columns: POLARS_WIDE,
  },
  {
    label: 'Polars Parquet (wide)',
    file: file('polars-wide.parquet'),
    oracle: `read_parquet('${file('polars-wide.parquet')}')`,
    columns: POLARS_WIDE,
  },
  {
    label: 'DuckDB NDJSON',
    file: file('duck.ndjson'),
    // Where DuckDB's JSON sniffer and quiver's differ, both exact: small integers are INTEGER (DuckDB:
    // BIGINT; in a list, HUGEINT), an integer past BIGINT is UBIGINT (DuckDB: HUGEINT), UUIDs stay
    // text (as in CSV), and DuckDB leaves timestamps whose fractions vary in length as text.
    oracle: readJson(
      'duck.ndjson',
      `id::INTEGER AS id, g::INTEGER AS g, i8::INTEGER AS i8, u8::INTEGER AS u8, u16::INTEGER AS u16, i32::INTEGER AS i32,
       u64::UBIGINT AS u64, tsms::TIMESTAMP AS tsms, tsns::TIMESTAMP_NS AS tsns, tstz::TIMESTAMPTZ AS tstz, u::VARCHAR AS u,
       l::INTEGER[] AS l`,
      `st.x::INTEGER AS "st.x", st.y AS "st.y", m.k0::INTEGER AS "m.k0", m.k1::INTEGER AS "m.k1", m.k2::INTEGER AS "m.k2"`,
    ),
    columns: jsonColumns(DUCK_COLUMNS, ['iv', 'bl', 'u', 'e'], ['st.x', 'st.y', 'm.k0', 'm.k1', 'm.k2']),
  },
  {
    label: 'Polars NDJSON',
    file: file('polars.ndjson'),
    // Polars writes decimals and durations as text (ISO 8601 for durations), which both read as text.
    oracle: readJson(
      'polars.ndjson',
      `id::INTEGER AS id, g::INTEGER AS g, i8::INTEGER AS i8, u16::INTEGER AS u16, u64::UBIGINT AS u64,
       tsns::TIMESTAMP_NS AS tsns, tstz::TIMESTAMPTZ AS tstz, l::INTEGER[] AS l`,
      `st.x::INTEGER AS "st.x", st.y AS "st.y"`,
    ),
    columns: jsonColumns(
      POLARS_COLUMNS.filter((c) => c.name !== 'n'),
      ['dec', 'dur', 'cat'],
      ['st.x', 'st.y'],
    ),
  },
];

/**
 * An NDJSON file's columns: JSON has no decimal, interval, duration or bytes (they are numbers or
 * text), an array is a List (as DuckDB reads it), and quiver reads an object as one column per leaf
 * (`st.x`, as the io README says) where DuckDB reads a STRUCT: the leaves are checked against the
 * struct's fields.
 */
function jsonColumns(columns: Column[], text: string[], leaves: string[]): Column[] {
  const out = columns
    .filter((c) => c.name !== 'st' && c.name !== 'm')
    .map((c) => (text.includes(c.name) ? { ...c, family: 'text, bytes' as const, aggs: [], fromText: (x: string) => x } : c));
  return [...out, ...leaves.map((n) => (n.endsWith('.y') ? col(n, 'text, bytes') : col(n, 'integers', NUM)))];
}

const KNOWN_GAPS: Record<string, RegExp> = {};

const matrix: MatrixRow[] = [];

describe('the type × operation matrix, wide and view layouts and NDJSON (issue 22)', () => {
  it('writes the files: Arrow JS from DuckDB rows, Polars IPC at both compat levels, DuckDB and Polars NDJSON', async () => {
    await db.run(`SET TimeZone = 'UTC'`);
    await db.run(`CREATE OR REPLACE TABLE wide AS ${WIDE_SQL(ROWS)}`);
    await db.run(`COPY wide TO '${file('wide.parquet')}'`);
    writeWideArrow(file('wide.arrow'), await db.sql(WIDE_TEXT), wideDecimals(ROWS));
    await db.run(
      `COPY (SELECT i::INTEGER AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE ['\\x00\\x01'::BLOB, 'ab'::BLOB, ''::BLOB, ('bytes longer than twelve ' || i % 3)::BLOB][(i % 4) + 1] END AS bin FROM range(${ROWS}) r(i)) TO '${file('bin.parquet')}'`,
    );
    const wide = polarsWide();
    wide.writeParquet(file('polars-wide.parquet'));
    wide.writeIPC(file('polars-views.arrow'));
    wide.lazy().sinkIpc(file('polars-large.arrow'), { compatLevel: 'oldest' }).collectSync();
    await db.run(`CREATE OR REPLACE TABLE duck AS ${DUCK_SQL}`);
    await db.run(`COPY duck TO '${file('duck.ndjson')}' (FORMAT json)`);
    polarsFrame().drop('n').writeJSON(file('polars.ndjson'), { format: 'lines' });
    const layouts = (f: string) =>
      Object.fromEntries(tableFromIPC(readFileSync(file(f))).schema.fields.map((x) => [x.name, String(x.type)]));
    expect(layouts('polars-views.arrow')).toMatchObject({
      s: 'Utf8View',
      bin: 'BinaryView',
      t: 'Time64<NANOSECOND>',
      l: 'LargeList<Int32>',
    });
    expect(layouts('polars-large.arrow')).toMatchObject({ s: 'LargeUtf8', bin: 'LargeBinary', fsl: 'FixedSizeList[2]<Int32>' });
    expect(layouts('wide.arrow')).toMatchObject({ f16: 'Float16', d256: 'Decimal[38e+6]', sv: 'Utf8View', bv: 'BinaryView' });
    for (const s of sources()) {
      for (const c of s.columns) {
        const [[nulls]] = await db.sql(`SELECT count(*) - count("${c.name}") FROM ${s.oracle}`);
        expect(Number(nulls), `${s.label} ${c.name} has nulls`).toBeGreaterThan(0);
      }
    }
  });

  for (const label of [
    'Arrow JS',
    'Polars Arrow (views)',
    'Polars Arrow (oldest)',
    'Polars Parquet (wide)',
    'DuckDB NDJSON',
    'Polars NDJSON',
  ]) {
    it(`${label}: every column through every operation, against DuckDB`, async () => {
      const s = sources().find((x) => x.label === label)!;
      const tag = label.toLowerCase().replace(/[^a-z]+/g, '-');
      const rows = await matrixOf(db, engines.get(2)!, s, (what) => file(`${tag}-${what}`));
      matrix.push(...rows);
      expect(failures(rows, KNOWN_GAPS)).toEqual([]);
    }, 240_000);
  }

  it("Decimal256(50, 10), past DuckDB's 38 digits: every operation against plain BigInt arithmetic", async () => {
    const engine = engines.get(2)!;
    const src = file('wide.arrow');
    const out = (what: string) => file(`d76-${what}`);
    const d76 = wideDecimals(ROWS);
    const text = (x: bigint | null) => (x === null ? null : decimalText(x, DEC76.scale));
    const ids = d76.map((_, i) => i);
    const cells = {} as Record<Op, string>;
    const same = (got: Canon[][], want: Canon[][]) => {
      const diff = want.filter((w, i) => JSON.stringify(w) !== JSON.stringify(got[i])).length;
      return got.length !== want.length ? `${got.length} rows, ${want.length} expected` : diff ? `${diff} rows differ` : undefined;
    };
    // show: quiver's CSV holds every digit.
    cells.show = await cell(async () => {
      await convertFiles([src], out('show.csv'), { workers: 2, overwrite: true });
      const got = await db.sql(`SELECT id::INTEGER, d76 FROM read_csv('${out('show.csv')}', all_varchar = true) ORDER BY 1`);
      return same(
        got,
        ids.map((i) => [i, text(d76[i]!)]),
      );
    });
    // parquet: a FIXED_LEN_BYTE_ARRAY DECIMAL(50, 10) (21 bytes, the fewest, as Arrow's writers store it),
    // every value checked with hyparquet, a reader independent of quiver's writer. DuckDB reads a DECIMAL
    // past 38 digits as DOUBLE, and 1.5 gets it wrong unless the byte length is a multiple of 8
    // (duckdb/duckdb#25058: 1e-10 reads as 2^24 · 1e-10), so only its type is checked here.
    cells.parquet = await cell(async () => {
      await convertFiles([src], out('back.parquet'), { workers: 2, overwrite: true });
      const [[physical, precision, scale]] = await db.sql(
        `SELECT type, precision, scale FROM parquet_schema('${out('back.parquet')}') WHERE name = 'd76'`,
      );
      if (physical !== 'FIXED_LEN_BYTE_ARRAY' || Number(precision) !== 50 || Number(scale) !== 10)
        return `stored as ${physical}(${precision}, ${scale})`;
      const [[duckType]] = await db.sql(`SELECT column_type FROM (DESCRIBE SELECT d76 FROM read_parquet('${out('back.parquet')}'))`);
      if (duckType !== 'DOUBLE') return `DuckDB reads ${duckType}`;
      const got = await rawDecimals(out('back.parquet'), 'd76');
      return same(
        got.map((x, i) => [i, text(x)]),
        ids.map((i) => [i, text(d76[i]!)]),
      );
    });
    // arrow: the same Decimal256(50, 10), read by apache-arrow.
    cells.arrow = await cell(async () => {
      await convertFiles([src], out('back.arrow'), { workers: 2, overwrite: true });
      const t = tableFromIPC(readFileSync(out('back.arrow'))).select(['id', 'd76']);
      if (String(t.schema.fields[1]!.type) !== 'Decimal[50e+10]') return `type ${t.schema.fields[1]!.type}`;
      return same(
        tableRows(t),
        ids.map((i) => [i, text(d76[i]!)]),
      );
    });
    cells.key = await cell(async () => {
      const { table } = await engine.run('groupby', { input: src, params: { by: 'd76', agg: 'count' } });
      const want = new Map<string | null, number>();
      for (const x of d76) want.set(text(x), (want.get(text(x)) ?? 0) + 1);
      const got = new Map(tableRows(table).map(([k, n]) => [k as string | null, Number(n)]));
      return JSON.stringify([...got].sort()) === JSON.stringify([...want].sort()) ? undefined : `${got.size} groups, ${want.size} expected`;
    });
    cells.agg = await cell(async () => {
      const { table } = await engine.run('groupby', { input: src, params: { by: 'g', agg: 'sum:d76,min:d76,max:d76,count:d76,mean:d76' } });
      const types = table.schema.fields.slice(1).map((f) => String(f.type));
      if (types.join() !== 'Decimal[76e+10],Decimal[50e+10],Decimal[50e+10],Int64,Float64') return `types ${types.join(', ')}`;
      const want = [0, 1, 2, 3, 4].map((g) => {
        const xs = d76.filter((x, i) => i % 5 === g && x !== null) as bigint[];
        const sum = xs.reduce((a, b) => a + b, 0n);
        const sorted = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const [min, max] = [sorted[0]!, sorted.at(-1)!];
        return [g, text(sum), text(min), text(max), String(xs.length), Number(sum) / 10 ** DEC76.scale / xs.length];
      });
      const got = tableRows(table);
      const exact = same(
        got.map((r) => r.slice(0, 5)),
        want.map((r) => r.slice(0, 5)),
      );
      const meanOff = got.filter((r, k) => Math.abs((r[5] as number) - (want[k]![5] as number)) > 1e-9 * Math.abs(want[k]![5] as number));
      return exact ?? (meanOff.length ? `mean: ${meanOff.length} groups differ` : undefined);
    });
    cells.sort = await cell(async () => {
      const { table } = await engine.run('sort', { input: src, params: { by: 'd76', columns: 'id,d76' } });
      const order = [...ids].sort((a, b) => {
        const x = d76[a]!,
          y = d76[b]!;
        if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
        return x < y ? -1 : x > y ? 1 : a - b;
      });
      return same(
        tableRows(table),
        order.map((i) => [i, text(d76[i]!)]),
      );
    });
    matrix.push({ source: 'Arrow JS', column: 'd76', type: 'Decimal256(50, 10): BigInt reference', cells });
    expect(failures(matrix.slice(-1), {})).toEqual([]);
  }, 240_000);

  it('prints the matrix', () => {
    console.log(matrixTable(matrix));
    expect(matrix.length).toBeGreaterThan(0);
  });
});

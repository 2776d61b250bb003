import path from 'node:path';
import {
  DateMillisecond,
  DenseUnion,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16,
  Float64,
  Int32,
  IntervalDayTime,
  IntervalMonthDayNano,
  Int64,
  IntervalYearMonth,
  LargeBinary,
  LargeUtf8,
  Map_,
  Null,
  RecordBatch,
  Schema,
  SparseUnion,
  Struct,
  Uint64,
  Utf8,
  makeData,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import pl from 'nodejs-polars';
import { makePlan } from 'quiver-engine';
import { describe, expect, it } from 'vitest';
import { BatchLines } from '../../dist/src/io/batch-text.js';
import { CellBytes } from '../../dist/src/io/cell-bytes.js';
import { csvQuote, formatColumn } from '../../dist/src/io/format-column.js';
import { cellTextOf, mayNeedQuotes } from '../../dist/src/io/format-value.js';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { duckRows } from '../helpers/duckdb.js';
import { DUCK_TIMES_SQL, ROWS as MATRIX_ROWS, polarsFrame } from '../jobs/typed/matrix-data.js';
import { tempDir } from '../helpers/tmp.js';

// The batch formatter (format-column.ts: cells written into byte buffers, joined into lines by
// batch-text.ts) against the per-value formatter it must agree with byte for byte (format-value.ts's
// cellTextOf, whose spelling format-value.test.ts checks against DuckDB's): every type, on files
// DuckDB and Polars wrote with nulls in every column, whole batches, row ranges and sliced data.

const dir = tempDir();
const file = (name: string) => path.join(dir, name);
type Style = 'csv' | 'json';

/** The per-value reference of a column's cells: cellTextOf, CSV-quoted where the type may need it, a null as an empty field or `null`. */
function referenceCells(data: Data, field: Field, style: Style, start = 0, end = data.length): string[] {
  const text = cellTextOf(data, style === 'json' ? 'json' : 'text', field);
  const quote = style === 'csv' && mayNeedQuotes(field.type);
  const out: string[] = [];
  for (let i = start; i < end; i++) {
    const s = text(i);
    out.push(s === null ? (style === 'json' ? 'null' : '') : quote ? csvQuote(s) : s);
  }
  return out;
}

/** The batch formatter's cells of a column, as strings. */
function batchCells(data: Data, field: Field, style: Style, start = 0, end = data.length): string[] {
  const cells = new CellBytes();
  cells.ascii('junk'); // a reused buffer: what an earlier batch left must not show
  cells.reset();
  formatColumn(data, field, style, start, end, cells);
  return Array.from({ length: cells.count }, (_, k) => cells.bytes.toString('utf8', k === 0 ? 0 : cells.ends[k - 1], cells.ends[k]));
}

/** The per-value reference of a batch's lines. */
function referenceLines(batch: RecordBatch, style: Style, start = 0, end = batch.numRows): string {
  const fields = batch.schema.fields;
  const cols = fields.map((f, j) => referenceCells(batch.data.children[j]!, f, style, start, end));
  let out = '';
  for (let r = 0; r < end - start; r++) {
    if (style === 'csv') out += cols.map((c) => c[r]).join(',') + '\n';
    else out += '{' + fields.map((f, j) => JSON.stringify(f.name) + ':' + cols[j]![r]).join(',') + '}\n';
  }
  return out;
}

/** Every column, both styles, whole and in part; then the batch's lines, through one writer reused for every batch. */
function expectSameAsPerValue(batches: RecordBatch[], label: string): void {
  const writers = { csv: new BatchLines('csv'), json: new BatchLines('json') };
  for (const batch of batches) {
    for (const style of ['csv', 'json'] as const) {
      batch.schema.fields.forEach((f, j) => {
        const data = batch.data.children[j]!;
        const what = `${label}: column ${f.name} (${String(f.type)}), ${style}`;
        expect(batchCells(data, f, style), what).toEqual(referenceCells(data, f, style));
        if (data.length > 2)
          expect(batchCells(data, f, style, 1, data.length - 1), `${what}, rows 1..n-1`).toEqual(
            referenceCells(data, f, style, 1, data.length - 1),
          );
      });
      expect(writers[style].of(batch).toString(), `${label}: lines, ${style}`).toBe(referenceLines(batch, style));
      if (batch.numRows > 3)
        expect(writers[style].of(batch, 2, batch.numRows - 1).toString()).toBe(referenceLines(batch, style, 2, batch.numRows - 1));
      // A slice keeps the parent's buffers and an offset into them (and into the validity bitmap).
      const sliced = batch.slice(3, batch.numRows);
      expect(writers[style].of(sliced).toString(), `${label}: sliced lines, ${style}`).toBe(referenceLines(sliced, style));
    }
  }
}

/** Every batch of a file, as quiver's readers decode it for a task. */
async function batchesOf(input: string): Promise<RecordBatch[]> {
  const plan = await makePlan({ inputs: [input], workers: 2 });
  const batches: RecordBatch[] = [];
  for (const s of plan.splits) batches.push(...(await readSplit(s, 50, undefined)));
  return batches;
}

/** Every column has a null, and every type the DuckDB and Polars readers produce is there. */
function expectNullsEverywhere(batches: RecordBatch[]): void {
  for (const [j, f] of batches[0]!.schema.fields.entries())
    expect(
      batches.some((b) => b.data.children[j]!.nullCount > 0),
      `${f.name} has a null`,
    ).toBe(true);
}

const ROWS = 120;

const DUCK_SQL = `SELECT
  CASE WHEN i % 7 = 1 THEN NULL ELSE (i % 200 - 100)::TINYINT END AS i8,
  CASE WHEN i % 7 = 2 THEN NULL ELSE (i * 97 % 60000)::USMALLINT END AS u16,
  CASE WHEN i % 7 = 4 THEN NULL ELSE (i * 1000003 % 2000000000 - 1000000000)::INTEGER END AS i32,
  CASE WHEN i % 7 = 5 THEN NULL ELSE (4000000000 + i % 11)::UINTEGER END AS u32,
  CASE WHEN i % 7 = 6 THEN NULL
    ELSE [4611686018427387904 + i, -9223372036854775808, -9007199254740993, 9007199254740992, -3, 0][i % 6 + 1] END::BIGINT AS i64,
  CASE WHEN i % 7 = 0 THEN NULL ELSE [18446744073709551615, 9007199254740993, 9007199254740991, 1][i % 4 + 1] END::UBIGINT AS u64,
  CASE WHEN i % 6 = 1 THEN NULL ELSE [0.1, 3.4028235e38, -2, 1.5e-7, 16777216, 'nan'::FLOAT][i % 6 + 1] END::FLOAT AS f32,
  CASE WHEN i % 6 = 2 THEN NULL ELSE [(i % 19) / 8 - 1, 0.1 + 0.2, 1e21, 1e-7, -0.0, 'inf'::DOUBLE, 'nan'::DOUBLE, 123456789.123, 42.579695,
    9007199254740993, 2.5e-6, -1e300, 1 / 3][i % 13 + 1] END::DOUBLE AS f64,
  CASE WHEN i % 6 = 3 THEN NULL ELSE ((i % 23) * 1.25 - 7)::DECIMAL(9,2) END AS dec,
  CASE WHEN i % 6 = 4 THEN NULL ELSE ((i % 29) * 12345678901.0123456789 - 1e11)::DECIMAL(38,10) END AS dec38,
  CASE WHEN i % 6 = 5 THEN NULL ELSE ((i % 31) * 1234567.89 - 0.01)::DECIMAL(18,2) END AS dec18,
  CASE WHEN i % 8 = 1 THEN NULL ELSE DATE '1969-12-25' + (i * 3001 % 900000 - 450000)::INTEGER END AS d,
  ${DUCK_TIMES_SQL},
  CASE WHEN i % 9 = 1 THEN NULL
    ELSE ['', 'a', 'é', 'a,b', '05', 'line1' || chr(10) || 'line2', 'say "hi"', 'tab' || chr(9) || 'cr' || chr(13),
    'back\\slash', '😀 ü', 'a long string past the twelve bytes a view holds inline'][(i % 11) + 1] END AS s,
  CASE WHEN i % 9 = 2 THEN NULL ELSE ['\\x00\\x01'::BLOB, 'ab'::BLOB, ''::BLOB, '\\xFF'::BLOB, 'a,b"c'::BLOB][(i % 5) + 1] END AS bl,
  CASE WHEN i % 9 = 3 THEN NULL ELSE ('01234567-89ab-cdef-0123-' || lpad((i % 7 * 1111)::VARCHAR, 12, '0'))::UUID END AS u,
  CASE WHEN i % 9 = 4 THEN NULL ELSE ['lo', 'mid', 'hi,"x"'][(i % 3) + 1]::ENUM('lo', 'mid', 'hi,"x"') END AS e,
  CASE WHEN i % 9 = 5 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 9 = 6 THEN NULL ELSE [i % 4, NULL, -1]::INTEGER[] END AS l,
  CASE WHEN i % 9 = 7 THEN NULL ELSE {'x': i % 5, 'y': 'v"' || i % 3} END AS st,
  CASE WHEN i % 9 = 8 THEN NULL ELSE MAP {'k,' || i % 3: i % 7} END AS m
FROM range(${ROWS}) r(i)`;

describe('batch formatting is the per-value formatter, byte for byte', () => {
  it('on a Parquet file DuckDB wrote: every DuckDB type, nulls in every column', async () => {
    await duckRows(`SET TimeZone = 'UTC'`);
    await duckRows(`COPY (${DUCK_SQL}) TO '${file('duck.parquet')}' (ROW_GROUP_SIZE 64)`);
    const batches = await batchesOf(file('duck.parquet'));
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(ROWS);
    expectNullsEverywhere(batches);
    expectSameAsPerValue(batches, 'DuckDB Parquet');
  }, 60_000);

  it('on Parquet and Arrow files Polars wrote: Utf8View strings, Categorical, Decimal, Datetime, Duration, List, Struct', async () => {
    // The type matrix's Polars frame (every column with nulls: its row id, group and Null column dropped), and
    // strings for the writers' corner cases: a quote to escape, and longer than a Utf8View keeps inline (12 bytes).
    const text = (i: number) => (i % 7 === 2 ? null : ['"q"', 'a string longer than twelve bytes, with a comma', ''][i % 3]);
    const q = pl.Series(
      'q',
      Array.from({ length: MATRIX_ROWS }, (_, i) => text(i)),
      pl.Utf8,
    );
    const df = polarsFrame().drop('id', 'g', 'n').withColumns(q, q.cast(pl.Categorical).alias('qcat'));
    df.writeParquet(file('polars.parquet'));
    df.writeIPC(file('polars.arrow'));
    for (const [name, label] of [
      ['polars.parquet', 'Polars Parquet'],
      ['polars.arrow', 'Polars Arrow'],
    ] as const) {
      const batches = await batchesOf(file(name));
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(MATRIX_ROWS);
      expectNullsEverywhere(batches);
      expectSameAsPerValue(batches, label);
    }
  }, 60_000);

  it('types neither writes: Float16, Date64, intervals, LargeUtf8, LargeBinary, FixedSizeBinary, FixedSizeList, Map, unions, Null', () => {
    const n = 7;
    const valid = Uint8Array.of(0b1011_1110); // row 0 and row 6 null
    const col = (name: string, data: Data) => [name, data] as const;
    const bigs = BigInt64Array.from({ length: 4 * n }, (_, k) => BigInt((k % 4) - 2) * 123456789n);
    const utf8 = vectorFromArray(['', 'a,b', 'say "hi"', 'x'.repeat(40), 'é\n', '\\', null], new LargeUtf8()).data[0]!;
    const columns = [
      col(
        'f16',
        makeData({
          type: new Float16(),
          length: n,
          nullBitmap: valid,
          data: Uint16Array.of(0x3c00, 0x3555, 0x7c00, 0xfc00, 0x7e00, 0x8000, 1),
        }),
      ),
      col(
        'd64',
        makeData({
          type: new DateMillisecond(),
          length: n,
          nullBitmap: valid,
          data: BigInt64Array.from([0, 86400000, -1, 1e12, -62135596800000, 5, 0].map(BigInt)),
        }),
      ),
      col('iym', makeData({ type: new IntervalYearMonth(), length: n, nullBitmap: valid, data: Int32Array.of(0, 1, 13, -14, 12, -1, 3) })),
      col(
        'idt',
        makeData({
          type: new IntervalDayTime(),
          length: n,
          nullBitmap: valid,
          data: Int32Array.from({ length: 2 * n }, (_, k) => (k % 3) * 1500 - 1000),
        }),
      ),
      col('imdn', makeData({ type: new IntervalMonthDayNano(), length: n, nullBitmap: valid, data: new Int32Array(bigs.buffer) })),
      col('lu', utf8),
      col(
        'lb',
        vectorFromArray(
          [Uint8Array.of(0, 65), Uint8Array.of(), Uint8Array.of(34, 44), null, Uint8Array.of(255), Uint8Array.of(10), null],
          new LargeBinary(),
        ).data[0]!,
      ),
      col(
        'fsb',
        makeData({
          type: new FixedSizeBinary(2),
          length: n,
          nullBitmap: valid,
          data: Uint8Array.from({ length: 2 * n }, (_, k) => (k * 37) % 256),
        }),
      ),
      col(
        'fsl',
        vectorFromArray([[1, 2], [3, null], null, [4, 5], [6, 7], [8, 9], null], new FixedSizeList(2, new Field('v', new Int32(), true)))
          .data[0]!,
      ),
      col(
        'map',
        vectorFromArray(
          [new Map([['a,"b"', 1]]), new Map(), null, new Map([['x', null]]), new Map([['é', 2]]), new Map([['k', 3]]), null],
          new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]))),
        ).data[0]!,
      ),
      col('null', makeData({ type: new Null(), length: n })),
      col(
        'dense',
        makeData({
          type: new DenseUnion([0, 1], [new Field('i', new Int32(), true), new Field('s', new Utf8(), true)]),
          length: n,
          typeIds: Int8Array.of(0, 1, 0, 1, 0, 1, 0),
          valueOffsets: Int32Array.of(0, 0, 1, 1, 2, 2, 3),
          children: [vectorFromArray([1, null, 3, 4], new Int32()).data[0]!, vectorFromArray(['a', 'b,c', null], new Utf8()).data[0]!],
        }),
      ),
      col(
        'sparse',
        makeData({
          type: new SparseUnion([0, 1], [new Field('i', new Int32(), true), new Field('f', new Float64(), true)]),
          length: n,
          typeIds: Int8Array.of(0, 1, 1, 0, 1, 0, 1),
          children: [
            vectorFromArray([1, 2, 3, 4, 5, 6, 7], new Int32()).data[0]!,
            vectorFromArray([0.5, 1, null, 2, 1e21, 3, 4], new Float64()).data[0]!,
          ],
        }),
      ),
    ];
    const fields = columns.map(([name, data]) => new Field(name, data.type, true));
    const batch = new RecordBatch(
      new Schema(fields),
      makeData({ type: new Struct(fields), length: n, nullCount: 0, children: columns.map(([, d]) => d) }),
    );
    expectSameAsPerValue([batch], 'hand-made Arrow');
  });

  it('the loops per type at their edges: 2^53, -0, NaN, decimals changing row to row, escapes past the reserved room', () => {
    // Every column has nulls (a row in seven); the strings' JSON escapes outgrow the 64 KB a CellBytes starts
    // with in the middle of a run of rows, and the doubles' decimals change from row to row (the last value's
    // decimals are tried first).
    const n = 70;
    const valid = Uint8Array.from({ length: Math.ceil(n / 8) }, (_, k) => (k % 2 === 0 ? 0b1011_1110 : 0b1110_1101));
    const pick = <T>(values: T[], i: number) => values[i % values.length]!;
    const ints = [2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, -(2 ** 63), 2 ** 63 - 1024, 0, -1, 4294967295, 4294967296];
    const i64 = BigInt64Array.from({ length: n }, (_, i) =>
      pick([...ints.map(BigInt), -(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n, -9007199254740993n], i),
    );
    const u64 = BigUint64Array.from({ length: n }, (_, i) =>
      pick([0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 32n], i),
    );
    const doubles = [
      ...[0.5, 1.25, 1.125, 0.1, 123456.7, 2.5e-6, 1e-6, 9.99e-7, 999999999.5, 1e9 + 0.5, 42.579695, 42.5796, 0.3, 0.1 + 0.2],
      ...[-0, 0, NaN, Infinity, -Infinity, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e21, 1e-7, -12.5, 99999999999999.9, 5e-324],
    ];
    const f64 = Float64Array.from({ length: n }, (_, i) => pick(doubles, i));
    const texts = ['', 'plain', 'a,b', 'say "hi"', 'line\nbreak', '\\', 'é😀', '"'.repeat(30_000), '\n'.repeat(25_000), 'x'.repeat(100)];
    const utf8 = vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : pick(texts, i))),
      new Utf8(),
    ).data[0]!;
    const large = vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 7 === 3 ? null : pick(texts, i + 3))),
      new LargeUtf8(),
    ).data[0]!;
    const columns = [
      ['i64', makeData({ type: new Int64(), length: n, nullBitmap: valid, data: i64 })],
      ['u64', makeData({ type: new Uint64(), length: n, nullBitmap: valid, data: u64 })],
      [
        'i32',
        makeData({
          type: new Int32(),
          length: n,
          nullBitmap: valid,
          data: Int32Array.from({ length: n }, (_, i) => pick([-(2 ** 31), 2 ** 31 - 1, 0, -7, 10], i)),
        }),
      ],
      ['f64', makeData({ type: new Float64(), length: n, nullBitmap: valid, data: f64 })],
      ['s', utf8],
      ['ls', large],
    ] as const;
    const fields = columns.map(([name, data]) => new Field(name, data.type, true));
    const batch = new RecordBatch(
      new Schema(fields),
      makeData({ type: new Struct(fields), length: n, nullCount: 0, children: columns.map(([, d]) => d) }),
    );
    for (const [j] of fields.entries()) expect(batch.data.children[j]!.nullCount, fields[j]!.name).toBeGreaterThan(0);
    expectSameAsPerValue([batch], 'edges');
  });

  it('doubles: the digits written without a string are String(x) (plus `.0` on integers), over a million values of every shape', () => {
    const values: number[] = [];
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    for (let k = 0; k < 200_000; k++) {
      const decimals = k % 10;
      values.push(Math.round((rand() - 0.5) * 10 ** (k % 12)) / 10 ** decimals); // few decimals, any size
      values.push(Math.round(rand() * 1e6) / 1e6 + (k % 1000)); // like db-benchmark's v3
      values.push((rand() - 0.5) * 10 ** ((k % 40) - 20)); // full-precision doubles of every magnitude
      words[0] = Math.floor(rand() * 2 ** 32);
      words[1] = Math.floor(rand() * 2 ** 32);
      values.push(bits[0]!); // any bit pattern, NaN and infinities included
      values.push((k % 2 ? -1 : 1) * (1 + k) * 2 ** -(k % 60)); // binary fractions
    }
    const data = vectorFromArray(values, new Float64()).data[0]!;
    const field = new Field('x', new Float64(), true);
    for (const style of ['csv', 'json'] as const) expect(batchCells(data, field, style)).toEqual(referenceCells(data, field, style));
  });
});

import { DuckDBInstance } from '@duckdb/node-api';
import {
  Bool,
  DateMillisecond,
  Dictionary,
  DurationNanosecond,
  FixedSizeList,
  Float16,
  Float64,
  IntervalDayTime,
  IntervalYearMonth,
  LargeBinary,
  LargeUtf8,
  Null,
  TimeMillisecond,
  DenseUnion,
  SparseUnion,
  Binary,
  Field,
  FixedSizeBinary,
  Float32,
  Int64,
  IntervalMonthDayNano,
  Map_,
  Struct,
  TimeNanosecond,
  TimestampNanosecond,
  Utf8,
  Int32,
  vectorFromArray,
  makeData,
  Decimal,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellTextOf } from '../../dist/src/io/format-value.js';
import { dateText, intervalText, timestampText, timeText } from '../../dist/src/io/format-temporal.js';

// Every spelling is checked against DuckDB's own text of the same value (its VARCHAR cast is what
// its CSV writer writes), over values chosen to hit the edges: before 1970, BC years, year 10000+,
// 64-bit extremes, negative remainders.

type Conn = Awaited<ReturnType<Awaited<ReturnType<typeof DuckDBInstance.create>>['connect']>>;
let db: Awaited<ReturnType<typeof DuckDBInstance.create>>;
let con: Conn;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
});
afterAll(() => {
  con.closeSync();
  db.closeSync();
});

/** DuckDB's text of `expr` for each value substituted for `$v`. */
async function duck(expr: string, values: Array<string | number | bigint>): Promise<string[]> {
  const rows = values.map((v, i) => `(${i}, ${typeof v === 'string' ? `'${v}'` : String(v)})`).join(',');
  const r = await con.runAndReadAll(`SELECT (${expr.replaceAll('$v', 'v')})::VARCHAR AS s FROM (VALUES ${rows}) t(i, v) ORDER BY i`);
  return r.getRowObjectsJson().map((x) => String(x.s));
}

/** Pseudo-random 64-bit values over the whole range and near the edges, fixed for the run. */
function sampleBigints(n: number, max: bigint): bigint[] {
  let s = 0x9e3779b97f4a7c15n;
  const out: bigint[] = [0n, 1n, -1n, max, -max, 86_399_999_999n, -86_400_000_001n];
  for (let i = 0; i < n; i++) {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    out.push((s % (2n * max)) - max);
  }
  return out;
}

describe('temporal text is what DuckDB writes', () => {
  it('dates: before 1970, BC years and years past 9999', async () => {
    const days = [0, -1, 18292, 2932896, -719528, -719529, -735000, 1000000, -100, 11016];
    expect(days.map((d) => dateText(d))).toEqual(await duck(`DATE '1970-01-01' + $v::INTEGER`, days));
  });

  it('timestamps in microseconds (DuckDB TIMESTAMP) and with a time zone (+00)', async () => {
    const us = sampleBigints(200, 200_000_000_000_000_000n); // ±6,300 years around 1970
    expect(us.map((v) => timestampText(v, 2, false))).toEqual(await duck('make_timestamp($v::BIGINT)', us));
    await con.run(`SET TimeZone = 'UTC'`);
    expect(us.map((v) => timestampText(v, 2, true))).toEqual(await duck('make_timestamp($v::BIGINT)::TIMESTAMPTZ', us));
  });

  it('timestamps in nanoseconds, seconds and milliseconds', async () => {
    const ns = sampleBigints(200, 9_000_000_000_000_000_000n);
    expect(ns.map((v) => timestampText(v, 3, false))).toEqual(await duck('make_timestamp_ns($v::BIGINT)', ns));
    const ms = sampleBigints(50, 200_000_000_000_000n);
    expect(ms.map((v) => timestampText(v, 1, false))).toEqual(await duck('epoch_ms($v::BIGINT)', ms));
    const s = sampleBigints(50, 200_000_000_000n);
    expect(s.map((v) => timestampText(v, 0, false))).toEqual(await duck('make_timestamp($v::BIGINT * 1000000)', s));
  });

  it('times of day', async () => {
    const us = [0n, 1n, 45296789000n, 86399999999n, 3600000000n, 500000n];
    expect(us.map((v) => timeText(v, 2))).toEqual(await duck(`TIME '00:00:00' + to_microseconds($v::BIGINT)`, us));
    expect(timeText(45296, 0)).toBe('12:34:56');
    expect(timeText(45296123456789n, 3)).toBe('12:34:56.123456789');
  });

  it('intervals: each part signed, hours past 24, fractions cut', async () => {
    const cases: Array<[number, number, bigint]> = [
      [0, 1, 7_200_000_000n],
      [0, 0, 93_600_000_000n],
      [0, -1, -7_020_000_000n],
      [26, 1, 500_000n],
      [0, 0, 0n],
      [0, 0, 1_000_123n],
      [-13, 0, 0n],
      [1, -2, -1n],
      [0, 2, 0n],
    ];
    const want = await duck(
      '$v::INTERVAL',
      cases.map(([m, d, us]) => `${m} months ${d} days ${us} microseconds`),
    );
    expect(cases.map(([m, d, us]) => intervalText(m, d, us, 2))).toEqual(want);
  });
});

describe('cellTextOf', () => {
  const cells = (v: { data: ReadonlyArray<import('apache-arrow').Data> }, style: 'text' | 'json', field?: Field) => {
    const f = cellTextOf(v.data[0]!, style, field);
    return Array.from({ length: v.data[0]!.length }, (_, i) => f(i));
  };

  it('writes 64-bit integers with all their digits, and Float32 at its own precision', async () => {
    const big = [9007199254740993n, -9223372036854775808n, null];
    expect(cells(vectorFromArray(big, new Int64()), 'json')).toEqual(['9007199254740993', '-9223372036854775808', null]);
    const f32 = vectorFromArray([0.1, 3.4028234663852886e38, 2, -0, 1.5e-45, Number.NaN], new Float32());
    expect(cells(f32, 'text')).toEqual(await duck('$v::FLOAT', ['0.1', '3.4028235e38', '2', '-0.0', '1.5e-45', 'nan']));
    expect(cells(f32, 'json')[5]).toBe('null');
    // Random Float32 bit patterns: text that reads back to the same Float32, in no more digits than
    // DuckDB's FLOAT text (which writes a few exact ties in full: -362731.875 where -362731.88 does).
    const bits = Uint32Array.from(sampleBigints(300, 1n << 31n), (b) => Number(b & 0xffffffffn));
    const floats = Array.from(new Float32Array(bits.buffer)).filter((x) => Number.isFinite(x));
    const ours = cells(vectorFromArray(floats, new Float32()), 'text');
    const theirs = await duck(
      '$v::DOUBLE::FLOAT',
      floats.map((x) => (Object.is(x, -0) ? '-0.0' : `${x}`)),
    );
    const significant = (t: string) =>
      t.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
    const differ = ours
      .map((t, i) => [floats[i], t, theirs[i]] as const)
      .filter(([x, t, d]) => !Object.is(Math.fround(Number(t)), x) || significant(t!) > significant(d!));
    expect(differ).toEqual([]);
    expect(ours.filter((t, i) => Number(t) === Number(theirs[i])).length).toBeGreaterThan(floats.length * 0.95);
  });

  it('writes decimals exactly with their scale, negative and 256-bit ones too', async () => {
    const values = ['1.02', '-0.50', '0.00', '-12345678901234567890123456789012.345678', '99999999999999999999999999999999.999999'];
    for (const [bits, precision, scale] of [
      [128, 38, 6],
      [256, 76, 6],
    ] as const) {
      const words = bits / 32;
      const raw = new Uint32Array(values.length * words);
      values.forEach((v, i) => {
        let n = BigInt(v.replace('.', '').padEnd(v.replace('.', '').length + scale - (v.split('.')[1]?.length ?? 0), '0'));
        if (n < 0n) n += 1n << BigInt(bits);
        for (let k = 0; k < words; k++) raw[i * words + k] = Number((n >> BigInt(32 * k)) & 0xffffffffn);
      });
      const data = makeData({ type: new Decimal(scale, precision, bits), length: values.length, data: raw });
      const f = cellTextOf(data, 'text');
      expect(values.map((_, i) => f(i))).toEqual(await duck(`$v::DECIMAL(38, ${scale})`, values));
    }
  });

  it('writes a UUID extension column as 8-4-4-4-12 and other bytes with DuckDB escapes', async () => {
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const bytes = Uint8Array.from(
      uuid
        .replaceAll('-', '')
        .match(/../g)!
        .map((h) => parseInt(h, 16)),
    );
    const data = makeData({ type: new FixedSizeBinary(16), length: 1, data: bytes });
    const field = new Field('u', new FixedSizeBinary(16), true, new Map([['ARROW:extension:name', 'arrow.uuid']]));
    expect(cellTextOf(data, 'text', field)(0)).toBe(uuid);
    expect([cellTextOf(data, 'text')(0)]).toEqual(await duck(`unhex(replace($v, '-', ''))`, [uuid]));
    const odd = makeData({
      type: new Binary(),
      length: 1,
      valueOffsets: Int32Array.of(0, 8),
      data: Uint8Array.of(0, 0x30, 0x5c, 0x22, 0x27, 0x7e, 0x7f, 0x20),
    });
    expect([cellTextOf(odd, 'text')(0)]).toEqual(await duck('from_hex($v)', ['00305C22277E7F20']));
  });

  it('writes nested values as JSON, their dates as strings and decimals as numbers', () => {
    const st = vectorFromArray([{ x: 1, y: 'a"b' }, null], new Struct([new Field('x', new Int32()), new Field('y', new Utf8())]));
    expect(cells(st, 'text')).toEqual(['{"x":1,"y":"a\\"b"}', null]);
    const m = vectorFromArray(
      [new Map([['k', 1]]), new Map()],
      new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32())]))),
    );
    expect(cells(m, 'json')).toEqual(['{"k":1}', '{}']);
  });

  it('writes nanosecond times and timestamps, and month-day-nano intervals', () => {
    const ts = makeData({ type: new TimestampNanosecond(), length: 2, data: BigInt64Array.of(1580474096123456789n, -1n) });
    expect([0, 1].map(cellTextOf(ts, 'json'))).toEqual(['"2020-01-31 12:34:56.123456789"', '"1969-12-31 23:59:59.999999999"']);
    expect(cellTextOf(makeData({ type: new TimeNanosecond(), length: 1, data: BigInt64Array.of(45296000000001n) }), 'text')(0)).toBe(
      '12:34:56.000000001',
    );
    const iv = makeData({ type: new IntervalMonthDayNano(), length: 1, data: Int32Array.of(14, 3, 1_000, 0) });
    expect(cellTextOf(iv, 'text')(0)).toBe('1 year 2 months 3 days 00:00:00.000001');
  });
});

describe('cellTextOf over every layout', () => {
  const all = (data: import('apache-arrow').Data, style: 'text' | 'json' = 'text') => {
    const f = cellTextOf(data, style);
    return Array.from({ length: data.length }, (_, i) => f(i));
  };
  const cases: Array<[name: string, data: import('apache-arrow').Data, text: Array<string | null>]> = [
    [
      // Not numpy's shortest text at half width (65504 as 65500.0), which a FLOAT or DOUBLE reader takes for another number.
      'Float16 as the shortest text of its exact Float32 value (the half nearest 0.1 is 0.0999755859375)',
      vectorFromArray([0.1, 65504, null], new Float16()).data[0]!,
      ['0.099975586', '65504.0', null],
    ],
    ['LargeUtf8 (64-bit offsets)', vectorFromArray(['a,b', null, 'ü'], new LargeUtf8()).data[0]!, ['a,b', null, 'ü']],
    [
      'LargeBinary',
      makeData({ type: new LargeBinary(), length: 2, valueOffsets: BigInt64Array.of(0n, 2n, 3n), data: Uint8Array.of(0x41, 0xff, 0x5c) }),
      ['A\\xFF', '\\x5C'],
    ],
    [
      'Date64 (milliseconds)',
      makeData({ type: new DateMillisecond(), length: 2, data: BigInt64Array.of(1580428800000n, -86400000n) }),
      ['2020-01-31', '1969-12-31'],
    ],
    [
      'Time32 seconds and milliseconds',
      makeData({ type: new TimeMillisecond(), length: 2, data: Int32Array.of(45296789, 0) }),
      ['12:34:56.789', '00:00:00'],
    ],
    [
      'Duration in ns, negative',
      makeData({ type: new DurationNanosecond(), length: 2, data: BigInt64Array.of(-1n, 90061000000001n) }),
      ['-00:00:00.000000001', '25:01:01.000000001'],
    ],
    [
      'Interval year-month',
      makeData({ type: new IntervalYearMonth(), length: 2, data: Int32Array.of(14, -1) }),
      ['1 year 2 months', '-1 month'],
    ],
    ['Interval day-time', makeData({ type: new IntervalDayTime(), length: 1, data: Int32Array.of(1, 7200000) }), ['1 day 02:00:00']],
    ['Null type', makeData({ type: new Null(), length: 2 }), [null, null]],
    [
      'FixedSizeList',
      vectorFromArray([[1, 2], null, [3, null]], new FixedSizeList(2, new Field('x', new Int32()))).data[0]!,
      ['[1,2]', null, '[3,null]'],
    ],
    [
      'Dictionary with a null word',
      vectorFromArray(['x', null, 'y', 'x'], new Dictionary(new Utf8(), new Int32())).data[0]!,
      ['x', null, 'y', 'x'],
    ],
    [
      'Bool',
      vectorFromArray([true, false, null, true, false, false, true, true, false], new Bool()).data[0]!,
      ['true', 'false', null, 'true', 'false', 'false', 'true', 'true', 'false'],
    ],
  ];

  it.each(cases)('%s', (_, data, text) => {
    expect(all(data)).toEqual(text);
    // A slice (offset 1) reads the same cells: views, offsets and bitmaps start at the data's offset.
    expect(all(data.slice(1, data.length - 1))).toEqual(text.slice(1));
  });

  it('unions write the JSON of the member each row holds (dense and sparse)', () => {
    const ints = vectorFromArray([7, 8], new Int32()).data[0]!;
    const strs = vectorFromArray(['a"', 'b'], new Utf8()).data[0]!;
    const members = [new Field('i', new Int32()), new Field('s', new Utf8())];
    const dense = makeData({
      type: new DenseUnion([0, 1], members),
      length: 3,
      typeIds: Int8Array.of(0, 1, 0),
      valueOffsets: Int32Array.of(0, 0, 1),
      children: [ints, strs],
    });
    expect(all(dense)).toEqual(['7', '"a\\""', '8']);
    const sparse = makeData({ type: new SparseUnion([0, 1], members), length: 2, typeIds: Int8Array.of(1, 0), children: [ints, strs] });
    expect(all(sparse, 'json')).toEqual(['"a\\""', '8']);
  });

  it('a JSON row never holds NaN, and quotes every non-number', () => {
    expect(all(vectorFromArray([Number.NaN, -Infinity, 1], new Float64()).data[0]!, 'json')).toEqual(['null', 'null', '1.0']);
    expect(all(cases[5]![1], 'json')).toEqual(['"-00:00:00.000000001"', '"25:01:01.000000001"']);
    expect(all(cases[2]![1], 'json')).toEqual(['"A\\\\xFF"', '"\\\\x5C"']);
  });
});

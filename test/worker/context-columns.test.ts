import { describe, expect, it } from 'vitest';
import {
  Binary,
  Bool,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationNanosecond,
  Field,
  FixedSizeList,
  Float16,
  Float64,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  List,
  Map_,
  type RecordBatch,
  Struct,
  Table,
  TimeMicrosecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint64,
  Utf8,
  makeData,
  IntervalMonthDayNano,
  makeVector,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { makeContext } from '../../dist/src/worker/context.js';

// ctx's column readers on Arrow data built here from plain JS values, which are the reference; every
// column has nulls, and each check also runs on a slice of the batch (Arrow keeps a slice's start in
// `offset` for validity and booleans, and cuts the value buffers), as the planner's row ranges are.
const ctx = makeContext({}, { id: 0, of: 1, file: '<test>', describe: 'test' }, {});

function batchOf(columns: Record<string, Vector>): RecordBatch {
  return new Table(columns).batches[0]!;
}

const N = 23;
const rows = Array.from({ length: N }, (_, i) => i);
const nth = <T>(f: (i: number) => T, every = 4): Array<T | null> => rows.map((i) => (i % every === 1 ? null : f(i)));

const big = nth((i) => 2n ** 53n - 10n + BigInt(i) * (i % 2 === 0 ? 1n : -1n));
const dayValues = nth((i) => (i - 10) * 1000);
const nsValues = nth((i) => BigInt(i - 10) * 86_400_000_123_456_789n);
const intervals = nth((i) => ({ months: i - 3, days: 2 * i, nanoseconds: BigInt(i) * 3_000_000_000_007n - 7n }));
const batch = batchOf({
  i16: vectorFromArray(
    nth((i) => i * 100 - 1000),
    new Int16(),
  ),
  i64: vectorFromArray(big, new Int64()),
  u64: vectorFromArray(
    nth((i) => 2n ** 64n - 1n - BigInt(i)),
    new Uint64(),
  ),
  f16: vectorFromArray(
    nth((i) => i / 4 - 2),
    new Float16(),
  ),
  day: vectorFromArray(
    dayValues.map((d) => (d === null ? null : new Date(d * 86_400_000))),
    new DateDay(),
  ),
  ms: vectorFromArray(
    nth((i) => new Date(Date.UTC(1969, 0, 1) + i * 123_456_789)),
    new DateMillisecond(),
  ),
  sec: vectorFromArray(
    nth((i) => (i - 5) * 3_600_000),
    new TimestampSecond(),
  ),
  ns: makeVector(
    makeData({
      type: new TimestampNanosecond(),
      length: N,
      nullCount: nsValues.filter((v) => v === null).length,
      nullBitmap: bitmap(nsValues),
      data: BigInt64Array.from(nsValues, (v) => v ?? 0n),
    }),
  ),
  tod: vectorFromArray(
    nth((i) => BigInt(i * 3_600_000_001)),
    new TimeMicrosecond(),
  ),
  dur: vectorFromArray(
    nth((i) => BigInt(i) * 1_500_000n),
    new DurationNanosecond(),
  ),
  iv: makeVector(
    makeData({
      type: new IntervalMonthDayNano(),
      length: N,
      nullCount: intervals.filter((v) => v === null).length,
      nullBitmap: bitmap(intervals),
      data: Int32Array.from(
        intervals.flatMap((v) => {
          const n = BigInt.asUintN(64, v?.nanoseconds ?? 0n);
          return [v?.months ?? 0, v?.days ?? 0, Number(n & 0xffffffffn) | 0, Number(n >> 32n) | 0];
        }),
      ),
    }),
  ),
  dec: decimalVector(
    nth((i) => BigInt(i * 12345 - 150000)),
    4,
  ),
  bool: vectorFromArray(
    nth((i) => i % 3 === 0),
    new Bool(),
  ),
  s: vectorFromArray(
    nth((i) => (i % 4 === 2 ? '' : `é${i}`)),
    new Utf8(),
  ),
  ls: vectorFromArray(
    nth((i) => `large ${i}`),
    new LargeUtf8(),
  ),
  dict: vectorFromArray(
    nth((i) => ['x', 'y', 'z'][i % 3]!),
    new Dictionary(new Utf8(), new Int32()),
  ),
  bin: vectorFromArray(
    nth((i) => Uint8Array.of(i, i + 1)),
    new Binary(),
  ),
  list: vectorFromArray(
    nth((i) => (i % 3 === 0 ? [] : [i, null, -i])),
    new List(new Field('item', new Int32(), true)),
  ),
  fsl: vectorFromArray(
    nth((i) => [i, i * 2]),
    new FixedSizeList(2, new Field('item', new Float64(), true)),
  ),
  st: vectorFromArray(
    nth((i) => ({ a: i, b: i % 2 === 0 ? null : `b${i}` })),
    new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
  ),
  map: vectorFromArray(
    nth((i) => new Map([[`k${i}`, i]])),
    new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]))),
  ),
});

function bitmap(values: unknown[]): Uint8Array {
  const out = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    v !== null && (out[i >> 3]! |= 1 << (i & 7));
  });
  return out;
}

function decimalVector(unscaled: Array<bigint | null>, scale: number): Vector {
  const words = new Uint32Array(unscaled.length * 4);
  unscaled.forEach((u, i) => {
    let x = BigInt.asUintN(128, u ?? 0n);
    for (let w = 0; w < 4; w++, x >>= 32n) words[i * 4 + w] = Number(x & 0xffffffffn);
  });
  const nullCount = unscaled.filter((u) => u === null).length;
  return makeVector(
    makeData({ type: new Decimal(scale, 20, 128), length: unscaled.length, nullCount, nullBitmap: bitmap(unscaled), data: words }),
  );
}

/**
 * Reads column `name` with `read` from the batch and from its slice at row 5, maps each non-null row
 * (as ctx.valid says) with `map`, and compares with the reference `want` (null for a null row).
 */
function expectRows<T>(
  name: string,
  read: (b: RecordBatch, name: string) => ArrayLike<T>,
  want: unknown[],
  map: (x: T) => unknown = (x) => x,
): void {
  for (const [b, from] of [
    [batch, 0],
    [batch.slice(5, N), 5],
  ] as const) {
    const got = read(b, name);
    const ok = ctx.valid(b, name);
    expect(got.length).toBe(N - from);
    expect(Array.from({ length: N - from }, (_, i) => (ok(i) ? map(got[i]!) : null))).toEqual(want.slice(from));
    expect(ctx.nullCount(b, name)).toBe(want.slice(from).filter((w) => w === null).length);
  }
}

describe('ctx.column: numbers of every numeric and temporal type', () => {
  it('reads 16-bit integers zero copy', () => {
    expectRows(
      'i16',
      ctx.column,
      nth((i) => i * 100 - 1000),
    );
    expect(ctx.column(batch, 'i16').buffer).toBe(batch.getChild('i16')!.data[0]!.values.buffer);
  });
  it('reads Int64 within ±2^53 exactly and names the row of a value beyond', () => {
    const safe = batch.slice(0, 10);
    expect(Array.from(ctx.column(safe, 'i64')).filter((_, i) => i % 4 !== 1)).toEqual(
      big
        .slice(0, 10)
        .filter((b) => b !== null)
        .map(Number),
    );
    expect(() => ctx.column(batch, 'i64')).toThrow(
      /row 10 of the batch holds 9007199254740992, beyond ±2\^53.*ctx\.bigints\(batch, 'i64'\)/,
    );
  });
  it('reads Float16 as Float32', () =>
    expectRows(
      'f16',
      ctx.column,
      nth((i) => i / 4 - 2),
    ));
  it('reads Date32 and Date64 as epoch milliseconds', () => {
    expectRows(
      'day',
      ctx.column,
      dayValues.map((d) => (d === null ? null : d * 86_400_000)),
    );
    expectRows(
      'ms',
      ctx.column,
      nth((i) => Date.UTC(1969, 0, 1) + i * 123_456_789),
    );
  });
  it('reads timestamps of any unit as epoch milliseconds', () => {
    expectRows(
      'sec',
      ctx.column,
      nth((i) => (i - 5) * 3_600_000),
    );
    expectRows(
      'ns',
      ctx.column,
      nsValues.map((v) => (v === null ? null : Number(v) / 1e6)),
      (x: number) => x,
    );
  });
  it('reads times of day and durations as milliseconds', () => {
    expectRows(
      'tod',
      ctx.column,
      nth((i) => (i * 3_600_000_001) / 1000),
    );
    expectRows(
      'dur',
      ctx.column,
      nth((i) => i * 1.5),
    );
  });
  it('reads decimals as the nearest doubles', () =>
    expectRows(
      'dec',
      ctx.column,
      nth((i) => Number(`${(i * 12345 - 150000) / 10000}`)),
    ));
});

describe('exact and typed readers', () => {
  it('ctx.bigints: Int64 and UInt64 zero copy, narrower integers widened, temporal in their own unit', () => {
    expectRows('i64', ctx.bigints, big);
    expectRows(
      'u64',
      ctx.bigints,
      nth((i) => 2n ** 64n - 1n - BigInt(i)),
    );
    expectRows(
      'i16',
      ctx.bigints,
      nth((i) => BigInt(i * 100 - 1000)),
    );
    expectRows('ns', ctx.bigints, nsValues);
    expect(ctx.bigints(batch, 'i64').buffer).toBe(batch.getChild('i64')!.data[0]!.values.buffer);
  });
  it('ctx.dates: Date32, Date64 and timestamps as Dates, null for a null', () => {
    expectRows(
      'day',
      ctx.dates,
      dayValues.map((d) => (d === null ? null : new Date(d * 86_400_000))),
    );
    // A nanosecond timestamp's Date is the millisecond it falls in.
    expectRows(
      'ns',
      ctx.dates,
      nsValues.map((v) => (v === null ? null : new Date(Number((v - (((v % 1_000_000n) + 1_000_000n) % 1_000_000n)) / 1_000_000n)))),
    );
    for (const b of [batch, batch.slice(5, N)])
      expect(
        ctx
          .dates(b, 'day')
          .map((d, i) => (d === null) === !ctx.valid(b, 'day')(i))
          .every(Boolean),
      ).toBe(true);
  });
  it('ctx.decimals: exact unscaled values and text', () => {
    const want = nth((i) => BigInt(i * 12345 - 150000));
    expectRows('dec', (b, n) => ctx.decimals(b, n).unscaled, want);
    const d = ctx.decimals(batch, 'dec');
    expect(d.scale).toBe(4);
    expect(rows.map((i) => d.text(i))).toEqual(want.map((u) => (u === null ? null : (Number(u) / 10000).toFixed(4))));
  });
  it('ctx.booleans: 0/1 per row', () =>
    expectRows(
      'bool',
      ctx.booleans,
      nth((i) => i % 3 === 0),
      (x: number) => x === 1,
    ));
  it('ctx.strings: Utf8, LargeUtf8 and dictionaries, nulls as empty strings', () => {
    expectRows(
      's',
      ctx.strings,
      nth((i) => (i % 4 === 2 ? '' : `é${i}`)),
    );
    expectRows(
      'ls',
      ctx.strings,
      nth((i) => `large ${i}`),
    );
    expectRows(
      'dict',
      ctx.strings,
      nth((i) => ['x', 'y', 'z'][i % 3]!),
    );
    expect(ctx.strings(batch, 's')[1]).toBe('');
  });
});

describe('ctx.values: any type as JS values with nulls', () => {
  const cases: Array<[string, unknown[]]> = [
    ['i64', big],
    ['day', dayValues.map((d) => (d === null ? null : new Date(d * 86_400_000)))],
    ['dec', nth((i) => ((i * 12345 - 150000) / 10000).toFixed(4))],
    ['bool', nth((i) => i % 3 === 0)],
    ['s', nth((i) => (i % 4 === 2 ? '' : `é${i}`))],
    ['dict', nth((i) => ['x', 'y', 'z'][i % 3]!)],
    ['bin', nth((i) => Uint8Array.of(i, i + 1))],
    ['list', nth((i) => (i % 3 === 0 ? [] : [i, null, -i]))],
    ['fsl', nth((i) => [i, i * 2])],
    ['st', nth((i) => ({ a: i, b: i % 2 === 0 ? null : `b${i}` }))],
    ['map', nth((i) => [[`k${i}`, i]])],
    ['iv', intervals],
  ];
  for (const [name, want] of cases) {
    it(name, () => {
      for (const [b, from] of [
        [batch, 0],
        [batch.slice(5, N), 5],
      ] as const)
        expect(ctx.values(b, name)).toEqual(want.slice(from));
    });
  }
});

describe('a reader on a column of another type', () => {
  it('names the column, its type and the calls that fit it', () => {
    expect(() => ctx.strings(batch, 'i16')).toThrow(
      `ctx.strings(batch, 'i16'): column "i16" has type Int16, not strings; for Int16 use ctx.column (numbers), ctx.values`,
    );
    expect(() => ctx.column(batch, 's')).toThrow(
      `ctx.column(batch, 's'): column "s" has type Utf8, not numbers; for Utf8 use ctx.strings, ctx.values`,
    );
    expect(() => ctx.column(batch, 'st')).toThrow(/column "st" has type Struct<\{a:Int32, b:Utf8\}>, not numbers; for .* use ctx\.values/);
    expect(() => ctx.booleans(batch, 'day')).toThrow(/use ctx\.dates \(Date objects\), ctx\.column \(epoch milliseconds\)/);
    expect(() => ctx.column(batch, 'nope')).toThrow(/no column "nope" in the input \(columns: i16, i64/);
  });
});

import { IntervalUnit, makeData, makeVector, type Data, type Interval, type Vector } from 'apache-arrow';

/**
 * SQL's INTERVAL as the built-in jobs group, compare and write it back, the way DuckDB does. An
 * interval has three independent parts (months, days, a time), and DuckDB compares two of them after
 * Interval::Normalize: 30 days make a month and 24 hours a day, so INTERVAL '1 month' = '30 days' =
 * '720 hours' (one group, a tie in ORDER BY, min and max), while '1 month -1 day' ≠ '29 days' (the
 * parts are normalized one by one, with C++'s truncating division, never summed into one length).
 *
 * Arrow holds intervals in three units (IntervalUnit): YEAR_MONTH (int32 months), DAY_TIME (int32 days,
 * int32 ms) and MONTH_DAY_NANO (int32 months, int32 days, int64 ns: what quiver reads Parquet's
 * INTERVAL into, and what DuckDB exports). The jobs read every unit as four int32 words per row —
 * months, days, the low and the high half of the nanoseconds — and write a column back in its own unit.
 */

/** Int32 words per interval in `intervalWords`' layout. */
export const INTERVAL_WORDS = 4;

const NS_PER_MS = 1_000_000;
const TWO32 = 2 ** 32;

/**
 * Every row of an interval column as months, days, ns-low (unsigned) and ns-high (signed) int32
 * words; MONTH_DAY_NANO's own buffer (zero copy), the other units widened. Null rows hold zeros or
 * whatever the buffer holds.
 */
export function intervalWords(data: Data<Interval>): Int32Array {
  return intervalWordsOf(data.values as Int32Array, data.type.unit, data.length);
}

/** `intervalWords` of `n` rows of a buffer of intervals of `unit`. */
export function intervalWordsOf(v: Int32Array, unit: IntervalUnit, n: number): Int32Array {
  if (unit === IntervalUnit.MONTH_DAY_NANO) return v.subarray(0, INTERVAL_WORDS * n);
  const out = new Int32Array(INTERVAL_WORDS * n);
  for (let i = 0; i < n; i++) {
    if (unit === IntervalUnit.YEAR_MONTH) out[4 * i] = v[i]!;
    else {
      const ns = v[2 * i + 1]! * NS_PER_MS; // |ms| < 2^31, so |ns| < 2^51: exact
      out[4 * i + 1] = v[2 * i]!;
      out[4 * i + 2] = ns % TWO32;
      out[4 * i + 3] = Math.floor(ns / TWO32);
    }
  }
  return out;
}

/** The nanoseconds of row `i` of `intervalWords`' layout, exactly. */
export function intervalNanos(words: ArrayLike<number>, i: number): bigint {
  return (BigInt(words[4 * i + 3]! | 0) << 32n) | BigInt(words[4 * i + 2]! >>> 0);
}

const MICROS_PER_DAY = 86_400_000_000n;
const MICROS_PER_MONTH = 30n * MICROS_PER_DAY;

/**
 * Row `i` of `intervalWords`' layout as DuckDB compares it (Interval::Normalize): months, days (below
 * 30 in size) and microseconds (below a day in size). The nanoseconds are cut to microseconds first,
 * as DuckDB reads Arrow's. Every part fits a double exactly.
 */
export function normalizedInterval(words: ArrayLike<number>, i: number): [number, number, number] {
  let days = BigInt(words[4 * i + 1]! | 0);
  let micros = intervalNanos(words, i) / 1000n; // BigInt division truncates, as C++'s
  const monthsOfDays = days / 30n;
  const monthsOfMicros = micros / MICROS_PER_MONTH;
  days -= monthsOfDays * 30n;
  micros -= monthsOfMicros * MICROS_PER_MONTH;
  const daysOfMicros = micros / MICROS_PER_DAY;
  micros -= daysOfMicros * MICROS_PER_DAY;
  return [(words[4 * i]! | 0) + Number(monthsOfDays + monthsOfMicros), Number(days + daysOfMicros), Number(micros)];
}

/** Compares two normalized intervals (`normalizedInterval`): negative, zero or positive. */
export function compareNormalized(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
}

/**
 * A column of interval type `type` from rows in `intervalWords`' layout (null for a null row), in the
 * type's own unit: DAY_TIME keeps whole milliseconds, YEAR_MONTH the months (the rows came from a
 * column of that type, so nothing is lost).
 */
export function intervalVector(type: Interval, rows: Array<ArrayLike<number> | null>): Vector<Interval> {
  const n = rows.length;
  const stride = type.unit === IntervalUnit.MONTH_DAY_NANO ? 4 : type.unit === IntervalUnit.DAY_TIME ? 2 : 1;
  const data = new Int32Array(stride * n);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  rows.forEach((r, i) => {
    if (r === null) {
      nullCount++;
      return;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    if (stride === 4) data.set([r[0]!, r[1]!, r[2]!, r[3]!], 4 * i);
    else if (stride === 2) data.set([r[1]!, Number(intervalNanos(r, 0) / BigInt(NS_PER_MS))], 2 * i);
    else data[i] = r[0]!;
  });
  return makeVector(makeData<Interval>({ type, length: n, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data }));
}

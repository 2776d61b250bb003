import { FixedSizeBinary, IntervalMonthDayNano, IntervalUnit, makeData, type Data, type Interval } from 'apache-arrow';
import { InputError } from '../errors.js';

/**
 * Parquet's INTERVAL and Arrow's intervals. Parquet stores an INTERVAL as 12 bytes, three
 * little-endian unsigned 32-bit counts: months, days, milliseconds. Arrow's MONTH_DAY_NANO interval
 * holds all three (months, days as int32, the time as int64 nanoseconds), as DuckDB's own Arrow
 * export does, so a Parquet INTERVAL is read into it exactly; Arrow's DAY_TIME would lose the months
 * (what parquet-wasm did) and YEAR_MONTH the days and time.
 */

const NANOS_PER_MILLI = 1_000_000n;

/** A FixedSizeBinary(12) column of Parquet INTERVAL bytes as Interval<MONTH_DAY_NANO>; a null stays null. */
export function intervalsFromBytes(data: Data<FixedSizeBinary>): Data<IntervalMonthDayNano> {
  const bytes = data.values;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(4 * data.length);
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) continue;
    const nanos = view.getUint32(12 * i + 8, true) * 1e6; // below 2^53 (4.3e9 ms): exact
    out[4 * i] = view.getUint32(12 * i, true);
    out[4 * i + 1] = view.getUint32(12 * i + 4, true);
    out[4 * i + 2] = nanos % 2 ** 32;
    out[4 * i + 3] = Math.floor(nanos / 2 ** 32);
  }
  return makeData({
    type: new IntervalMonthDayNano(),
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: data.nullBitmap,
    data: out,
  });
}

/**
 * An interval column of any unit as the 12 bytes of Parquet's INTERVAL. The time is cut to whole
 * milliseconds, as DuckDB does when it writes INTERVAL to Parquet (1.234567 s is written 1.234 s);
 * a negative part, which Parquet's unsigned counts cannot hold, is an error (DuckDB refuses it too:
 * "Parquet files do not support negative intervals"), as is a time of 2^32 ms (49.7 days) or more.
 */
export function intervalsToBytes(data: Data<Interval>, column: string): Data<FixedSizeBinary> {
  const v = data.values as Int32Array;
  const unit = data.type.unit;
  const out = new Uint8Array(12 * data.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) continue;
    let [months, days, millis] = [0, 0, 0n];
    if (unit === IntervalUnit.YEAR_MONTH) months = v[i]!;
    else if (unit === IntervalUnit.DAY_TIME) [days, millis] = [v[2 * i]!, BigInt(v[2 * i + 1]!)];
    else {
      [months, days] = [v[4 * i]!, v[4 * i + 1]!];
      const nanos = (BigInt(v[4 * i + 3]!) << 32n) | BigInt(v[4 * i + 2]! >>> 0);
      millis = nanos / NANOS_PER_MILLI; // toward zero, and a negative time is refused below
    }
    if (months < 0 || days < 0 || millis < 0n || millis >= 2n ** 32n) {
      throw new InputError(
        `column ${column}: the interval ${months} months ${days} days ${millis} ms cannot be written to Parquet, ` +
          `whose INTERVAL holds unsigned 32-bit months, days and milliseconds (no negative part, a time below 49.7 days); ` +
          `write it to Arrow, CSV or NDJSON, or turn it into numbers first`,
      );
    }
    view.setUint32(12 * i, months, true);
    view.setUint32(12 * i + 4, days, true);
    view.setUint32(12 * i + 8, Number(millis), true);
  }
  return makeData({
    type: new FixedSizeBinary(12),
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: data.nullBitmap,
    data: out,
  });
}

import { Binary, DataType, type FixedSizeBinary, Precision, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { intervalVector } from './intervals.js';

/**
 * Arrow columns of a given type from JS values, for the built-in jobs' typed outputs: numbers, bigints
 * (64-bit integers, timestamps, unscaled decimals), strings, booleans and bytes, null for a null.
 * Fixed-width types are written straight into their typed arrays; a decimal beyond its precision is
 * an error (SQL's overflow), never a wrapped value.
 */

/** A value on its way into a column. */
export type Cell = number | bigint | string | boolean | Uint8Array | object | null;

/** A column of type `type` holding `values` (`name` names it in errors). */
export function vectorOf(type: DataType, values: Cell[], name: string): Vector {
  const n = values.length;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type))
    return vectorFromArray(
      values.map((v) => (v === null ? null : String(v))),
      new Utf8(),
    );
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isBinaryView(type))
    return bytesVector(new Binary(), values as Array<Uint8Array | null>);
  if (DataType.isFixedSizeBinary(type)) return bytesVector(type, values as Array<Uint8Array | null>);
  // Intervals arrive as intervals.ts' four int32 words (months, days, nanoseconds low and high).
  if (DataType.isInterval(type)) return intervalVector(type, values as Array<Int32Array | null>);
  const { bitmap, nullCount } = validity(values);
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined };
  if (DataType.isBool(type)) {
    const bits = new Uint8Array((n + 7) >> 3);
    values.forEach((v, i) => {
      v && (bits[i >> 3]! |= 1 << (i & 7));
    });
    return makeVector(makeData({ ...base, data: bits } as never));
  }
  if (DataType.isDecimal(type))
    return makeVector(makeData({ ...base, data: decimalWords(type.precision, type.bitWidth / 32, values, name) } as never));
  const fixed =
    DataType.isInt(type) ||
    DataType.isFloat(type) ||
    DataType.isDate(type) ||
    DataType.isTime(type) ||
    DataType.isTimestamp(type) ||
    DataType.isDuration(type);
  // Nested and other types (and Float16, whose JS values are numbers but whose array holds bits): Arrow's builders.
  if (!fixed || (DataType.isFloat(type) && type.precision === Precision.HALF)) return vectorFromArray(values as unknown[], type);
  const ArrayType = (type as unknown as { ArrayType: new (n: number) => ArrayLike<number | bigint> & { [i: number]: number | bigint } })
    .ArrayType;
  const data = new ArrayType(n);
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    data[i] = big ? BigInt(v as number | bigint) : Number(v);
  }
  return makeVector(makeData({ ...base, data } as never));
}

/** A validity bitmap of `values` (bit set: not null) and the number of nulls. */
function validity(values: Cell[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { bitmap, nullCount };
}

/** Two's-complement little-endian words of decimals (`limbs` 32-bit words each), checked against `precision` digits. */
function decimalWords(precision: number, limbs: number, values: Cell[], name: string): Uint32Array {
  const out = new Uint32Array(values.length * limbs);
  const limit = 10n ** BigInt(precision);
  values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    let x = BigInt(v as number | bigint);
    if (x >= limit || x <= -limit) {
      throw new RangeError(
        `column ${name}: ${x} does not fit in DECIMAL(${precision}) (it overflows, as SQL's sum would); aggregate fewer rows per group, ` +
          `or cast the column to a float`,
      );
    }
    x = BigInt.asUintN(32 * limbs, x);
    for (let k = 0; k < limbs; k++) {
      out[i * limbs + k] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return out;
}

/** A Binary or FixedSizeBinary column of byte strings. */
function bytesVector(type: Binary | FixedSizeBinary, values: Array<Uint8Array | null>): Vector {
  const n = values.length;
  const { bitmap, nullCount } = validity(values);
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined };
  if (DataType.isFixedSizeBinary(type)) {
    const data = new Uint8Array(n * type.byteWidth);
    values.forEach((v, i) => {
      v && data.set(v, i * type.byteWidth);
    });
    return makeVector(makeData({ ...base, data } as never));
  }
  const offsets = new Int32Array(n + 1);
  values.forEach((v, i) => {
    offsets[i + 1] = offsets[i]! + (v?.length ?? 0);
  });
  const data = new Uint8Array(offsets[n]!);
  values.forEach((v, i) => {
    v && data.set(v, offsets[i]!);
  });
  return makeVector(makeData({ ...base, valueOffsets: offsets, data } as never));
}

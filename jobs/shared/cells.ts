import { DataType, Precision, makeVector, type Data } from 'apache-arrow';
import type { Cell } from './vectors.js';

/**
 * Single values of Arrow columns, exactly, for the built-in jobs that carry rows (top-k) or rank by a
 * column: integers of 64 bits, timestamps, dates in ms, times in µs/ns and durations as bigints,
 * decimals as unscaled bigints, smaller integers, floats and dates in days as numbers, bytes as
 * Uint8Array copies, the rest (text of every layout, booleans, nested values) as Arrow's JS values.
 * `vectors.ts`' vectorOf writes them back into a column of the same type.
 */

/** Row `i` of a column, exactly; null for a null. */
export function cellAt(data: Data, i: number): Cell {
  if (data.nullCount > 0 && !data.getValid(i)) return null;
  const t = data.type;
  if (DataType.isDecimal(t)) return decimalAt(data, i);
  if (isFixedNumber(t)) return (data.values as ArrayLike<number | bigint>)[i]!;
  if (DataType.isFixedSizeBinary(t)) return (data.values as Uint8Array).slice(i * t.byteWidth, (i + 1) * t.byteWidth);
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) {
    const o = data.valueOffsets as ArrayLike<number | bigint>;
    return (data.values as Uint8Array).slice(Number(o[i]!), Number(o[i + 1]!));
  }
  return makeVector(data).get(i) as Cell;
}

/** The unscaled value of row `i` of a decimal column. */
export function decimalAt(data: Data, i: number): bigint {
  const t = data.type as unknown as { bitWidth: number };
  const w = t.bitWidth / 32;
  const words = data.values as Uint32Array;
  let x = 0n;
  for (let k = w - 1; k >= 0; k--) x = (x << 32n) | BigInt(words[i * w + k]!);
  return BigInt.asIntN(t.bitWidth, x);
}

/** Types whose values array holds each value as one number or bigint (not Float16's bits). */
export function isFixedNumber(t: DataType): boolean {
  if (DataType.isFloat(t)) return t.precision !== Precision.HALF;
  return DataType.isInt(t) || DataType.isDate(t) || DataType.isTime(t) || DataType.isTimestamp(t) || DataType.isDuration(t);
}

/**
 * A column's values as exactly comparable JS values (numbers, or bigints for 64-bit integers and
 * decimals), or undefined when its type is not ordered by value (text, bytes, nested).
 */
export function comparableValues(data: Data): ArrayLike<number | bigint> | undefined {
  const t = data.type;
  if (DataType.isDecimal(t)) return Array.from({ length: data.length }, (_, i) => decimalAt(data, i));
  if (isFixedNumber(t)) return data.values as ArrayLike<number | bigint>;
  if (DataType.isFloat(t)) {
    const v = makeVector(data);
    return Float64Array.from({ length: data.length }, (_, i) => v.get(i) ?? 0);
  }
  return undefined;
}

/** The type a carried column is written back as: a dictionary's values' type, the type itself otherwise. */
export function carriedType(t: DataType): DataType {
  return DataType.isDictionary(t) ? t.dictionary : t;
}

import { DataType, DateUnit, TimeUnit, type Data, type Decimal, type RecordBatch } from 'apache-arrow';
import type { NumberArray } from '../job/types.js';
import { columnError, dataOf, wrongType } from './column-kind.js';
import { validityOf } from './column-validity.js';

/**
 * Milliseconds in one unit of a TimeUnit, as a multiplier or, for units below a millisecond, a
 * divisor: x / 1000 is the double nearest the true quotient, x * 1e-3 is not always (1e-3 is inexact).
 */
const MS_PER_UNIT: Record<TimeUnit, number> = {
  [TimeUnit.SECOND]: 1000,
  [TimeUnit.MILLISECOND]: 1,
  [TimeUnit.MICROSECOND]: -1000,
  [TimeUnit.NANOSECOND]: -1e6,
};

/**
 * The numbers of a numeric, temporal or decimal column, zero copy where Arrow stores JS-number-sized
 * values (8- to 32-bit integers, Float32/64). Int64/UInt64 are exact within ±(2^53 − 1), and a value
 * beyond is an error naming its row; temporal columns are epoch (or since-midnight, or elapsed)
 * milliseconds; decimals are the nearest double. Null slots hold unspecified values.
 */
export function columnNumbers(batch: RecordBatch, name: string): NumberArray {
  return columnNumbersOf(dataOf(batch, name), name);
}

/** `columnNumbers` of one Data (a column, or a child of a nested one). */
export function columnNumbersOf(data: Data, name: string): NumberArray {
  const t = data.type;
  if (DataType.isInt(t) && t.bitWidth === 64) return exactNumbers(data, name, t.isSigned);
  if (DataType.isInt(t) || (DataType.isFloat(t) && !(data.values instanceof Uint16Array))) return fixedValues(data) as NumberArray;
  if (DataType.isFloat(t)) return float16s(data);
  if (DataType.isDate(t)) return t.unit === DateUnit.DAY ? scaled(fixedValues(data) as Int32Array, 86_400_000) : int64Numbers(data, 1);
  if (DataType.isTimestamp(t) || DataType.isDuration(t)) return int64Numbers(data, MS_PER_UNIT[t.unit]);
  if (DataType.isTime(t))
    return t.bitWidth === 32 ? scaled(fixedValues(data) as Int32Array, MS_PER_UNIT[t.unit]) : int64Numbers(data, MS_PER_UNIT[t.unit]);
  if (DataType.isDecimal(t)) return decimalNumbers(data);
  throw wrongType('ctx.column', name, data, 'numbers');
}

/**
 * The stored integers of an integer or temporal column as 64-bit bigints: zero copy for 64-bit columns,
 * a widened copy for narrower ones. Temporal columns give their own unit (days of a Date32, the
 * timestamp's unit).
 */
export function columnBigInts(batch: RecordBatch, name: string): BigInt64Array | BigUint64Array {
  const data = dataOf(batch, name);
  const t = data.type;
  const integers = DataType.isInt(t) || DataType.isDate(t) || DataType.isTimestamp(t) || DataType.isTime(t) || DataType.isDuration(t);
  if (!integers) throw wrongType('ctx.bigints', name, data, 'integers');
  const values = fixedValues(data);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return values;
  const unsigned = DataType.isInt(t) && !t.isSigned;
  const out = unsigned ? new BigUint64Array(values.length) : new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i] as number);
  return out;
}

/** A Bool column as 0/1 bytes (nulls hold 0). */
export function columnBooleans(batch: RecordBatch, name: string): Uint8Array {
  const data = dataOf(batch, name);
  if (!DataType.isBool(data.type)) throw wrongType('ctx.booleans', name, data, 'booleans');
  const out = new Uint8Array(data.length);
  const bits = data.values as Uint8Array;
  // Arrow leaves a Bool column's bit-packed values unsliced: a slice keeps its start in `offset`.
  for (let i = 0, b = data.offset; i < out.length; i++, b++) out[i] = (bits[b >> 3]! >> (b & 7)) & 1;
  if (data.nullCount > 0) {
    const valid = validityOf(data);
    for (let i = 0; i < out.length; i++) if (!valid(i)) out[i] = 0;
  }
  return out;
}

/** A Date or Timestamp column as JS Dates (millisecond precision), null for a null. */
export function columnDates(batch: RecordBatch, name: string): Array<Date | null> {
  const data = dataOf(batch, name);
  if (!DataType.isDate(data.type) && !DataType.isTimestamp(data.type)) throw wrongType('ctx.dates', name, data, 'dates or timestamps');
  const ms = columnNumbersOf(data, name);
  const valid = validityOf(data);
  const out = new Array<Date | null>(ms.length);
  for (let i = 0; i < ms.length; i++) out[i] = valid(i) ? new Date(Math.floor(ms[i]!)) : null;
  return out;
}

/** The values of a fixed-width column as Arrow holds them (already cut to the batch's rows). */
export function fixedValues(data: Data): NumberArray | BigInt64Array | BigUint64Array {
  return (data.values as NumberArray).subarray(0, data.length * (data.stride ?? 1)) as NumberArray;
}

/** 64-bit integers as exact numbers; a non-null value beyond ±(2^53 − 1) is an error naming it and its row. */
function exactNumbers(data: Data, name: string, signed: boolean): Float64Array {
  const out = int64Numbers(data, 1, signed);
  const valid = validityOf(data);
  for (let i = 0; i < out.length; i++) {
    const x = out[i]!;
    // The double of a value past the bound is past it too (rounding is monotonic, the bound exact).
    if ((x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER) && valid(i)) {
      const exact = (fixedValues(data) as BigInt64Array)[i]!;
      throw columnError(
        `ctx.column(batch, '${name}'): row ${i} of the batch holds ${exact}, beyond ±2^53 where JS numbers stop being exact integers; ` +
          `use ctx.bigints(batch, '${name}') for exact 64-bit values`,
        `column "${name}" row ${i} is ${exact}`,
      );
    }
  }
  return out;
}

/**
 * A 64-bit column's values × `factor` (÷ −factor when it is negative) as doubles, read as two 32-bit halves
 * (several times faster than Number(bigint)).
 */
function int64Numbers(data: Data, factor: number, signed = true): Float64Array {
  const values = fixedValues(data) as BigInt64Array;
  const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) {
    const lo = halves[2 * i]! >>> 0;
    const hi = signed ? halves[2 * i + 1]! : halves[2 * i + 1]! >>> 0;
    const x = hi * 4294967296 + lo;
    out[i] = factor < 0 ? x / -factor : x * factor;
  }
  return out;
}

/** Values × `factor` (÷ −factor when it is negative; see MS_PER_UNIT) as doubles. */
function scaled(values: Int32Array, factor: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = factor < 0 ? values[i]! / -factor : values[i]! * factor;
  return out;
}

/** Half floats (stored as Uint16) widened to Float32, which holds every one exactly. */
function float16s(data: Data): Float32Array {
  const bits = fixedValues(data) as Uint16Array;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < out.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** Decimals as the nearest doubles: one exact division when the unscaled value is a safe integer, else parsed from exact text. */
function decimalNumbers(data: Data): Float64Array {
  const { unscaled, scale } = decimalsOf(data);
  const out = new Float64Array(unscaled.length);
  const div = 10 ** scale;
  for (let i = 0; i < out.length; i++) {
    const u = unscaled[i]!;
    const n = Number(u);
    out[i] = Number.isSafeInteger(n) && scale <= 22 ? (scale >= 0 ? n / div : n * 10 ** -scale) : Number(decimalText(u, scale));
  }
  return out;
}

/** The unscaled values of a Decimal column (two's complement, little-endian 32-bit words per value). */
export function decimalsOf(data: Data): { unscaled: bigint[]; scale: number; precision: number } {
  const t = data.type as Decimal;
  const words = data.values as Uint32Array;
  const stride = t.bitWidth / 32;
  const unscaled = new Array<bigint>(data.length);
  for (let i = 0; i < data.length; i++) {
    let v = 0n;
    for (let w = stride - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * stride + w]!);
    unscaled[i] = BigInt.asIntN(t.bitWidth, v);
  }
  return { unscaled, scale: t.scale, precision: t.precision };
}

/** Exact decimal text of an unscaled value, e.g. (-105n, 2) → '-1.05', as DuckDB prints it. */
export function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A Decimal column: exact unscaled values with their scale (nulls hold 0n). */
export function columnDecimals(
  batch: RecordBatch,
  name: string,
): { precision: number; scale: number; unscaled: bigint[]; text(row: number): string | null } {
  const data = dataOf(batch, name);
  if (!DataType.isDecimal(data.type)) throw wrongType('ctx.decimals', name, data, 'decimals');
  const { unscaled, scale, precision } = decimalsOf(data);
  const valid = validityOf(data);
  for (let i = 0; i < unscaled.length; i++) if (!valid(i)) unscaled[i] = 0n;
  return { precision, scale, unscaled, text: (row) => (valid(row) ? decimalText(unscaled[row]!, scale) : null) };
}

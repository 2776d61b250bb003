import { DataType, DateUnit, makeVector, type Data, type RecordBatch } from 'apache-arrow';
import { LIMBS, type ValueKind } from './types.js';

/**
 * How groupby reads a value column: which kind of numbers a type holds (types.ts' ValueKind), and a
 * batch's values as doubles (for the aggregates whose result is a double) or as exact 32-bit limbs
 * (for sums, minima and maxima of 64-bit integers, timestamps and decimals). Zero copy where the
 * type allows.
 */

/** The kind of a value column of this type, or undefined when groupby cannot aggregate it. */
export function kindOf(type: DataType): ValueKind | undefined {
  if (DataType.isFloat(type)) return 'float';
  if (DataType.isInt(type)) return type.bitWidth < 64 ? 'int' : type.isSigned ? 'i64' : 'u64';
  if (DataType.isDecimal(type)) return type.bitWidth === 256 ? 'd256' : 'd128';
  if (DataType.isDate(type)) return type.unit === DateUnit.DAY ? 'int' : 'i64';
  if (DataType.isTime(type)) return type.bitWidth < 64 ? 'int' : 'i64';
  if (DataType.isTimestamp(type) || DataType.isDuration(type)) return 'i64';
  if (DataType.isBool(type)) return 'int';
  if (DataType.isInterval(type)) return 'interval';
  return undefined;
}

/**
 * Whether values of this type are numbers in the SQL sense (every aggregate applies), not dates, times or
 * booleans (count, min and max only).
 */
export function isNumeric(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

/** 10^scale of a decimal type (1 for others), as a double. */
export function scaleOf(type: DataType): number {
  return DataType.isDecimal(type) ? 10 ** type.scale : 1;
}

const TWO32 = 2 ** 32;

/**
 * The values of a column as doubles: as they are for floats and small integers, 64-bit integers
 * rounded to the nearest double, decimals divided by 10^scale (as SQL casts them for avg, stddev and
 * the like). Null rows hold unspecified values.
 */
export function doublesOf(data: Data, kind: ValueKind): ArrayLike<number> {
  const type = data.type;
  if (DataType.isBool(type)) {
    const v = makeVector(data);
    return Uint8Array.from({ length: data.length }, (_, i) => (v.get(i) ? 1 : 0));
  }
  if (DataType.isFloat(type) && type.precision === 0) {
    const v = makeVector(data);
    return Float64Array.from({ length: data.length }, (_, i) => v.get(i) ?? 0);
  }
  if (kind === 'float' || kind === 'int') return data.values as ArrayLike<number>;
  const words = wordsOf(data, kind);
  const L = LIMBS[kind];
  const signed = kind !== 'u64';
  const scale = scaleOf(type);
  const out = new Float64Array(data.length);
  for (let i = 0; i < out.length; i++) {
    const at = i * L;
    let x = signed ? words[at + L - 1]! | 0 : words[at + L - 1]!;
    for (let k = L - 2; k >= 0; k--) x = x * TWO32 + words[at + k]!;
    out[i] = scale === 1 ? x : x / scale;
  }
  return out;
}

/** The values of a 64-bit or decimal column as `LIMBS[kind]` little-endian 32-bit words per row (zero copy). */
export function wordsOf(data: Data, kind: ValueKind): Uint32Array {
  const values = data.values as ArrayBufferView;
  const L = LIMBS[kind];
  if (L < 2 || values.byteLength < data.length * L * 4) {
    throw new Error(
      `groupby read a column of type ${data.type} as ${kind} values; give every file of the input the same type for this column`,
    );
  }
  return new Uint32Array(values.buffer, values.byteOffset, data.length * L);
}

/** The value of `L` limbs (as numbers; lower ones unsigned, the top one signed or not) as a bigint. */
export function bigintOfLimbs(limbs: ArrayLike<number>, at: number, L: number): bigint {
  let x = BigInt(limbs[at + L - 1]!);
  for (let k = L - 2; k >= 0; k--) x = (x << 32n) + BigInt(limbs[at + k]!);
  return x;
}

/** The values of a column of `batch` (a batch's column is one Data). */
export function columnData(batch: RecordBatch, name: string): Data {
  const data = batch.getChild(name)?.data[0];
  if (!data)
    throw new Error(`groupby: no column "${name}" in a batch of the input (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  return data;
}

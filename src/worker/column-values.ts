import { DataType, makeVector, type Data, type Interval, type RecordBatch } from 'apache-arrow';
import { dataOf } from './column-kind.js';
import { columnNumbersOf, decimalsOf, decimalText, fixedValues } from './column-numbers.js';
import { textOf } from './column-text.js';
import { validityOf } from './column-validity.js';

/** Reads row `i` of one Arrow Data as a JS value (null for a null row). */
type Reader = (i: number) => unknown;

/**
 * `ctx.values`: every row of a column of any type as a JS value, null for a null: numbers, bigints
 * (Int64/UInt64), exact decimal text, Dates, strings, booleans, Uint8Arrays (bytes), intervals as
 * `{ months, days, nanoseconds }`, arrays (List, LargeList, FixedSizeList), objects (Struct) and
 * [key, value] entries (Map), nested to any depth.
 */
export function columnValues(batch: RecordBatch, name: string): unknown[] {
  const data = dataOf(batch, name);
  const read = readerOf(data, name);
  const out = new Array<unknown>(data.length);
  for (let i = 0; i < out.length; i++) out[i] = read(i);
  return out;
}

/** A reader of one Data; built once per column, so per-row work is a lookup. */
export function readerOf(data: Data, name: string): Reader {
  const valid = validityOf(data);
  const read = valueReader(data, name);
  return (i) => (valid(i) ? read(i) : null);
}

/** The value reader of a Data, without the null check. */
function valueReader(data: Data, name: string): Reader {
  const t = data.type;
  if (DataType.isNull(t)) return () => null;
  if (DataType.isInt(t) && t.bitWidth === 64) return arrayReader(fixedValues(data));
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isTime(t) || DataType.isDuration(t))
    return arrayReader(columnNumbersOf(data, name));
  if (DataType.isDate(t) || DataType.isTimestamp(t)) {
    const ms = columnNumbersOf(data, name);
    return (i) => new Date(Math.floor(ms[i]!));
  }
  if (DataType.isDecimal(t)) {
    const { unscaled, scale } = decimalsOf(data);
    return (i) => decimalText(unscaled[i]!, scale);
  }
  if (DataType.isBool(t)) {
    const bits = data.values as Uint8Array;
    return (i) => ((bits[(i + data.offset) >> 3]! >> ((i + data.offset) & 7)) & 1) === 1;
  }
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isUtf8View(t)) return arrayReader(textOf(data, name));
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) {
    const offsets = data.valueOffsets as ArrayLike<number | bigint>;
    const bytes = data.values as Uint8Array;
    return (i) => bytes.subarray(Number(offsets[i]), Number(offsets[i + 1]));
  }
  if (DataType.isFixedSizeBinary(t)) {
    const bytes = data.values as Uint8Array;
    return (i) => bytes.subarray(i * t.byteWidth, (i + 1) * t.byteWidth);
  }
  if (DataType.isDictionary(t)) return dictionaryReader(data, name);
  if (DataType.isMap(t)) {
    const entries = listReader(data, name);
    return (i) => (entries(i) as Array<{ key: unknown; value: unknown }>).map((e) => [e.key, e.value] as [unknown, unknown]);
  }
  if (DataType.isList(t) || DataType.isLargeList(t)) return listReader(data, name);
  if (DataType.isFixedSizeList(t)) {
    const item = readerOf(data.children[0]!, name);
    const size = t.listSize;
    return (i) => Array.from({ length: size }, (_, j) => item(i * size + j));
  }
  if (DataType.isStruct(t)) {
    const fields = t.children.map((f, j) => [f.name, readerOf(data.children[j]!, `${name}.${f.name}`)] as const);
    return (i) => {
      const row: Record<string, unknown> = {};
      for (const [field, read] of fields) row[field] = read(i);
      return row;
    };
  }
  if (DataType.isInterval(t)) return intervalReader(data as Data<Interval>);
  // Unions and types to come: Arrow's own reading of the value.
  const vector = makeVector(data);
  return (i) => vector.get(i);
}

function arrayReader(values: ArrayLike<unknown>): Reader {
  return (i) => values[i];
}

/** List and LargeList: the child rows between two offsets (the child is not sliced with its parent). */
function listReader(data: Data, name: string): Reader {
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  const item = readerOf(data.children[0]!, name);
  return (i) => {
    const end = Number(offsets[i + 1]);
    const out = [];
    for (let j = Number(offsets[i]); j < end; j++) out.push(item(j));
    return out;
  };
}

/** A dictionary of any values: each dictionary entry read once, then looked up by index. */
function dictionaryReader(data: Data, name: string): Reader {
  const entries = data.dictionary!.data.flatMap((d) => {
    const read = readerOf(d, name);
    return Array.from({ length: d.length }, (_, i) => read(i));
  });
  const idx = data.values as ArrayLike<number | bigint>;
  return (i) => entries[Number(idx[i])];
}

/**
 * An interval of any unit as `{ months, days, nanoseconds }`: the three independent parts of SQL's
 * INTERVAL (a month is not a fixed number of days), the time exact as a bigint.
 */
function intervalReader(data: Data<Interval>): Reader {
  const v = data.values as Int32Array;
  const unit = data.type.unit;
  if (unit === 0) return (i) => ({ months: v[i]!, days: 0, nanoseconds: 0n });
  if (unit === 1) return (i) => ({ months: 0, days: v[2 * i]!, nanoseconds: BigInt(v[2 * i + 1]!) * 1_000_000n });
  return (i) => ({ months: v[4 * i]!, days: v[4 * i + 1]!, nanoseconds: (BigInt(v[4 * i + 3]!) << 32n) | BigInt(v[4 * i + 2]! >>> 0) });
}

import {
  Bool,
  Decimal,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Struct,
  TimestampMillisecond,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';

/** What one JS value becomes in a column; a column of mixed kinds is JSON text (numbers with bigints excepted). */
type ValueKind = 'num' | 'bigint' | 'str' | 'bool' | 'date' | 'list' | 'struct' | 'json';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** The largest magnitude of Decimal128(38, 0), what DuckDB's HUGEINT sums become in Arrow. */
const DECIMAL38_MAX = 10n ** 38n - 1n;

/**
 * Builds an Arrow column from JS values, its type inferred from them (null and undefined are nulls):
 * - numbers: Int32 when every one is a 32-bit integer, else Float64;
 * - bigints: Int64, or Decimal128(38, 0) when one is beyond 64 bits, or exact text beyond 38 digits;
 *   numbers mixed with bigints join them when every number is an integer, else all are Float64;
 * - strings: Utf8; booleans: Bool; Dates: Timestamp in milliseconds (an invalid Date is a null);
 * - arrays and typed arrays: List of their items, by these same rules;
 * - plain objects: Struct with a field per property name seen (missing properties are nulls);
 * - anything else, or a mix of kinds: JSON text (bigints written as strings of digits).
 */
export function columnFromValues(values: unknown[]): Vector {
  let kind: ValueKind | undefined;
  let ints = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const k = kindOfValue(v);
    if (kind === undefined) kind = k;
    else if (kind !== k) kind = (kind === 'num' || kind === 'bigint') && (k === 'num' || k === 'bigint') ? 'bigint' : 'json';
    if (k === 'num' && ints && !((v as number) === ((v as number) | 0) && !Object.is(v, -0))) ints = false;
  }
  const hasNulls = values.some((v) => v === null || v === undefined);
  switch (kind ?? 'num') {
    case 'num':
      // Plain numbers straight into a typed array: Arrow's builders cost ~10× more per value.
      if (!hasNulls) return makeVector(ints ? Int32Array.from(values as number[]) : Float64Array.from(values as number[]));
      return vectorFromArray(values as Array<number | null>, ints ? new Int32() : new Float64());
    case 'bigint':
      return integerVector(values);
    case 'str':
      if (!hasNulls) return utf8Vector(values as string[]);
      return vectorFromArray(values as Array<string | null>, new Utf8());
    case 'bool':
      return vectorFromArray(values as Array<boolean | null>, new Bool());
    case 'date':
      return timestampVector(values as Array<Date | null | undefined>);
    case 'list':
      return listVector(values as Array<ArrayLike<unknown> | null | undefined>);
    case 'struct':
      return structVector(values as Array<Record<string, unknown> | null | undefined>);
    default:
      return vectorFromArray(
        values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v, bigintAsText))),
        new Utf8(),
      );
  }
}

function kindOfValue(v: unknown): ValueKind {
  switch (typeof v) {
    case 'number':
      return 'num';
    case 'bigint':
      return 'bigint';
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof Date) return 'date';
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) return 'list';
  return isPlainObject(v) ? 'struct' : 'json';
}

/** Whether a value is a plain `{ ... }` object (not an array, Date, Map or class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function bigintAsText(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** The validity bitmap of a column of values (null and undefined are nulls), or none when every value is there. */
function validityOf(values: ArrayLike<unknown>): { nullCount: number; nullBitmap?: Uint8Array } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return nullCount > 0 ? { nullCount, nullBitmap: bitmap } : { nullCount };
}

/** Integers (bigints, and numbers that are integers) as Int64, Decimal128(38, 0), or exact text beyond 38 digits. */
function integerVector(values: unknown[]): Vector {
  const big = values.map((v) =>
    v === null || v === undefined ? null : typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v as number) : undefined,
  );
  // A number with a fraction among bigints: a double column, as a SQL engine would make of the mix.
  if (big.includes(undefined))
    return vectorFromArray(
      values.map((v) => (v === null || v === undefined ? null : Number(v))),
      new Float64(),
    );
  const ints = big as Array<bigint | null>;
  const present = ints.filter((b): b is bigint => b !== null);
  const valid = validityOf(values);
  if (present.every((b) => b >= INT64_MIN && b <= INT64_MAX)) {
    const data = BigInt64Array.from(ints, (b) => b ?? 0n);
    return makeVector(makeData({ type: new Int64(), length: values.length, ...valid, data }));
  }
  if (present.every((b) => b >= -DECIMAL38_MAX && b <= DECIMAL38_MAX)) {
    const words = new Uint32Array(values.length * 4);
    ints.forEach((b, i) => {
      let u = BigInt.asUintN(128, b ?? 0n);
      for (let w = 0; w < 4; w++, u >>= 32n) words[i * 4 + w] = Number(u & 0xffffffffn);
    });
    return makeVector(makeData({ type: new Decimal(0, 38, 128), length: values.length, ...valid, data: words }));
  }
  return vectorFromArray(
    ints.map((b) => (b === null ? null : b.toString())),
    new Utf8(),
  );
}

/** Dates as a Timestamp[ms] column (no time zone: the UTC instant, as a JS Date is); an invalid Date is a null. */
function timestampVector(dates: Array<Date | null | undefined>): Vector {
  const ms = dates.map((d) => (d && !Number.isNaN(d.getTime()) ? d : null));
  const data = BigInt64Array.from(ms, (d) => (d ? BigInt(d.getTime()) : 0n));
  return makeVector(makeData({ type: new TimestampMillisecond(), length: dates.length, ...validityOf(ms), data }));
}

/** A Utf8 vector from strings: one UTF-8 encode of all of them joined, offsets from their byte lengths. */
function utf8Vector(strings: string[]): Vector {
  const joined = strings.join('');
  const data = Buffer.from(joined, 'utf8');
  const offsets = new Int32Array(strings.length + 1);
  const ascii = data.length === joined.length;
  let at = 0;
  for (let i = 0; i < strings.length; i++) {
    at += ascii ? strings[i]!.length : Buffer.byteLength(strings[i]!, 'utf8');
    offsets[i + 1] = at;
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return makeVector(makeData({ type: new Utf8(), length: strings.length, nullCount: 0, valueOffsets: offsets, data: bytes }));
}

/** Typed arrays whose items Arrow takes as they are (not Uint8ClampedArray, not DataView). */
const TYPED_ITEMS = [
  Float64Array,
  Float32Array,
  Int32Array,
  Int16Array,
  Int8Array,
  Uint32Array,
  Uint16Array,
  Uint8Array,
  BigInt64Array,
  BigUint64Array,
];

/** A List column: every list's items in one child column, offsets from the lists' lengths, null for a missing list. */
function listVector(lists: Array<ArrayLike<unknown> | null | undefined>): Vector {
  const offsets = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((l, i) => {
    if (l !== null && l !== undefined) total += l.length;
    offsets[i + 1] = total;
  });
  const items = itemsVector(lists, total);
  const type = new List(new Field('item', items.type, true));
  return makeVector(makeData({ type, length: lists.length, ...validityOf(lists), valueOffsets: offsets, child: items.data[0]! }));
}

/** The items of all lists as one column: one typed-array copy when every list is the same kind of typed array. */
function itemsVector(lists: Array<ArrayLike<unknown> | null | undefined>, total: number): Vector {
  const present = lists.filter((l): l is ArrayLike<unknown> => l !== null && l !== undefined);
  const Typed = TYPED_ITEMS.find((T) => present.length > 0 && present.every((l) => l instanceof T));
  if (Typed) {
    const items = new Typed(total);
    let at = 0;
    for (const l of present) {
      items.set(l as never, at);
      at += l.length;
    }
    return makeVector(items);
  }
  const items = new Array<unknown>(total);
  let at = 0;
  for (const l of present) for (let j = 0; j < l.length; j++) items[at++] = l[j];
  return columnFromValues(items);
}

/** A Struct column: a child column per property name (in first-seen order), null for a missing object. */
function structVector(rows: Array<Record<string, unknown> | null | undefined>): Vector {
  const names = [...new Set(rows.flatMap((r) => (r ? Object.keys(r) : [])))];
  const children = names.map((n) => columnFromValues(rows.map((r) => r?.[n] ?? null)).data[0]!);
  const type = new Struct(names.map((n, j) => new Field(n, children[j]!.type as DataType, true)));
  return makeVector(makeData({ type, length: rows.length, ...validityOf(rows), children }));
}

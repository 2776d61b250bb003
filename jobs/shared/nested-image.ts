import { DataType, makeVector, vectorFromArray, type Data, type Field, type Vector } from 'apache-arrow';

/**
 * LIST and STRUCT values as bytes that order as DuckDB's ORDER BY orders them, and back: what `sort`
 * holds, carries and compares a nested column by (as it does text, byte by byte).
 *
 * DuckDB orders nested values lexicographically: a list by its elements in turn, a shorter list
 * before a longer one it begins, a struct by its fields in turn, a null element or field after every
 * value (`[] < [1, 2] < [1, NULL] < [2] < [NULL]`). The image: each list element or struct field is a
 * marker byte, 0x01 and the value's image, or 0x02 for a null; a list ends with 0x00 (so it sorts
 * before any continuation); integers are 8 bytes big-endian with the sign bit flipped; doubles 8
 * bytes of their IEEE bits made order-preserving (−0 as 0, NaN after every number, as DuckDB's);
 * booleans one byte; text its UTF-8 bytes with 0x00 written 0x00 0xFF, ended by 0x00 0x00.
 */

/** Whether a type is a list or struct of integers, floats, text and booleans, nested as deep as it goes. */
export function isNestedKey(type: DataType): boolean {
  return (isList(type) || DataType.isStruct(type)) && leavesKeyable(type);
}

export function isList(t: DataType): boolean {
  return DataType.isList(t) || DataType.isLargeList(t) || DataType.isFixedSizeList(t);
}

function leavesKeyable(t: DataType): boolean {
  if (isList(t) || DataType.isStruct(t)) return t.children.every((f: Field) => leavesKeyable(f.type));
  if (DataType.isFloat(t)) return t.precision !== 0;
  return DataType.isInt(t) || DataType.isBool(t) || DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isUtf8View(t);
}

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

/** Appends the image of Arrow's JS value `v` (not null) of type `t` to `out`. */
function imageOf(v: unknown, t: DataType, out: number[]): void {
  if (isList(t) || DataType.isStruct(t)) {
    const list = isList(t) ? (v as { length: number; get(j: number): unknown }) : undefined;
    const n = list ? list.length : t.children.length;
    for (let j = 0; j < n; j++) {
      const x = list ? list.get(j) : (v as Record<string, unknown>)[t.children[j]!.name];
      if (x === null || x === undefined) out.push(2);
      else {
        out.push(1);
        imageOf(x, list ? t.children[0]!.type : t.children[j]!.type, out);
      }
    }
    if (list) out.push(0);
  } else if (DataType.isInt(t)) {
    // Signed values offset by 2^63 (the sign bit flipped), so negatives come first; unsigned as they are.
    const x = BigInt.asUintN(64, BigInt(v as number | bigint)) ^ (t.isSigned ? 1n << 63n : 0n);
    for (let k = 56n; k >= 0n; k -= 8n) out.push(Number((x >> k) & 0xffn));
  } else if (DataType.isFloat(t)) {
    const x = Number(v);
    f64[0] = x === 0 ? 0 : x === x ? x : NaN;
    const negative = (u8[7]! & 0x80) !== 0;
    for (let k = 7; k >= 0; k--) out.push(negative ? ~u8[k]! & 0xff : k === 7 ? u8[k]! | 0x80 : u8[k]!);
  } else if (DataType.isBool(t)) out.push(v ? 1 : 0);
  else {
    for (const b of Buffer.from(String(v), 'utf8')) out.push(...(b === 0 ? [0, 0xff] : [b]));
    out.push(0, 0);
  }
}

/** A nested column's rows as images: one byte buffer, 32-bit offsets, and a validity byte per row when some row is null. */
export function nestedImages(data: Data): { bytes: Uint8Array; starts: Int32Array; ends: Int32Array; valid?: Uint8Array } {
  const n = data.length;
  const vector = makeVector(data);
  const out: number[] = [];
  const starts = new Int32Array(n),
    ends = new Int32Array(n);
  const valid = data.nullCount > 0 ? new Uint8Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    starts[i] = out.length;
    const v = vector.get(i);
    if (v !== null && v !== undefined) {
      if (valid) valid[i] = 1;
      imageOf(v, data.type, out);
    }
    ends[i] = out.length;
  }
  return { bytes: Uint8Array.from(out), starts, ends, valid };
}

/** The JS value (arrays, objects, bigints) an image stands for, read from `at.i` on. */
function valueFromImage(bytes: Uint8Array, at: { i: number }, t: DataType): unknown {
  if (isList(t) || DataType.isStruct(t)) {
    const items: unknown[] = [];
    for (let j = 0; isList(t) ? bytes[at.i] !== 0 : j < t.children.length; j++) {
      const child = isList(t) ? t.children[0]!.type : t.children[j]!.type;
      items.push(bytes[at.i++] === 2 ? null : valueFromImage(bytes, at, child));
    }
    if (isList(t)) {
      at.i++;
      return items;
    }
    return Object.fromEntries(t.children.map((f: Field, j) => [f.name, items[j]]));
  }
  if (DataType.isInt(t)) {
    let x = 0n;
    for (let k = 0; k < 8; k++) x = (x << 8n) | BigInt(bytes[at.i++]!);
    const v = t.isSigned ? BigInt.asIntN(64, x ^ (1n << 63n)) : x;
    return t.bitWidth === 64 ? v : Number(v);
  }
  if (DataType.isFloat(t)) {
    const negative = (bytes[at.i]! & 0x80) === 0;
    for (let k = 7; k >= 0; k--) {
      const b = bytes[at.i++]!;
      u8[k] = negative ? ~b & 0xff : k === 7 ? b & 0x7f : b;
    }
    return f64[0]!;
  }
  if (DataType.isBool(t)) return bytes[at.i++] === 1;
  const text: number[] = [];
  for (;;) {
    const b = bytes[at.i++]!;
    if (b !== 0) text.push(b);
    else if (bytes[at.i++] === 0xff) text.push(0);
    else break;
  }
  return Buffer.from(text).toString('utf8');
}

/** A column of nested type `t` from rows' images (a null where `valid` says so). */
export function vectorOfImages(
  t: DataType,
  bytes: Uint8Array,
  starts: ArrayLike<number>,
  valid: Uint8Array | undefined,
  rows: number,
): Vector {
  const values = Array.from({ length: rows }, (_, i) => (valid && !valid[i] ? null : valueFromImage(bytes, { i: starts[i]! }, t)));
  return vectorFromArray(values, t);
}

import v8 from 'node:v8';
import type { EmitKey } from '../job/types.js';
import { TYPED_ARRAYS } from '../util/typed-arrays.js';

/**
 * Compact, transferable encodings of (key, value) lists. Numbers go into Float64Arrays, string keys
 * into one UTF-8 buffer, fixed-width number tuples into one Float64Array, tuples of numbers followed
 * by Float64Arrays (groupby's slots and median value lists) into one Float64Array for the numbers and
 * one per list position for every value's items; typed arrays of one class (and Buffers) into one
 * buffer of their bytes, each copied out again when decoded; records and arrays of one width column
 * by column, each column encoded as above; anything else is serialized with v8's structured-clone
 * format. Every buffer is owned, so it can be transferred, except the lists' items and the typed
 * arrays' bytes, which are shared memory from the start (they are shared with the reducers anyway).
 */
export type EncodedKeys = { kind: 'num'; data: Float64Array } | { kind: 'str'; bytes: Uint8Array } | { kind: 'any'; bytes: Uint8Array };

export type EncodedValues =
  | { kind: 'num'; data: Float64Array }
  | { kind: 'tuple'; width: number; data: Float64Array }
  | { kind: 'lists'; width: number; columns: NumberColumn[] }
  | { kind: 'records'; names: string[]; columns: EncodedValues[] }
  | { kind: 'arrays'; width: number; columns: EncodedValues[] }
  | { kind: 'typed'; type: TypedName; of: Float64Array; lengths: Float64Array; bytes: Uint8Array }
  | { kind: 'any'; bytes: Uint8Array };

/** One Float64Array of an encoding. */
type NumberColumn = { kind: 'num'; data: Float64Array };

/** One partition of a task's output: `count` keys and their values, in the same order. */
export interface EncodedPairs {
  count: number;
  keys: EncodedKeys;
  values: EncodedValues;
}

const SEP = '\u0000';

/** Encodes parallel arrays of keys and values. */
export function encodePairs(keys: EmitKey[], values: unknown[]): EncodedPairs {
  return { count: keys.length, keys: encodeKeys(keys), values: encodeValues(values) };
}

/** Decodes what `encodePairs` made. */
export function decodePairs(p: EncodedPairs): { keys: EmitKey[]; values: unknown[] } {
  return { keys: decodeKeys(p.keys, p.count), values: decodeValues(p.values, p.count) };
}

/** The buffers of an encoding, to pass as a transfer list. */
export function transferablesOf(p: EncodedPairs): ArrayBuffer[] {
  return leavesOf(p).flatMap((l) => (l.buffer instanceof SharedArrayBuffer ? [] : [l.buffer as ArrayBuffer]));
}

/** Bytes an encoding moves between threads. */
export function byteSizeOf(p: EncodedPairs): number {
  return leavesOf(p).reduce((n, l) => n + l.byteLength, 0);
}

/** Every buffer of an encoding: its Float64Arrays and Uint8Arrays, whatever kind holds them, at any depth. */
export function leavesOf(p: EncodedPairs): Array<Float64Array | Uint8Array> {
  const out: Array<Float64Array | Uint8Array> = [];
  const walk = (x: unknown): void => {
    if (x instanceof Float64Array || x instanceof Uint8Array) out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(p);
  return out;
}

function encodeKeys(keys: EmitKey[]): EncodedKeys {
  let nums = true;
  let strs = true;
  for (const k of keys) {
    if (typeof k === 'number') strs = false;
    else if (typeof k === 'string') {
      nums = false;
      if (k.includes(SEP)) strs = false;
    } else nums = strs = false;
  }
  if (nums) return { kind: 'num', data: Float64Array.from(keys as number[]) };
  if (strs) return { kind: 'str', bytes: ownedBytes(Buffer.from(keys.join(SEP), 'utf8')) };
  return { kind: 'any', bytes: ownedBytes(v8.serialize(keys)) };
}

function decodeKeys(k: EncodedKeys, count: number): EmitKey[] {
  if (count === 0) return [];
  switch (k.kind) {
    case 'num':
      return Array.from(k.data);
    case 'str':
      return Buffer.from(k.bytes.buffer, k.bytes.byteOffset, k.bytes.byteLength).toString('utf8').split(SEP);
    case 'any':
      return v8.deserialize(Buffer.from(k.bytes.buffer, k.bytes.byteOffset, k.bytes.byteLength)) as EmitKey[];
  }
}

function encodeValues(values: unknown[]): EncodedValues {
  if (values.every((v) => typeof v === 'number')) return { kind: 'num', data: Float64Array.from(values as number[]) };
  const first = values[0];
  const names = isRecord(first) ? Object.keys(first) : undefined;
  if (names && values.every((v) => isRecord(v) && sameKeys(v, names))) {
    return { kind: 'records', names, columns: names.map((n) => encodeValues(values.map((v) => (v as Record<string, unknown>)[n]))) };
  }
  if (Array.isArray(first)) {
    const width = first.length;
    if (values.every((v) => Array.isArray(v) && v.length === width && v.every((x) => typeof x === 'number'))) {
      const data = new Float64Array(values.length * width);
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number[];
        for (let j = 0; j < width; j++) data[i * width + j] = v[j]!;
      }
      return { kind: 'tuple', width, data };
    }
    const lists = listsOf(values, first as unknown[]);
    if (lists) return lists;
    // Arrays of one width whose every element is an object (typed arrays, records: q10's codes and
    // spelled values per key part) column by column; other arrays keep v8's format, holes and all.
    const objects = (v: unknown) => Array.isArray(v) && v.length === width && v.every((x) => typeof x === 'object' && x !== null);
    if (width > 0 && values.every(objects)) {
      return {
        kind: 'arrays',
        width,
        columns: Array.from({ length: width }, (_, j) => encodeValues(values.map((v) => (v as unknown[])[j]))),
      };
    }
  }
  const type = typedNameOf(first);
  if (type !== undefined && values.every((v) => typedNameOf(v) === type)) return typedOf(values as ArrayBufferView[], type);
  return { kind: 'any', bytes: ownedBytes(v8.serialize(values)) };
}

/** The typed array classes the `typed` encoding carries (a Buffer comes back a Buffer, as v8's format gives it). */
const TYPED = { ...TYPED_ARRAYS, Buffer };
type TypedName = keyof typeof TYPED;

/** `v`'s class among TYPED, or undefined (a DataView, a subclass, anything else). */
function typedNameOf(v: unknown): TypedName | undefined {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return undefined;
  if (Buffer.isBuffer(v)) return 'Buffer';
  const name = v.constructor.name as TypedName;
  return TYPED[name] === v.constructor ? name : undefined;
}

/**
 * Typed arrays of one class as their bytes one after another (each from an 8-byte boundary) in shared
 * memory: each distinct array once (`lengths`, its byte length), and which one each value is (`of`),
 * so an array several values hold (a worker's buckets share its key parts' spelled values) travels once
 * and comes back one object, as v8's format keeps it. That format wrote each array through a host-object
 * call, and the whole was then copied into shared memory: q10's partials (10M groups' codes, key parts
 * and slots) spent ~1 s of each worker in the two.
 */
function typedOf(values: ArrayBufferView[], type: TypedName): EncodedValues {
  const of = new Float64Array(values.length);
  const seen = new Map<ArrayBufferView, number>();
  const distinct: ArrayBufferView[] = [];
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let u = seen.get(v);
    if (u === undefined) {
      seen.set(v, (u = distinct.length));
      distinct.push(v);
      total += padded(v.byteLength);
    }
    of[i] = u;
  }
  const lengths = new Float64Array(distinct.length);
  const bytes = new Uint8Array(new SharedArrayBuffer(total));
  for (let u = 0, at = 0; u < distinct.length; at += padded(lengths[u]!), u++) {
    const v = distinct[u]!;
    lengths[u] = v.byteLength;
    bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
  }
  return { kind: 'typed', type, of, lengths, bytes };
}

/** `n` rounded up to a multiple of 8. */
const padded = (n: number) => (n + 7) & ~7;

/**
 * Arrays of `width` numbers then the same number of Float64Arrays each (groupby's slots, then a
 * median's values): the numbers as a tuple column, and per list position the lists' lengths and all
 * their items in one array. One copy of the items where v8's serializer made two (its buffer, then
 * an unaligned read back), and the reader views them instead of copying (q6, 10M values: 160 ms of
 * encoding and 240 of decoding and merging in two workers and a reducer, before).
 */
function listsOf(values: unknown[], first: unknown[]): EncodedValues | undefined {
  const size = first.length;
  let width = 0;
  while (width < size && typeof first[width] === 'number') width++;
  if (width === size) return undefined;
  const count = values.length;
  const totals = new Array<number>(size - width).fill(0);
  for (const v of values) {
    if (!Array.isArray(v) || v.length !== size) return undefined;
    for (let j = 0; j < width; j++) if (typeof v[j] !== 'number') return undefined;
    for (let j = width; j < size; j++) {
      const list: unknown = v[j];
      if (!(list instanceof Float64Array)) return undefined;
      totals[j - width]! += list.length;
    }
  }
  const data = new Float64Array(count * width);
  const columns: NumberColumn[] = [{ kind: 'num', data }];
  for (let i = 0; i < count; i++) {
    const v = values[i] as number[];
    for (let j = 0; j < width; j++) data[i * width + j] = v[j]!;
  }
  totals.forEach((total, l) => {
    const lengths = new Float64Array(count);
    // Shared from the start: a map task's partitions are shared with the reducers (share-pairs.ts), which then copies nothing.
    const items = new Float64Array(new SharedArrayBuffer(total * 8));
    let at = 0;
    for (let i = 0; i < count; i++) {
      const list = (values[i] as unknown[])[width + l] as Float64Array;
      items.set(list, at);
      at += lengths[i] = list.length;
    }
    columns.push({ kind: 'num', data: lengths }, { kind: 'num', data: items });
  });
  return { kind: 'lists', width, columns };
}

function decodeValues(v: EncodedValues, count: number): unknown[] {
  switch (v.kind) {
    case 'num':
      return Array.from(v.data);
    case 'tuple': {
      const { width, data } = v;
      const out = new Array<number[]>(count);
      for (let i = 0; i < count; i++) {
        const t = new Array<number>(width);
        for (let j = 0; j < width; j++) t[j] = data[i * width + j]!;
        out[i] = t;
      }
      return out;
    }
    case 'lists': {
      // The lists view the items (no copy): a reader that reorders one must copy it first.
      const { width, columns } = v;
      const data = columns[0]!.data;
      const out = new Array<unknown[]>(count);
      for (let i = 0; i < count; i++) {
        const t = new Array<unknown>(width + (columns.length - 1) / 2);
        for (let j = 0; j < width; j++) t[j] = data[i * width + j]!;
        out[i] = t;
      }
      for (let c = 1; c < columns.length; c += 2) {
        const lengths = columns[c]!.data;
        const items = columns[c + 1]!.data;
        const j = width + (c - 1) / 2;
        let at = 0;
        for (let i = 0; i < count; i++) {
          out[i]![j] = items.subarray(at, at + lengths[i]!);
          at += lengths[i]!;
        }
      }
      return out;
    }
    case 'arrays': {
      const cols = v.columns.map((c) => decodeValues(c, count));
      return Array.from({ length: count }, (_, i) => cols.map((c) => c[i]));
    }
    case 'typed': {
      // Each array a copy of its own: a reader may change or keep it, and the shared bytes may be read again (a retried reduce).
      const distinct = new Array<unknown>(v.lengths.length);
      for (let u = 0, at = 0; u < distinct.length; at += padded(v.lengths[u]!), u++) {
        const n = v.lengths[u]!;
        const own = new Uint8Array(n);
        own.set(v.bytes.subarray(at, at + n));
        distinct[u] = v.type === 'Buffer' ? Buffer.from(own.buffer) : new TYPED[v.type](own.buffer);
      }
      return Array.from(v.of, (u) => distinct[u]);
    }
    case 'records': {
      const cols = v.columns.map((c) => decodeValues(c, count));
      const out = new Array<Record<string, unknown>>(count);
      for (let i = 0; i < count; i++) {
        const row: Record<string, unknown> = {};
        for (let j = 0; j < v.names.length; j++) row[v.names[j]!] = cols[j]![i];
        out[i] = row;
      }
      return out;
    }
    case 'any':
      return v8.deserialize(Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength)) as unknown[];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function sameKeys(v: Record<string, unknown>, names: string[]): boolean {
  let n = 0;
  for (const k in v) {
    if (k !== names[n]) return false;
    n++;
  }
  return n === names.length;
}

/** Serializes any structured-clonable value into an owned, transferable buffer. */
export function serializeValue(value: unknown): Uint8Array {
  return ownedBytes(v8.serialize(value));
}

/** Reverses `serializeValue`. */
export function deserializeValue(bytes: Uint8Array): unknown {
  return v8.deserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** A Uint8Array that owns its whole ArrayBuffer (Node may hand out views into a shared pool). */
function ownedBytes(b: Uint8Array): Uint8Array {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer)) return b;
  const own = new Uint8Array(b.byteLength);
  own.set(b);
  return own;
}

/** The accumulator of a fold task's output, however it was sent (serialized, or cloned with moved buffers). */
export function foldValue(out: { acc?: Uint8Array; value?: unknown }): unknown {
  return out.acc ? deserializeValue(out.acc) : out.value;
}

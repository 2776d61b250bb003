import v8 from 'node:v8';
import type { Key } from '../job/types.js';

/**
 * Compact, transferable encodings of (key, value) lists. Numbers go into Float64Arrays, string keys
 * into one UTF-8 buffer, fixed-width number tuples into one Float64Array; anything else is
 * serialized with v8's structured-clone format. Every buffer is owned, so it can be transferred.
 */
export type EncodedKeys =
  | { kind: 'num'; data: Float64Array }
  | { kind: 'str'; bytes: Uint8Array }
  | { kind: 'any'; bytes: Uint8Array };

export type EncodedValues =
  | { kind: 'num'; data: Float64Array }
  | { kind: 'tuple'; width: number; data: Float64Array }
  | { kind: 'any'; bytes: Uint8Array };

/** One partition of a task's output: `count` keys and their values, in the same order. */
export interface EncodedPairs {
  count: number;
  keys: EncodedKeys;
  values: EncodedValues;
}

const SEP = '\u0000';

/** Encodes parallel arrays of keys and values. */
export function encodePairs(keys: Key[], values: unknown[]): EncodedPairs {
  return { count: keys.length, keys: encodeKeys(keys), values: encodeValues(values) };
}

/** Decodes what `encodePairs` made. */
export function decodePairs(p: EncodedPairs): { keys: Key[]; values: unknown[] } {
  return { keys: decodeKeys(p.keys, p.count), values: decodeValues(p.values, p.count) };
}

/** The buffers of an encoding, to pass as a transfer list. */
export function transferablesOf(p: EncodedPairs): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const part of [p.keys, p.values]) out.push(('data' in part ? part.data : part.bytes).buffer as ArrayBuffer);
  return out;
}

/** Bytes an encoding moves between threads. */
export function byteSizeOf(p: EncodedPairs): number {
  let n = 0;
  for (const part of [p.keys, p.values]) n += ('data' in part ? part.data : part.bytes).byteLength;
  return n;
}

function encodeKeys(keys: Key[]): EncodedKeys {
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

function decodeKeys(k: EncodedKeys, count: number): Key[] {
  if (count === 0) return [];
  switch (k.kind) {
    case 'num':
      return Array.from(k.data);
    case 'str':
      return Buffer.from(k.bytes.buffer, k.bytes.byteOffset, k.bytes.byteLength).toString('utf8').split(SEP);
    case 'any':
      return v8.deserialize(Buffer.from(k.bytes.buffer, k.bytes.byteOffset, k.bytes.byteLength)) as Key[];
  }
}

function encodeValues(values: unknown[]): EncodedValues {
  if (values.every((v) => typeof v === 'number')) return { kind: 'num', data: Float64Array.from(values as number[]) };
  const first = values[0];
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
  }
  return { kind: 'any', bytes: ownedBytes(v8.serialize(values)) };
}

function decodeValues(v: EncodedValues, count: number): unknown[] {
  switch (v.kind) {
    case 'num':
      return Array.from(v.data);
    case 'tuple': {
      const out = new Array<number[]>(count);
      for (let i = 0; i < count; i++) out[i] = Array.from(v.data.subarray(i * v.width, (i + 1) * v.width));
      return out;
    }
    case 'any':
      return v8.deserialize(Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength)) as unknown[];
  }
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

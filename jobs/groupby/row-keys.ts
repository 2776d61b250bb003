import type { KeyPart } from './types.js';

/**
 * A group's key as bytes: the key parts one after another, each a tag byte and its value, one
 * spelling per value (canonical), so two workers that met the same key make the same bytes, and
 * equal bytes are equal keys. What groups' partials carry between threads (partials.ts) and what the
 * reducers hash (ByteKeys) instead of a JS string per group: a string per group and its Map lookup
 * were most of the time of a run with millions of groups (db-benchmark q10: 10M groups from 10M rows).
 *
 *   tag  value
 *   0    null
 *   1    a double, 8 bytes little-endian (one NaN)
 *   2    an integer of 32 bits, 4 bytes little-endian (−0 is 0)
 *   3    text of fewer than 255 bytes: its length in 1 byte, then its UTF-8
 *   4    longer text: its length in 4 bytes, then its UTF-8
 */

/**
 * The parts of the keys of a worker's groups, column by column: part j of group g is `values[j][codes[j][g]]`,
 * or `values[j][g]`; `spelled[j]`, when given, is column j's values already spelled (and `values[j]` is not read).
 */
export interface KeyColumns {
  values: KeyPart[][];
  codes: Array<ArrayLike<number> | undefined>;
  spelled?: Array<Spelled | undefined>;
}

const NULL = 0;
const DOUBLE = 1;
const INT = 2;
const SHORT_TEXT = 3;
const LONG_TEXT = 4;

/** The bytes of one key part. */
export function partBytes(v: KeyPart): Uint8Array {
  if (v === null) return Uint8Array.of(NULL);
  if (typeof v === 'number') {
    if ((v | 0) === v) {
      const out = new Uint8Array(5);
      out[0] = INT;
      new DataView(out.buffer).setInt32(1, v, true);
      return out;
    }
    const out = new Uint8Array(9);
    out[0] = DOUBLE;
    new DataView(out.buffer).setFloat64(1, v === v ? v : Number.NaN, true);
    // Every NaN one spelling: a NaN's payload bits may be anything.
    if (v !== v) out.set([0, 0, 0, 0, 0, 0, 0xf8, 0x7f], 1);
    return out;
  }
  const text = Buffer.from(v, 'utf8');
  const short = text.length < 255;
  const out = new Uint8Array((short ? 2 : 5) + text.length);
  out[0] = short ? SHORT_TEXT : LONG_TEXT;
  if (short) out[1] = text.length;
  else new DataView(out.buffer).setUint32(1, text.length, true);
  out.set(text, short ? 2 : 5);
  return out;
}

/**
 * The parts of the keys of groups 0 … n − 1, ready to be written as bytes: each column's distinct
 * values spelled once into one buffer (`spelled[j]`: an uncoded column's values each once), and each
 * group's code among them per column (`codes[j][g]`). A group's key is then its parts' spellings one
 * after another, which partials.ts copies straight into the group's bucket.
 */
export function spelledParts(columns: KeyColumns, n: number): { spelled: Spelled[]; codes: Int32Array[] } {
  const identity = columns.codes.some((c) => c === undefined) ? Int32Array.from({ length: n }, (_, g) => g) : undefined;
  return {
    spelled: columns.values.map((values, j) => columns.spelled?.[j] ?? spellingsOf(values)),
    codes: columns.codes.map((c) => (c === undefined ? identity! : c instanceof Int32Array ? c : Int32Array.from(c))),
  };
}

/**
 * Text values spelled one after another from their UTF-8 bytes, as `spellingsOf` spells their strings:
 * value v's bytes are `bytes[ends[v − 1], ends[v])` (from 0 for the first). The caller makes sure the
 * bytes are valid UTF-8, which a string would spell the same; a byte loop per value, as values are short.
 */
export function textSpellings(bytes: Uint8Array, ends: Int32Array): Spelled {
  const n = ends.length;
  const offsets = new Int32Array(n + 1);
  for (let v = 0, start = 0; v < n; start = ends[v]!, v++) {
    const len = ends[v]! - start;
    offsets[v + 1] = offsets[v]! + (len < 255 ? 2 : 5) + len;
  }
  const out = Buffer.allocUnsafe(offsets[n]!);
  for (let v = 0, start = 0; v < n; start = ends[v]!, v++) {
    const len = ends[v]! - start;
    let at = offsets[v]!;
    if (len < 255) {
      out[at] = SHORT_TEXT;
      out[at + 1] = len;
      at += 2;
    } else {
      out[at] = LONG_TEXT;
      out.writeUInt32LE(len, at + 1);
      at += 5;
    }
    for (let k = 0; k < len; k++) out[at + k] = bytes[start + k]!;
  }
  return { bytes: out, offsets };
}

/** Values spelled one after another: value v is `bytes[offsets[v], offsets[v + 1])`. */
export interface Spelled {
  bytes: Uint8Array;
  offsets: Int32Array;
}

/**
 * Key parts spelled one after another: `bytes`, and where each starts (one offset more than values).
 * Text is written straight into the one buffer: a Buffer per value (partBytes) cost three allocations
 * each, which q3's 100K distinct keys per worker felt.
 */
function spellingsOf(values: KeyPart[]): Spelled {
  const offsets = new Int32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // A null 1 byte, an integer 5, a double 9, text its length's and its bytes (partBytes' spellings).
    if (typeof v === 'string') {
      const len = Buffer.byteLength(v, 'utf8');
      offsets[i + 1] = offsets[i]! + (len < 255 ? 2 : 5) + len;
    } else offsets[i + 1] = offsets[i]! + (v === null ? 1 : (v | 0) === v ? 5 : 9);
  }
  const bytes = Buffer.allocUnsafe(offsets[values.length]!);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const at = offsets[i]!;
    // Numbers in place: partBytes' arrays per value were 75 ms of a worker's q5 (100K id6 values).
    if (typeof v === 'number' && (v | 0) === v) {
      bytes[at] = INT;
      bytes.writeInt32LE(v, at + 1);
    } else if (typeof v !== 'string') bytes.set(partBytes(v), at);
    else if (offsets[i + 1]! - at - 2 < 255) {
      bytes[at] = SHORT_TEXT;
      bytes[at + 1] = offsets[i + 1]! - at - 2;
      bytes.write(v, at + 2, 'utf8');
    } else {
      bytes[at] = LONG_TEXT;
      bytes.writeUInt32LE(offsets[i + 1]! - at - 5, at + 1);
      bytes.write(v, at + 5, 'utf8');
    }
  }
  return { bytes, offsets };
}

/** The key parts of the keys `bytes[offsets[g] …]`, g < n, column by column (K parts each). */
export function keyPartsOf(bytes: Uint8Array, offsets: Int32Array, n: number, K: number): KeyPart[][] {
  const columns = Array.from({ length: K }, () => new Array<KeyPart>(n));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let g = 0; g < n; g++) {
    let at = offsets[g]!;
    for (let j = 0; j < K; j++) {
      const tag = bytes[at]!;
      if (tag === NULL) {
        columns[j]![g] = null;
        at += 1;
      } else if (tag === INT) {
        columns[j]![g] = view.getInt32(at + 1, true);
        at += 5;
      } else if (tag === DOUBLE) {
        columns[j]![g] = view.getFloat64(at + 1, true);
        at += 9;
      } else {
        const short = tag === SHORT_TEXT;
        const len = short ? bytes[at + 1]! : view.getUint32(at + 1, true);
        const start = at + (short ? 2 : 5);
        columns[j]![g] = text.toString('utf8', start, start + len);
        at = start + len;
      }
    }
  }
  return columns;
}

/**
 * Single-part keys `bytes[offsets[g] …]` (g < n) that are all text or null, as a Utf8 column's buffers:
 * the UTF-8 copied as it is, no JS string per value. Undefined when a key is a number, or none is text.
 */
export function textPartsOf(bytes: Uint8Array, offsets: Int32Array, n: number): TextParts | undefined {
  let size = 0;
  let nulls = 0;
  for (let g = 0; g < n; g++) {
    const tag = bytes[offsets[g]!]!;
    if (tag === NULL) nulls++;
    else if (tag === SHORT_TEXT || tag === LONG_TEXT) size += offsets[g + 1]! - offsets[g]! - (tag === SHORT_TEXT ? 2 : 5);
    else return undefined;
  }
  if (nulls === n) return undefined;
  const data = new Uint8Array(size);
  const ends = new Int32Array(n + 1);
  const valid = new Uint8Array((n + 7) >> 3);
  let at = 0;
  for (let g = 0; g < n; g++) {
    const from = offsets[g]!;
    const tag = bytes[from]!;
    if (tag !== NULL) {
      valid[g >> 3]! |= 1 << (g & 7);
      for (let k = from + (tag === SHORT_TEXT ? 2 : 5); k < offsets[g + 1]!; k++) data[at++] = bytes[k]!;
    }
    ends[g + 1] = at;
  }
  return { data, offsets: ends, valid, nulls };
}

/** A Utf8 column's buffers: `data`, each value's `offsets` (n + 1), the validity bitmap and the nulls in it. */
export interface TextParts {
  data: Uint8Array;
  offsets: Int32Array;
  valid: Uint8Array;
  nulls: number;
}

/** Where part j of each key `bytes[offsets[g] …]` starts and ends (g < n), column by column. */
export function partRanges(bytes: Uint8Array, offsets: Int32Array, n: number, K: number): Array<{ starts: Int32Array; ends: Int32Array }> {
  const ranges = Array.from({ length: K }, () => ({ starts: new Int32Array(n), ends: new Int32Array(n) }));
  for (let g = 0; g < n; g++) {
    let at = offsets[g]!;
    for (let j = 0; j < K; j++) {
      const r = ranges[j]!;
      r.starts[g] = at;
      const tag = bytes[at]!;
      if (tag === NULL) at += 1;
      else if (tag === INT) at += 5;
      else if (tag === DOUBLE) at += 9;
      else if (tag === SHORT_TEXT) at += 2 + bytes[at + 1]!;
      else at += 5 + (bytes[at + 1]! | (bytes[at + 2]! << 8) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 24));
      r.ends[g] = at;
    }
  }
  return ranges;
}

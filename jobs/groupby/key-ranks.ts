import { DataType, makeData, makeVector, type Vector } from 'apache-arrow';

/**
 * Ranks of a pass's distinct key values (nulls last) without a JS value per key where the values
 * allow it: a single key column with millions of distinct values (a user id) has as many distinct
 * values as groups, and ranking them as JS strings or BigInts was most of the run. Measured on 10M
 * rows with 5M distinct keys at 2 workers: an Int64 key's BigInts in a Map and a comparator sort took
 * 14.8 s of the main thread (DuckDB's whole query 1.4 s).
 */

/** Most bytes of a text value `textRanksOfBytes` sorts by its radix passes; longer values take the string sort. */
const RADIX_BYTES = 32;

/**
 * Each value's rank among the distinct values of a one-chunk Utf8 column (nulls last), in the order of
 * JS's `<` on strings (UTF-16 code units), by an LSD radix sort of the values' bytes: each value's
 * bytes packed big-endian into W 32-bit words (zero-padded) and its length, sorted 16 bits a pass from
 * the length (the least significant: a value that is a prefix of a longer one comes first) to the
 * first word's high half, the words carried along so every pass reads in order (a pass that read each
 * value's bytes through its index waited on memory at every value: ~1.1 µs a value for 5M). Passes
 * whose digit is the same for every value (a common prefix, padding) are skipped. UTF-8 bytes order
 * as UTF-16 code units do unless a value has a byte of 0xEE or more (U+E000 and above, where
 * supplementary characters' surrogates sort before them): undefined then, and for values longer than
 * RADIX_BYTES, for the caller's string sort.
 */
export function textRanksOfBytes(vector: Vector): Int32Array | undefined {
  if (vector.data.length !== 1) return undefined;
  const data = vector.data[0]!;
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const m = data.length;
  const valid = (i: number) => data.nullCount === 0 || data.getValid(i);
  let longest = 0;
  for (let i = 0; i < m; i++) if (offsets[i + 1]! - offsets[i]! > longest) longest = offsets[i + 1]! - offsets[i]!;
  if (longest > RADIX_BYTES) return undefined;
  for (let k = offsets[0]!, end = offsets[m]!; k < end; k++) if (bytes[k]! >= 0xee) return undefined;
  // Row k of the sort: its value's index, length and W words.
  const W = Math.max(1, (longest + 3) >> 2);
  let index = new Int32Array(m);
  let length = new Int32Array(m);
  let words = new Uint32Array(m * W);
  let present = 0;
  for (let i = 0; i < m; i++) {
    if (!valid(i)) continue;
    const start = offsets[i]!;
    const len = offsets[i + 1]! - start;
    index[present] = i;
    length[present] = len;
    for (let b = 0; b < len; b++) words[present * W + (b >> 2)]! |= bytes[start + b]! << (24 - 8 * (b & 3));
    present++;
  }
  let index2 = new Int32Array(present);
  let length2 = new Int32Array(present);
  let words2 = new Uint32Array(present * W);
  const starts = new Int32Array((1 << 16) + 1);
  // Digit d of pass p: p = 0 the length, then word w's low half and high half, last word first.
  const digitOf = (k: number, pass: number): number => {
    if (pass === 0) return length[k]!;
    const w = W - 1 - ((pass - 1) >> 1);
    const word = words[k * W + w]!;
    return (pass - 1) & 1 ? word >>> 16 : word & 0xffff;
  };
  for (let pass = 0; pass <= 2 * W; pass++) {
    starts.fill(0);
    for (let k = 0; k < present; k++) starts[digitOf(k, pass) + 1]!++;
    if (present === 0 || starts[digitOf(0, pass) + 1] === present) continue;
    for (let d = 0; d < 1 << 16; d++) starts[d + 1]! += starts[d]!;
    for (let k = 0; k < present; k++) {
      const to = starts[digitOf(k, pass)]!++;
      index2[to] = index[k]!;
      length2[to] = length[k]!;
      for (let w = 0; w < W; w++) words2[to * W + w] = words[k * W + w]!;
    }
    [index, index2] = [index2, index];
    [length, length2] = [length2, length];
    [words, words2] = [words2, words];
  }
  const ranks = new Int32Array(m);
  let r = -1;
  for (let k = 0; k < present; k++) {
    // Distinct bytes are distinct values; equal ones (not expected in a dictionary) share a rank.
    let same = k > 0 && length[k] === length[k - 1];
    for (let w = 0; same && w < W; w++) same = words[k * W + w] === words[(k - 1) * W + w];
    if (!same) r++;
    ranks[index[k]!] = r;
  }
  for (let i = 0; i < m; i++) if (!valid(i)) ranks[i] = r + 1;
  return ranks;
}

const TWO32 = 2 ** 32;

/**
 * A column of a type stored as 64-bit integers (Int64, UInt64, timestamps, Date64, Time64, durations)
 * from a pass's distinct values that all came as numbers (safe integers: a Float64 column, nulls
 * allowed), written as two 32-bit words a value, and the values as numbers (null for a null) to rank.
 * Undefined for any other type or layout, which the caller handles through BigInts.
 */
export function int64Values(vector: Vector | null, type: DataType): { vector: Vector; numbers: Array<number | null> } | undefined {
  if (vector === null || !DataType.isFloat(vector.type) || vector.data.length !== 1 || DataType.isDecimal(type)) return undefined;
  const ArrayType = (type as unknown as { ArrayType?: unknown }).ArrayType;
  if (ArrayType !== BigInt64Array && ArrayType !== BigUint64Array) return undefined;
  const data = vector.data[0]!;
  const values = data.values as Float64Array;
  const m = data.length;
  const numbers = new Array<number | null>(m);
  const words = new Int32Array(2 * m);
  for (let i = 0; i < m; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) {
      numbers[i] = null;
      continue;
    }
    const v = values[i]!;
    if (!Number.isSafeInteger(v) || (ArrayType === BigUint64Array && v < 0)) return undefined;
    numbers[i] = v;
    const hi = Math.floor(v / TWO32);
    words[2 * i] = (v - hi * TWO32) | 0;
    words[2 * i + 1] = hi;
  }
  const out = new (ArrayType as typeof BigInt64Array)(words.buffer);
  const nullBitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  return { vector: makeVector(makeData({ type, length: m, nullCount: data.nullCount, nullBitmap, data: out } as never)), numbers };
}

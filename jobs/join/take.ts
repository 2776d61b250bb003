import {
  DataType,
  Table,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Data,
  type RecordBatch,
  Vector,
} from 'apache-arrow';
import type { FoldContext } from 'quiver-engine';
import { isNestedType, takeNested } from '../shared/take-nested.js';

/** Column types stored as fixed-width values (`stride` per row) in one typed array. */
const FIXED = [
  DataType.isInt,
  DataType.isFloat,
  DataType.isDate,
  DataType.isTime,
  DataType.isTimestamp,
  DataType.isDuration,
  DataType.isDecimal,
  DataType.isInterval,
  DataType.isFixedSizeBinary,
];

/**
 * Rows `rows` of a column (−1 for a null row), in that order, as a one-chunk vector of the same type:
 * fixed-width and Utf8/Binary columns by copying their buffers, other types through their JS values
 * (a dictionary column comes out as its decoded values, so chunks from different batches concatenate).
 *
 * `order` is the order to read the rows in (positions in `rows`; default first to last). Reading a
 * large column at random rows waits on memory for nearly every row; `readOrder(rows)` reads it from
 * low rows to high, and each value is written to its place in the output, which is small.
 */
export function take(vector: Vector, rows: Int32Array, order?: Int32Array): Vector {
  const n = rows.length;
  const type = vector.type;
  const fixed = FIXED.some((is) => is(type));
  if (vector.data.length > 0 && isNestedType(type)) return makeVector(takeNested(vector.data, rows, take));
  if (vector.data.length === 0 || !(fixed || DataType.isUtf8(type) || DataType.isBinary(type))) {
    const values = Array.from(rows, (r) => (r < 0 ? null : vector.get(r)));
    return vectorFromArray(values, DataType.isDictionary(type) ? type.dictionary : type);
  }
  const parts = partsOf(vector.data, rows, order ?? identity(n));
  const valid = new Uint8Array((n + 7) >> 3);
  let nullCount = n;
  for (const p of parts) nullCount -= setValid(valid, p);
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? valid : undefined };
  if (fixed) {
    // Values are copied as 32-, 16- or 8-bit words whatever their type, so the loop sees few array kinds.
    const values = parts[0]!.data.values as Data['values'];
    const bytes = values.BYTES_PER_ELEMENT * parts[0]!.data.stride;
    const Word = bytes % 4 === 0 ? Int32Array : bytes % 2 === 0 ? Uint16Array : Uint8Array;
    const out = new Word((n * bytes) / Word.BYTES_PER_ELEMENT);
    for (const p of parts) copyWords(out, wordsOf(p.data, Word), bytes / Word.BYTES_PER_ELEMENT, p);
    const data = new (values.constructor as new (b: ArrayBuffer) => Data['values'])(out.buffer);
    return makeVector(makeData({ ...base, data } as never));
  }
  // Each value's length at its place, then their running sum: the output offsets.
  const offsets = new Int32Array(n + 1);
  for (const p of parts) textLengths(offsets, p);
  let total = 0;
  for (let i = 1; i <= n; i++) offsets[i] = total += offsets[i]!;
  if (total > 0x7fffffff)
    throw new RangeError(
      `${total} bytes of text in one column of one chunk, past Arrow's 2 GB for Utf8 and Binary; use smaller splits or --batch-rows`,
    );
  const data = new Uint8Array(total);
  for (const p of parts) copyText(data, offsets, p);
  return makeVector(makeData({ ...base, valueOffsets: offsets, data } as never));
}

/** Rows of one chunk to take: row `at[i]` of `data` goes to output position i, for each i of `positions`, read in that order. */
interface Part {
  data: Data;
  at: Int32Array;
  positions: Int32Array;
}

/** The rows of each chunk, as Parts (null rows in none), the positions of each in `order`. */
function partsOf(chunks: readonly Data[], rows: Int32Array, order: Int32Array): Part[] {
  const n = rows.length;
  if (chunks.length === 1)
    return [{ data: chunks[0]!, at: rows, positions: rows.includes(-1) ? order.filter((i) => rows[i]! >= 0) : order }];
  const starts: number[] = [];
  chunks.reduce((s, d) => (starts.push(s), s + d.length), 0);
  // Each row's chunk (−1 for a null row) and its index there.
  const chunk = new Int32Array(n);
  const at = new Int32Array(n);
  const count = new Int32Array(chunks.length);
  for (let i = 0, c = 0; i < n; i++) {
    const r = rows[i]!;
    if (r < 0) {
      chunk[i] = -1;
      continue;
    }
    // Rows mostly come in order: try the chunk of the row before first.
    if (r < starts[c]! || r >= starts[c]! + chunks[c]!.length) c = chunkHolding(starts, r);
    chunk[i] = c;
    at[i] = r - starts[c]!;
    count[c]!++;
  }
  const positions = chunks.map((_, c) => new Int32Array(count[c]!));
  const filled = new Int32Array(chunks.length);
  for (let k = 0; k < n; k++) {
    const c = chunk[order[k]!]!;
    if (c >= 0) positions[c]![filled[c]!++] = order[k]!;
  }
  return chunks.map((data, c) => ({ data, at, positions: positions[c]! }));
}

/** Sets the validity bits of a part's positions from its chunk's bitmap; returns how many it set. */
function setValid(valid: Uint8Array, { data, at, positions }: Part): number {
  // Straight from the bitmap: Data.getValid costs a type check per call.
  const bits = data.nullCount > 0 ? data.nullBitmap : undefined;
  let set = 0;
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    const bit = bits === undefined ? 1 : (bits[(data.offset + at[i]!) >> 3]! >> ((data.offset + at[i]!) & 7)) & 1;
    valid[i >> 3]! |= bit << (i & 7);
    set += bit;
  }
  return set;
}

/** A chunk's fixed-width values as words of type `Word`. */
function wordsOf(data: Data, Word: typeof Int32Array | typeof Uint16Array | typeof Uint8Array): Int32Array | Uint16Array | Uint8Array {
  const v = data.values as Data['values'];
  return new Word(v.buffer, v.byteOffset, (v.length * v.BYTES_PER_ELEMENT) / Word.BYTES_PER_ELEMENT);
}

/** Copies each position's value, `w` words, from `from` into `out`. */
function copyWords(
  out: Int32Array | Uint16Array | Uint8Array,
  from: Int32Array | Uint16Array | Uint8Array,
  w: number,
  { at, positions }: Part,
): void {
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    for (let j = 0, src = at[i]! * w, dst = i * w; j < w; j++) out[dst + j] = from[src + j]!;
  }
}

/** Writes each position's value length at `offsets[i + 1]`. */
function textLengths(offsets: Int32Array, { data, at, positions }: Part): void {
  const ends = data.valueOffsets as Int32Array;
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    offsets[i + 1] = ends[at[i]! + 1]! - ends[at[i]!]!;
  }
}

/** Copies each position's bytes to `out` at `offsets[i]`. */
function copyText(out: Uint8Array, offsets: Int32Array, { data, at, positions }: Part): void {
  const ends = data.valueOffsets as Int32Array;
  const from = data.values as Uint8Array;
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    // A byte loop: most values are short, and a subarray per value costs more than copying it.
    for (let b = ends[at[i]!]!, o = offsets[i]!, end = ends[at[i]! + 1]!; b < end; b++, o++) out[o] = from[b]!;
  }
}

/**
 * The positions of `rows` ordered by row (−1 first), so that reading them in this order goes forward
 * through a column. A counting sort over blocks of rows, about one block per position: rows within a
 * block are near each other in memory, so they need not be sorted among themselves.
 */
export function readOrder(rows: Int32Array): Int32Array {
  const n = rows.length;
  let max = 0;
  for (let i = 0; i < n; i++) if (rows[i]! > max) max = rows[i]!;
  let shift = 0;
  while (max >> shift > n) shift++;
  // Block b + 1 holds rows b << shift … ((b + 1) << shift) − 1; block 0 holds −1 (−1 >> shift is −1).
  const start = new Int32Array((max >> shift) + 3);
  for (let i = 0; i < n; i++) start[(rows[i]! >> shift) + 2]!++;
  for (let b = 2; b < start.length; b++) start[b]! += start[b - 1]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[(rows[i]! >> shift) + 1]!++] = i;
  return order;
}

/** 0, 1, …, n − 1. */
function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** The rows `rows` of every column of a batch; the batch's own columns when that is every row in order. */
export function pick(batch: RecordBatch, rows: Int32Array): Record<string, Vector> {
  const all =
    rows.length === batch.numRows && rows.every((r, i) => r === i) && !batch.schema.fields.some((f) => DataType.isDictionary(f.type));
  return Object.fromEntries(batch.schema.fields.map((f) => [f.name, all ? batch.getChild(f.name)! : take(batch.getChild(f.name)!, rows)]));
}

/** The chunk holding row `r` (≥ 0): the last whose start is at most r; 0 for a null row. */
function chunkHolding(starts: number[], r: number): number {
  let lo = 0;
  for (let hi = starts.length - 1; lo < hi; ) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= r) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows of a join's output made by one task from one batch, as Arrow IPC bytes; `split` and `seq` order them. */
export interface Chunk {
  split: number;
  seq: number;
  ipc: Uint8Array;
}

/**
 * Moves the buffers of these arrays to the coordinator with the task's result (`ctx.transfer`) instead
 * of having them serialized and copied: the bytes of a join's output rows. Only arrays that own their
 * whole buffer go; a view into a bigger buffer is copied as before.
 */
export function moveOut(ctx: FoldContext, ...arrays: ArrayBufferView[]): void {
  ctx.transfer(...arrays.filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength));
}

/** A chunk of the columns of `vectors` (all of one length). */
export function chunkOf(vectors: Record<string, Vector>, split: number, seq: number): Chunk {
  return { split, seq, ipc: tableToIPC(new Table(vectors), 'stream') };
}

/** One table of chunks in input order (split, then seq), into which it sorts `chunks`; undefined if there are none. */
export function tableOfChunks(chunks: Chunk[]): Table | undefined {
  if (chunks.length === 0) return undefined;
  const tables = chunks.sort((a, b) => a.split - b.split || a.seq - b.seq).map((c) => tableFromIPC(c.ipc));
  return new Table(
    tables[0]!.schema,
    tables.flatMap((t) => t.batches),
  );
}

import { DataType, Table, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type Data, type RecordBatch, type Vector } from 'apache-arrow';

/** Column types stored as fixed-width values (`stride` per row) in one typed array. */
const FIXED = [DataType.isInt, DataType.isFloat, DataType.isDate, DataType.isTime, DataType.isTimestamp, DataType.isDuration, DataType.isDecimal, DataType.isInterval, DataType.isFixedSizeBinary];

/**
 * Rows `rows` of a column (−1 for a null row), in that order, as a one-chunk vector of the same type:
 * fixed-width and Utf8/Binary columns by copying their buffers, other types through their JS values
 * (a dictionary column comes out as its decoded values, so chunks from different batches concatenate).
 */
export function take(vector: Vector, rows: Int32Array): Vector {
  const n = rows.length;
  const chunks: readonly Data[] = vector.data;
  // Each row's chunk and its index there (chunk −1 for a null row).
  const chunk = new Int32Array(n);
  const at = chunks.length === 1 ? rows : new Int32Array(n);
  if (chunks.length !== 1) {
    const starts: number[] = [];
    chunks.reduce((s, d) => (starts.push(s), s + d.length), 0);
    for (let i = 0, c = 0; i < n; i++) {
      const r = rows[i]!;
      // Rows mostly come in order: try the chunk of the row before first.
      if (r < starts[c]! || r >= starts[c]! + chunks[c]!.length) c = chunkHolding(starts, r);
      chunk[i] = r < 0 ? -1 : c;
      at[i] = r - starts[c]!;
    }
  } else for (let i = 0; i < n; i++) if (rows[i]! < 0) chunk[i] = -1;
  // Validity straight from the chunks' bitmaps (Data.getValid costs a type check per call).
  const bitmaps = chunks.map((d) => (d.nullCount > 0 ? d.nullBitmap : undefined));
  const offsets = chunks.map((d) => d.offset);
  const valid = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const c = chunk[i]!;
    const bits = bitmaps[c];
    const bit = c < 0 ? 0 : bits === undefined ? 1 : (bits[(offsets[c]! + at[i]!) >> 3]! >> ((offsets[c]! + at[i]!) & 7)) & 1;
    if (bit) valid[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  const type = vector.type;
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? valid : undefined };
  if (chunks.length > 0 && FIXED.some((is) => is(type))) {
    // Values are copied as 32-, 16- or 8-bit words whatever their type, so the loop sees few array kinds.
    const values = chunks.map((d) => d.values as Data['values']);
    const bytes = values[0]!.BYTES_PER_ELEMENT * chunks[0]!.stride;
    const Word = bytes % 4 === 0 ? Int32Array : bytes % 2 === 0 ? Uint16Array : Uint8Array;
    const w = bytes / Word.BYTES_PER_ELEMENT;
    const words = values.map((v) => new Word(v.buffer, v.byteOffset, (v.length * v.BYTES_PER_ELEMENT) / Word.BYTES_PER_ELEMENT));
    const out = new Word(n * w);
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (c < 0) continue;
      const from = words[c]!;
      for (let j = 0, src = at[i]! * w, dst = i * w; j < w; j++) out[dst + j] = from[src + j]!;
    }
    const data = new (values[0]!.constructor as new (b: ArrayBuffer) => Data['values'])(out.buffer);
    return makeVector(makeData({ ...base, data } as never));
  }
  if (chunks.length > 0 && (DataType.isUtf8(type) || DataType.isBinary(type))) {
    const ends = chunks.map((d) => d.valueOffsets as Int32Array);
    const bytes = chunks.map((d) => d.values as Uint8Array);
    const offsetsOut = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      offsetsOut[i + 1] = offsetsOut[i]! + (c < 0 ? 0 : ends[c]![at[i]! + 1]! - ends[c]![at[i]!]!);
    }
    const data = new Uint8Array(offsetsOut[n]!);
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (c < 0) continue;
      const from = bytes[c]!;
      // A byte loop: most values are short, and a subarray per value costs more than copying it.
      for (let b = ends[c]![at[i]!]!, o = offsetsOut[i]!, end = ends[c]![at[i]! + 1]!; b < end; b++, o++) data[o] = from[b]!;
    }
    return makeVector(makeData({ ...base, valueOffsets: offsetsOut, data } as never));
  }
  const values = Array.from(rows, (r) => (r < 0 ? null : vector.get(r)));
  return vectorFromArray(values, DataType.isDictionary(type) ? type.dictionary : type);
}

/** The rows `rows` of every column of a batch; the batch's own columns when that is every row in order. */
export function pick(batch: RecordBatch, rows: Int32Array): Record<string, Vector> {
  const all = rows.length === batch.numRows && rows.every((r, i) => r === i) && !batch.schema.fields.some((f) => DataType.isDictionary(f.type));
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

/** A chunk of the columns of `vectors` (all of one length). */
export function chunkOf(vectors: Record<string, Vector>, split: number, seq: number): Chunk {
  return { split, seq, ipc: tableToIPC(new Table(vectors), 'stream') };
}

/** One table of chunks in input order (split, then seq), into which it sorts `chunks`; undefined if there are none. */
export function tableOfChunks(chunks: Chunk[]): Table | undefined {
  if (chunks.length === 0) return undefined;
  const tables = chunks.sort((a, b) => a.split - b.split || a.seq - b.seq).map((c) => tableFromIPC(c.ipc));
  return new Table(tables[0]!.schema, tables.flatMap((t) => t.batches));
}

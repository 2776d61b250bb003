import { DataType, Table, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type Data, type Vector } from 'apache-arrow';

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
  const chunk = new Int32Array(n).fill(chunks.length === 1 ? 0 : -1);
  const at = chunks.length === 1 ? rows : new Int32Array(n);
  if (chunks.length !== 1) {
    const starts: number[] = [];
    chunks.reduce((s, d) => (starts.push(s), s + d.length), 0);
    rows.forEach((r, i) => {
      if (r < 0) return;
      let c = 0;
      for (let lo = 0, hi = chunks.length - 1; lo <= hi; ) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! <= r) (c = mid), (lo = mid + 1);
        else hi = mid - 1;
      }
      chunk[i] = c;
      at[i] = r - starts[c]!;
    });
  }
  const valid = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const d = chunks[chunk[i]!];
    if (rows[i]! >= 0 && d && (d.nullCount === 0 || d.getValid(at[i]!))) valid[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  const type = vector.type;
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? valid : undefined };
  if (chunks.length > 0 && FIXED.some((is) => is(type))) {
    const stride = chunks[0]!.stride;
    const out = new (chunks[0]!.values.constructor as new (n: number) => Data['values'])(n * stride);
    for (let i = 0; i < n; i++) {
      if (rows[i]! < 0) continue;
      const values = chunks[chunk[i]!]!.values;
      for (let s = 0; s < stride; s++) out[i * stride + s] = values[at[i]! * stride + s];
    }
    return makeVector(makeData({ ...base, data: out } as never));
  }
  if (chunks.length > 0 && (DataType.isUtf8(type) || DataType.isBinary(type))) {
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const o = rows[i]! < 0 ? undefined : (chunks[chunk[i]!]!.valueOffsets as Int32Array);
      offsets[i + 1] = offsets[i]! + (o ? o[at[i]! + 1]! - o[at[i]!]! : 0);
    }
    const bytes = new Uint8Array(offsets[n]!);
    for (let i = 0; i < n; i++) {
      if (rows[i]! < 0) continue;
      const d = chunks[chunk[i]!]!;
      const o = d.valueOffsets as Int32Array;
      bytes.set((d.values as Uint8Array).subarray(o[at[i]!]!, o[at[i]! + 1]!), offsets[i]!);
    }
    return makeVector(makeData({ ...base, valueOffsets: offsets, data: bytes } as never));
  }
  const values = Array.from(rows, (r) => (r < 0 ? null : vector.get(r)));
  return vectorFromArray(values, DataType.isDictionary(type) ? type.dictionary : type);
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

/** One table of chunks in input order (split, then seq); undefined if there are none. */
export function tableOfChunks(chunks: Chunk[]): Table | undefined {
  if (chunks.length === 0) return undefined;
  const tables = [...chunks].sort((a, b) => a.split - b.split || a.seq - b.seq).map((c) => tableFromIPC(c.ipc));
  return new Table(tables[0]!.schema, tables.flatMap((t) => t.batches));
}

import { DataType, Vector, makeData, type Data } from 'apache-arrow';

/**
 * Rows of a nested column (List, LargeList, FixedSizeList, Struct, Map) gathered at the Arrow level:
 * offsets rebuilt and each child gathered in turn, down to the leaves, which `leaf` takes (join's
 * `take`: buffers copied). Going through JS values instead (`vector.get`, then `vectorFromArray`)
 * read a list row as a Vector the builders do not take back (a FixedSizeList came out as zeros) and
 * would round a timestamp child to milliseconds.
 */

/** Nested types: gathered here, child by child. */
export function isNestedType(type: DataType): boolean {
  return (
    DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type) || DataType.isStruct(type) || DataType.isMap(type)
  );
}

/**
 * Rows `rows` (indices over the chunks end to end; −1 for a null row) of a column held in `chunks`,
 * as one Data of the same type.
 */
export function takeNested(chunks: readonly Data[], rows: Int32Array, leaf: (v: Vector, rows: Int32Array) => Vector): Data {
  const type = chunks[0]!.type;
  if (!isNestedType(type)) return leaf(new Vector(chunks), rows).data[0]!;
  const n = rows.length;
  const starts: number[] = [];
  chunks.reduce((s, d) => (starts.push(s), s + d.length), 0);
  // Each output row's chunk and index there (−1: a null row).
  const chunkOf = new Int32Array(n);
  const at = new Int32Array(n);
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let k = 0, c = 0; k < n; k++) {
    const r = rows[k]!;
    if (r >= 0 && (r < starts[c]! || r >= starts[c]! + chunks[c]!.length)) c = starts.findLastIndex((s) => s <= r);
    const valid = r >= 0 && chunks[c]!.getValid(r - starts[c]!);
    chunkOf[k] = valid ? c : -1;
    at[k] = r - starts[c]!;
    if (valid) nullBitmap[k >> 3]! |= 1 << (k & 7);
    else nullCount++;
  }
  const base = { type, length: n, nullCount, nullBitmap: nullCount > 0 ? nullBitmap : undefined };
  const childStarts = (j: number) => {
    const out: number[] = [];
    chunks.reduce((s, d) => (out.push(s), s + d.children[j]!.length), 0);
    return out;
  };
  const childChunks = (j: number) => chunks.map((d) => d.children[j]!);
  if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isMap(type)) {
    // A list's child is not sliced with it: its offsets index the whole child.
    const from = childStarts(0);
    const items: number[] = [];
    const large = DataType.isLargeList(type);
    const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
    for (let k = 0; k < n; k++) {
      const c = chunkOf[k]!;
      if (c >= 0) {
        const o = chunks[c]!.valueOffsets as ArrayLike<number | bigint>;
        for (let j = Number(o[at[k]!]), e = Number(o[at[k]! + 1]); j < e; j++) items.push(from[c]! + j);
      }
      offsets[k + 1] = large ? BigInt(items.length) : items.length;
    }
    const child = takeNested(childChunks(0), Int32Array.from(items), leaf);
    return makeData({ ...base, valueOffsets: offsets, child } as never);
  }
  if (DataType.isFixedSizeList(type)) {
    // Sliced with its parent: row i's items are i·size … i·size + size − 1 of its chunk's child.
    const size = type.listSize;
    const from = childStarts(0);
    const items = new Int32Array(n * size).fill(-1);
    for (let k = 0; k < n; k++) {
      const c = chunkOf[k]!;
      if (c >= 0) for (let t = 0; t < size; t++) items[k * size + t] = from[c]! + at[k]! * size + t;
    }
    return makeData({ ...base, child: takeNested(childChunks(0), items, leaf) } as never);
  }
  // Struct: each field's rows are its parent's.
  const children = type.children.map((_, j) => {
    const from = childStarts(j);
    const fieldRows = Int32Array.from({ length: n }, (_, k) => (chunkOf[k]! >= 0 ? from[chunkOf[k]!]! + at[k]! : -1));
    return takeNested(childChunks(j), fieldRows, leaf);
  });
  return makeData({ ...base, children } as never);
}

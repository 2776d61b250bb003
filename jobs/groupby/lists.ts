/**
 * Per-group value lists, for the aggregates that need every value of a group (median): on the map
 * side a log of (group, value) rows sorted into per-group runs once at the end, concatenation when
 * partials merge, and selection at the end.
 */

/**
 * The values of one column per group, for aggregates that need all of them (median). A batch is
 * appended as two block copies (its group ids and its values) into the log's last chunk; `take`
 * counting-sorts the log by group on first use, so the per-row cost is a copy, not a write into one
 * of thousands of growing arrays. Chunks grow geometrically and are never copied to grow (one array
 * doubling took 2× the copies and the page faults of its final size: 270 of 5M rows' 450 ms here).
 */
export class ValueLists {
  private chunks: Array<{ ids: Int32Array; values: Float64Array; length: number }> = [];
  private length = 0;
  private sorted?: { starts: Int32Array; values: Float64Array };

  /** Appends `x[i]` to the list of group `ids[i]`. */
  append(ids: Int32Array, x: ArrayLike<number>): void {
    const n = ids.length;
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.ids.length - chunk.length < n) {
      const size = Math.max(n, Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, this.length)));
      chunk = { ids: new Int32Array(size), values: new Float64Array(size), length: 0 };
      this.chunks.push(chunk);
    }
    chunk.ids.set(ids, chunk.length);
    chunk.values.set(x, chunk.length);
    chunk.length += n;
    this.length += n;
    this.sorted = undefined;
  }

  /** The values of group `g` (a view; sending it copies only its own bytes). */
  take(g: number): Float64Array {
    const { starts, values } = (this.sorted ??= this.sortByGroup());
    return g + 1 < starts.length ? values.subarray(starts[g]!, starts[g + 1]!) : new Float64Array(0);
  }

  private sortByGroup(): { starts: Int32Array; values: Float64Array } {
    let groups = 0;
    for (const { ids, length } of this.chunks) for (let i = 0; i < length; i++) if (ids[i]! >= groups) groups = ids[i]! + 1;
    const starts = new Int32Array(groups + 1);
    for (const { ids, length } of this.chunks) for (let i = 0; i < length; i++) starts[ids[i]! + 1]!++;
    for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
    const next = starts.slice(0, groups);
    const out = new Float64Array(this.length);
    for (const { ids, values, length } of this.chunks) for (let i = 0; i < length; i++) out[next[ids[i]!]!++] = values[i]!;
    return { starts, values: out };
  }
}

/** Rows of the log's first chunk, and of its largest: each new chunk holds as many rows as the log holds already. */
const MIN_CHUNK = 1 << 16;
const MAX_CHUNK = 1 << 22;

/**
 * Buffers this module allocated for merged lists, each viewed by one list only. A decoded partial's
 * list is a view into the partition's bytes or into Node's shared Buffer pool (v8.deserialize makes
 * both), where writing behind its end or reordering it would damage other data.
 */
const owned = new WeakSet<ArrayBufferLike>();

/**
 * `a` followed by `b`. Grows by doubling into spare room behind a list this module allocated, so a
 * reducer merging many partials of one group copies each value O(1) times on average.
 */
export function concatValues(a: Float64Array, b: Float64Array): Float64Array {
  if (b.length === 0) return a;
  const n = a.length + b.length;
  if (owned.has(a.buffer) && a.buffer.byteLength >= n * 8) {
    const out = new Float64Array(a.buffer, 0, n);
    out.set(b, a.length);
    return out;
  }
  const buffer = new ArrayBuffer(8 * Math.max(n, 2 * a.length));
  owned.add(buffer);
  const out = new Float64Array(buffer, 0, n);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The exact median (the mean of the two middle values for an even count), by selection in O(n). */
export function median(list: Float64Array): number | null {
  const n = list.length;
  if (n === 0) return null;
  for (let i = 0; i < n; i++) if (list[i] !== list[i]) return NaN;
  // Selection reorders: only lists merged here are ours to reorder (a retried reduce task re-reads its input).
  const values = owned.has(list.buffer) ? list : list.slice();
  const k = (n - 1) >> 1;
  select(values, k);
  if (n % 2 === 1) return values[k]!;
  // After selection everything right of k is >= values[k]; the upper middle is the least of them.
  let upper = Infinity;
  for (let i = k + 1; i < n; i++) if (values[i]! < upper) upper = values[i]!;
  return (values[k]! + upper) / 2;
}

/** Hoare's quickselect: puts the k-th smallest at index k, smaller ones left of it, larger right. */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as pivot: sorted or constant runs do not go quadratic.
    const mid = (lo + hi) >> 1;
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

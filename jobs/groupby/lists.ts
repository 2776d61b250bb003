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
    if (this.sorted) this.unsort();
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
    // The sorted values are the log now: 12 bytes a row less while the partials are encoded (q6: 60 MB per worker).
    this.chunks = [];
    return { starts, values: out };
  }

  /** Makes the sorted values the log again (rows appended after `take`, which a worker's groups never do). */
  private unsort(): void {
    const { starts, values } = this.sorted!;
    const ids = new Int32Array(values.length);
    for (let g = 0; g + 1 < starts.length; g++) ids.fill(g, starts[g], starts[g + 1]);
    this.chunks = [{ ids, values, length: values.length }];
    this.sorted = undefined;
  }
}

/** Rows of the log's first chunk, and of its largest: each new chunk holds as many rows as the log holds already. */
const MIN_CHUNK = 1 << 16;
const MAX_CHUNK = 1 << 22;

/** A group's values of one list part: one array, or the arrays of the partials merged into it (copied together only to select). */
export type ValueList = Float64Array | Float64Array[];

/**
 * `a` and `b` as one list, without copying a value: the reducer's merge of a group's partials. The
 * values are copied once, into a scratch array, when the median is selected; before, each merge
 * copied them into a new array of their own (10M q6 values: 100 ms of allocating and copying).
 */
export function joinValues(a: ValueList, b: ValueList): ValueList {
  const out = Array.isArray(a) ? a : [a];
  if (Array.isArray(b)) for (const x of b) out.push(x);
  else out.push(b);
  return out;
}

/** How many values a list holds. */
export function valueCount(list: ValueList): number {
  if (!Array.isArray(list)) return list.length;
  let n = 0;
  for (const x of list) n += x.length;
  return n;
}

/**
 * Where selection reorders values: one array per thread, reused group after group (so it stays in
 * cache and is allocated once), up to SCRATCH_KEPT values; a larger group gets an array of its own.
 * A list's own arrays are never reordered: they view the shuffle's shared memory, which a retried
 * reduce task reads again.
 */
let scratch = new Float64Array(1 << 12);
const SCRATCH_KEPT = 1 << 20;

/** The exact median (the mean of the two middle values for an even count), by selection in O(n); NaN if a value is NaN. */
export function median(list: ValueList): number | null {
  const n = valueCount(list);
  if (n === 0) return null;
  if (n > scratch.length && n <= SCRATCH_KEPT) scratch = new Float64Array(Math.min(SCRATCH_KEPT, Math.max(n, 2 * scratch.length)));
  const values = n <= scratch.length ? scratch : new Float64Array(n);
  let at = 0;
  for (const part of Array.isArray(list) ? list : [list]) {
    values.set(part, at);
    at += part.length;
  }
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) return NaN;
  const k = (n - 1) >> 1;
  select(values, n, k);
  if (n % 2 === 1) return values[k]!;
  // After selection everything right of k is >= values[k]; the upper middle is the least of them.
  let upper = Infinity;
  for (let i = k + 1; i < n; i++) if (values[i]! < upper) upper = values[i]!;
  return (values[k]! + upper) / 2;
}

/** Hoare's quickselect over a[0 … n − 1]: puts the k-th smallest at index k, smaller ones left of it, larger right. */
function select(a: Float64Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
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

/**
 * Per-group value lists, for the aggregates that need every value of a group (median): growable
 * Float64Arrays on the map side, concatenation when partials merge, and selection at the end.
 */

/** The values of one column per group, for aggregates that need all of them (median). */
export class ValueLists {
  private static readonly EMPTY = new Float64Array(0);
  private arrays: Float64Array[] = [];
  private lengths = new Int32Array(0);

  /** Appends `x[i]` to the list of group `ids[i]`; `groups` is the number of groups so far. */
  append(ids: Int32Array, x: ArrayLike<number>, groups: number): void {
    if (this.arrays.length < groups) this.reserve(groups);
    const { arrays, lengths } = this;
    for (let i = 0; i < ids.length; i++) {
      const g = ids[i]!;
      const len = lengths[g]!;
      let a = arrays[g]!;
      if (len === a.length) {
        const grown = new Float64Array(Math.max(8, len * 2));
        grown.set(a);
        arrays[g] = a = grown;
      }
      a[len] = x[i]!;
      lengths[g] = len + 1;
    }
  }

  /** The values of group `g` in an array of their own (so it owns its buffer when sent). */
  take(g: number): Float64Array {
    return g < this.arrays.length ? this.arrays[g]!.slice(0, this.lengths[g]!) : new Float64Array(0);
  }

  private reserve(groups: number): void {
    while (this.arrays.length < groups) this.arrays.push(ValueLists.EMPTY);
    if (this.lengths.length < groups) {
      const grown = new Int32Array(Math.max(1024, groups * 2));
      grown.set(this.lengths);
      this.lengths = grown;
    }
  }
}

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

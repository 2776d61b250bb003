import { addExactExtremes, addExactSums } from './exact.js';
import { addIntervals } from './intervals.js';
import type { ValueLists } from './lists.js';
import { LIMBS, type Part } from './types.js';

/**
 * The loops of the groupby aggregates: each folds one column (two for r2) of a batch into its slots
 * of each row's group, one plain loop over typed arrays per kernel, and the merges of two partials
 * that need more than a sum, a min or a max. The exact kernels' loops are in exact.ts.
 */

/**
 * One kernel's input rows: doubles (`x`, and `y` for r2), exact limbs (`words`), or intervals
 * (`intervalWords`' layout) and the rows' input positions (`pos`).
 */
export interface Input {
  x?: ArrayLike<number>;
  y?: ArrayLike<number>;
  words?: Uint32Array;
  intervals?: Int32Array;
  pos?: Float64Array;
}

/**
 * Folds one kernel's column(s) into the slots (or lists) of the groups `ids`: `ids[i]` is the group of
 * row i of the input, slot `s` of group g is `slots[g * w + s]`.
 */
export function accumulate(p: Part, ids: Int32Array, input: Input, slots: Float64Array, w: number, lists: ValueLists[]): void {
  const s = p.slot;
  const x = input.x!;
  switch (p.kernel) {
    case 'count':
    case 'nonnull':
      return addCounts(ids, slots, w, s);
    case 'sum':
      return addSums(ids, x, slots, w, s);
    case 'mean':
      return addMeans(ids, x, slots, w, s);
    case 'min':
      return addMins(ids, x, slots, w, s);
    case 'max':
      return addMaxes(ids, x, slots, w, s);
    case 'moments':
      return addMoments(ids, x, slots, w, s);
    case 'comoments':
      return addComoments(ids, x, input.y!, slots, w, s);
    case 'top':
      return addTops(ids, x, slots, w, s, p.width);
    case 'list':
      return lists[p.list]!.append(ids, x);
    // Values of 32 bits or fewer: one limb, summed as doubles like `sum` (exact.ts carries the excess).
    case 'xsum':
      return LIMBS[p.kind] === 1
        ? addSums(ids, x, slots, w, s)
        : addExactSums(ids, input.words!, LIMBS[p.kind], p.kind !== 'u64', slots, w, s);
    case 'xmin':
      return addExactExtremes(ids, input.words!, LIMBS[p.kind], p.kind !== 'u64', slots, w, s, 1);
    case 'xmax':
      return addExactExtremes(ids, input.words!, LIMBS[p.kind], p.kind !== 'u64', slots, w, s, -1);
    case 'imin':
    case 'imax':
    case 'ifirst':
      return addIntervals(ids, input.intervals!, input.pos!, slots, w, s, p.kernel === 'imin' ? 1 : p.kernel === 'imax' ? -1 : 0);
  }
}

function addCounts(ids: Int32Array, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) slots[ids[i]! * w + s]! += 1;
}

function addSums(ids: Int32Array, x: ArrayLike<number>, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) slots[ids[i]! * w + s]! += x[i]!;
}

function addMeans(ids: Int32Array, x: ArrayLike<number>, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    slots[at]! += x[i]!;
    slots[at + 1]! += 1;
  }
}

// `v !== v` keeps a NaN once it is in (no number compares below or above NaN).
function addMins(ids: Int32Array, x: ArrayLike<number>, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    const v = x[i]!;
    if (v < slots[at]! || v !== v) slots[at] = v;
  }
}

function addMaxes(ids: Int32Array, x: ArrayLike<number>, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    const v = x[i]!;
    if (v > slots[at]! || v !== v) slots[at] = v;
  }
}

/** Welford's update of (n, mean, M2), M2 being the sum of squared deviations from the mean. */
function addMoments(ids: Int32Array, x: ArrayLike<number>, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    const v = x[i]!;
    const n = slots[at]! + 1;
    const d = v - slots[at + 1]!;
    const mean = slots[at + 1]! + d / n;
    slots[at] = n;
    slots[at + 1] = mean;
    slots[at + 2]! += d * (v - mean);
  }
}

/** Welford's update of (n, mean x, mean y, Cxx, Cyy, Cxy): co-moments about the running means. */
function addComoments(ids: Int32Array, x: ArrayLike<number>, y: ArrayLike<number>, slots: Float64Array, w: number, s: number): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    const u = x[i]!;
    const v = y[i]!;
    const n = slots[at]! + 1;
    const dx = u - slots[at + 1]!;
    const dy = v - slots[at + 2]!;
    const mx = slots[at + 1]! + dx / n;
    const my = slots[at + 2]! + dy / n;
    slots[at] = n;
    slots[at + 1] = mx;
    slots[at + 2] = my;
    slots[at + 3]! += dx * (u - mx);
    slots[at + 4]! += dy * (v - my);
    slots[at + 5]! += dx * (v - my);
  }
}

/** The `k` largest values, in descending order (−Infinity = empty); a NaN fills all k and stays. */
function addTops(ids: Int32Array, x: ArrayLike<number>, slots: Float64Array, w: number, s: number, k: number): void {
  for (let i = 0; i < ids.length; i++) {
    const first = ids[i]! * w + s;
    const v = x[i]!;
    let j = first + k - 1;
    if (v > slots[j]!) {
      for (; j > first && v > slots[j - 1]!; j--) slots[j] = slots[j - 1]!;
      slots[j] = v;
    } else if (v !== v) slots.fill(NaN, first, first + k);
  }
}

/** Chan et al.'s pairwise merge of (n, mean, M2). */
export function mergeMoments(a: number[], b: number[], s: number): void {
  const na = a[s]!,
    nb = b[s]!;
  if (nb === 0) return;
  const n = na + nb;
  const d = b[s + 1]! - a[s + 1]!;
  a[s] = n;
  a[s + 1]! += (d * nb) / n;
  a[s + 2]! += b[s + 2]! + (d * d * na * nb) / n;
}

/** Chan et al.'s merge of (n, mean x, mean y, Cxx, Cyy, Cxy). */
export function mergeComoments(a: number[], b: number[], s: number): void {
  const na = a[s]!,
    nb = b[s]!;
  if (nb === 0) return;
  const n = na + nb;
  const dx = b[s + 1]! - a[s + 1]!;
  const dy = b[s + 2]! - a[s + 2]!;
  const f = (na * nb) / n;
  a[s] = n;
  a[s + 1]! += (dx * nb) / n;
  a[s + 2]! += (dy * nb) / n;
  a[s + 3]! += b[s + 3]! + dx * dx * f;
  a[s + 4]! += b[s + 4]! + dy * dy * f;
  a[s + 5]! += b[s + 5]! + dx * dy * f;
}

/** Merges two descending top-k lists into `a`. */
export function mergeTops(a: number[], b: number[], s: number, k: number): void {
  if (Number.isNaN(a[s]) || Number.isNaN(b[s])) {
    a.fill(NaN, s, s + k);
    return;
  }
  // The reducer merges a partial per group per worker (q8: 200K): no array per merge.
  if (tops.length < k) tops = new Float64Array(k);
  for (let t = 0, i = s, j = s; t < k; t++) tops[t] = a[i]! >= b[j]! ? a[i++]! : b[j++]!;
  for (let t = 0; t < k; t++) a[s + t] = tops[t]!;
}

let tops = new Float64Array(8);

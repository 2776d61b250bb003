import { LIMBS, type Part } from './types.js';

/**
 * Sums and means of several columns folded in one pass over a batch's rows, instead of one pass per
 * column (kernels.ts' `addSums` and `addMeans`): each row's group id is read once and its group's slots,
 * which lie side by side, are updated together. With many groups the slots outgrow the cache and every
 * update of a row's group misses it: three passes (q5, three sums by id6, 100K groups per worker) paid up
 * to three misses a row, one pass pays one. Each slot still gets its rows' values in row order, so the
 * sums are the very same doubles as the per-column loops'.
 */

/** A column folded by `addFused`: its values as doubles, its sum's slot, and whether the next slot counts its rows (a mean). */
export interface FusedColumn {
  x: ArrayLike<number>;
  slot: number;
  counts: boolean;
}

/**
 * Whether a part can be folded with others by `addFused`: a sum or mean of doubles, or an exact sum of
 * values of 32 bits or fewer (one limb, summed as doubles like `sum`; exact.ts carries the excess).
 */
export function fusable(p: Part): boolean {
  return p.kernel === 'sum' || p.kernel === 'mean' || (p.kernel === 'xsum' && LIMBS[p.kind] === 1);
}

/** The column a fusable part folds, over the batch's `x`. */
export function fusedColumn(p: Part, x: ArrayLike<number>): FusedColumn {
  return { x, slot: p.slot, counts: p.kernel === 'mean' };
}

/**
 * Adds every row's values of `columns` (no nulls among them) to the slots of its group `ids[i]`
 * (`w` slots a group), three columns a pass.
 */
export function addFused(ids: Int32Array, columns: FusedColumn[], slots: Float64Array, w: number): void {
  for (let c = 0; c < columns.length; c += 3) {
    const [a, b, d] = [columns[c]!, columns[c + 1], columns[c + 2]];
    if (!b) addOne(ids, a.x, a.slot, a.counts, slots, w);
    else if (!d) addTwo(ids, a.x, a.slot, a.counts, b.x, b.slot, b.counts, slots, w);
    else addThree(ids, a.x, a.slot, a.counts, b.x, b.slot, b.counts, d.x, d.slot, d.counts, slots, w);
  }
}

// The `counts` flags are the same for every row: the branch on them is always predicted.

function addOne(ids: Int32Array, x: ArrayLike<number>, s: number, cs: boolean, slots: Float64Array, w: number): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    slots[at]! += x[i]!;
    if (cs) slots[at + 1]! += 1;
  }
}

function addTwo(
  ids: Int32Array,
  x: ArrayLike<number>,
  s: number,
  cs: boolean,
  y: ArrayLike<number>,
  t: number,
  ct: boolean,
  slots: Float64Array,
  w: number,
): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w;
    slots[at + s]! += x[i]!;
    if (cs) slots[at + s + 1]! += 1;
    slots[at + t]! += y[i]!;
    if (ct) slots[at + t + 1]! += 1;
  }
}

function addThree(
  ids: Int32Array,
  x: ArrayLike<number>,
  s: number,
  cs: boolean,
  y: ArrayLike<number>,
  t: number,
  ct: boolean,
  z: ArrayLike<number>,
  u: number,
  cu: boolean,
  slots: Float64Array,
  w: number,
): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w;
    slots[at + s]! += x[i]!;
    if (cs) slots[at + s + 1]! += 1;
    slots[at + t]! += y[i]!;
    if (ct) slots[at + t + 1]! += 1;
    slots[at + u]! += z[i]!;
    if (cu) slots[at + u + 1]! += 1;
  }
}

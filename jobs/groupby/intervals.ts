import { INTERVAL_WORDS, compareNormalized, normalizedInterval } from '../shared/intervals.js';

/**
 * INTERVAL keys and the min and max of INTERVAL columns, as DuckDB computes them: intervals equal
 * after normalization (../shared/intervals.ts: '1 month' = '30 days' = '720 hours') are one group, and
 * one value to min and max. Of such equal values the group shows one spelling: DuckDB shows the one
 * its hash table or aggregate state saw first, which with one thread is the first in the input and
 * with several depends on which thread's partial is merged first. quiver always shows the first in
 * the input (file order, then row order), whatever the number of workers: DuckDB's single-threaded
 * answer, deterministic.
 *
 * So each such value is kept with its row's position in the input (`positionsOf`), in 8 float slots
 * of its group: the normalized months, days and microseconds it is compared by, the position, and
 * the value as it was spelled (months, days, the low and high 32 bits of its nanoseconds). `ifirst`
 * (a key's spelling) compares positions only; `imin` and `imax` the normalized value, then positions.
 */

/** Float slots of an interval kernel. */
export const INTERVAL_SLOTS = 8;

/** Which value an interval kernel keeps: the least (1), the greatest (−1), or the first in the input (0). */
export type IntervalMode = 1 | -1 | 0;

/** Slot offsets: normalized value, position, spelled value. */
const NORM = 0;
const POS = 3;
const RAW = 4;

/** Rows per split the positions leave room for (2^32); splits are far smaller. */
const SPLIT_ROWS = 2 ** 32;

/** The input positions of `n` rows from row `row` of split `split` (ordered as the input: splits are in file order). */
export function positionsOf(split: number, row: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const base = split * SPLIT_ROWS + row;
  for (let i = 0; i < n; i++) out[i] = base + i;
  return out;
}

/** Sets the initial slots of an interval kernel at `s` of `init`: no value yet (position +∞). */
export function initIntervals(init: Float64Array, s: number, mode: IntervalMode): void {
  init.fill(mode === -1 ? -Infinity : Infinity, s + NORM, s + POS);
  init[s + POS] = Infinity;
}

/**
 * Folds each row's interval (`rows`: `intervalWords`' layout) at position `pos[i]` into the slots
 * `s`… of its group `ids[i]`, keeping the one `mode` asks for.
 */
export function addIntervals(
  ids: Int32Array,
  rows: Int32Array,
  pos: Float64Array,
  slots: Float64Array,
  w: number,
  s: number,
  mode: IntervalMode,
): void {
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * w + s;
    const norm = mode === 0 ? undefined : normalizedInterval(rows, i);
    const d = (norm ? mode * compareNormalized(norm, slots.subarray(at + NORM, at + POS)) : 0) || pos[i]! - slots[at + POS]!;
    if (d >= 0) continue;
    if (norm) slots.set(norm, at + NORM);
    slots[at + POS] = pos[i]!;
    const r = INTERVAL_WORDS * i;
    slots.set([rows[r]!, rows[r + 1]!, rows[r + 2]! >>> 0, rows[r + 3]!], at + RAW);
  }
}

/** Keeps in `a` the interval of two partials' that `mode` asks for (slots `s`…). */
export function mergeIntervals(a: number[], b: number[], s: number, mode: IntervalMode): void {
  const d =
    (mode === 0 ? 0 : mode * compareNormalized(b.slice(s + NORM, s + POS), a.slice(s + NORM, s + POS))) || b[s + POS]! - a[s + POS]!;
  if (d < 0) for (let k = 0; k < INTERVAL_SLOTS; k++) a[s + k] = b[s + k]!;
}

/** The interval a kernel kept, in `intervalWords`' layout; null when its group saw none. */
export function intervalOf(v: ArrayLike<number>, s: number): Int32Array | null {
  if (v[s + POS] === Infinity) return null;
  return Int32Array.from([v[s + RAW]!, v[s + RAW + 1]!, v[s + RAW + 2]! | 0, v[s + RAW + 3]!]);
}

/** The text a key part of an interval holds: its normalized parts, so that equal intervals are one key. */
export function intervalKeys(rows: Int32Array, n: number): string[] {
  return Array.from({ length: n }, (_, i) => normalizedInterval(rows, i).join(' '));
}

/** Compares two interval key parts (`intervalKeys`' text) as DuckDB orders the intervals. */
export function compareIntervalKeys(a: string, b: string): number {
  return compareNormalized(a.split(' ').map(Number), b.split(' ').map(Number));
}

import { Decimal, Float64, Int32, Int64, Table, type Vector } from 'apache-arrow';
import { vectorOf } from '../shared/vectors.js';

/**
 * The histogram of a column of 64-bit integers (Int64, UInt64, timestamps, dates in ms, times in µs
 * or ns, durations), exactly: values are bigints, never rounded to doubles (which merge neighbours
 * beyond 2^53 and put values in the wrong bin).
 *
 * With min and max (integers): x in [min, max] goes to bin ⌊(x − min) · bins / (max − min)⌋, max to
 * the last, in integer arithmetic; edges are doubles (labels; the counts are exact).
 * Without (auto): bins are aligned on a power-of-two width 2^k, k ≥ 0, the smallest that spans the
 * data in at most `bins` bins; bin i holds i · 2^k ≤ x < (i + 1) · 2^k (i = x >> k), and a partial
 * with a finer width is coarsened exactly (i >> j). Edges are Decimal128(38, 0): exact, and wide
 * enough for the top edge of UInt64's last bin (2^64).
 */

export type BigFixed = { mode: 'fixed64'; min: bigint; max: bigint; counts: number[] };
export type BigAuto = { mode: 'auto64'; bins: number; shift: number; counts: Map<bigint, number> };

/** Counts `values` (null rows already skipped: `valid(i)`) into fixed bins; returns how many fell outside. */
export function foldFixed64(acc: BigFixed, values: BigInt64Array | BigUint64Array, valid: (i: number) => boolean): number {
  const { min, max, counts } = acc;
  const bins = BigInt(counts.length);
  const span = max - min;
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    if (!valid(i)) continue;
    const x = values[i]!;
    if (x < min || x > max) outside++;
    else counts[Math.min(counts.length - 1, Number(((x - min) * bins) / span))]! += 1;
  }
  return outside;
}

/** Adds a batch's values to an auto partial (fitting its width to them first). */
export function foldAuto64(acc: BigAuto, values: BigInt64Array | BigUint64Array, valid: (i: number) => boolean): BigAuto {
  let lo: bigint | undefined;
  let hi: bigint | undefined;
  for (let i = 0; i < values.length; i++) {
    if (!valid(i)) continue;
    const x = values[i]!;
    if (lo === undefined || x < lo) lo = x;
    if (hi === undefined || x > hi) hi = x;
  }
  if (lo === undefined || hi === undefined) return acc;
  let shift = 0;
  while ((hi >> BigInt(shift)) - (lo >> BigInt(shift)) + 1n > BigInt(acc.bins)) shift++;
  const part: BigAuto = { mode: 'auto64', bins: acc.bins, shift, counts: new Map() };
  const k = BigInt(shift);
  for (let i = 0; i < values.length; i++) {
    if (!valid(i)) continue;
    const b = values[i]! >> k;
    part.counts.set(b, (part.counts.get(b) ?? 0) + 1);
  }
  return mergeAuto64(acc, part);
}

/** Merges two auto partials at the coarser width at which both fit in `bins`. */
export function mergeAuto64(a: BigAuto, b: BigAuto): BigAuto {
  if (b.counts.size === 0) return a;
  if (a.counts.size === 0) return b;
  // A bin's lower edge stands for its values: at any coarser width it falls in the same bin as they do.
  const edges = [a, b].flatMap((p) => [...p.counts.keys()].map((i) => i << BigInt(p.shift)));
  const lo = edges.reduce((x, y) => (y < x ? y : x));
  const hi = edges.reduce((x, y) => (y > x ? y : x));
  let shift = Math.max(a.shift, b.shift);
  while ((hi >> BigInt(shift)) - (lo >> BigInt(shift)) + 1n > BigInt(a.bins)) shift++;
  const counts = new Map<bigint, number>();
  for (const p of [a, b]) {
    const j = BigInt(shift - p.shift);
    for (const [i, n] of p.counts) counts.set(i >> j, (counts.get(i >> j) ?? 0) + n);
  }
  return { mode: 'auto64', bins: a.bins, shift, counts };
}

/** The result rows: `bin`, `lo`, `hi`, `count`, empty bins included. */
export function finishAuto64(acc: BigAuto): Table {
  const keys = [...acc.counts.keys()];
  if (keys.length === 0) return table([], [], [], [], new Decimal(0, 38, 128));
  const first = keys.reduce((x, y) => (y < x ? y : x));
  const last = keys.reduce((x, y) => (y > x ? y : x));
  const k = BigInt(acc.shift);
  const bins: number[] = [],
    lo: bigint[] = [],
    hi: bigint[] = [],
    counts: bigint[] = [];
  for (let i = first; i <= last; i++) {
    bins.push(Number(i - first));
    lo.push(i << k);
    hi.push((i + 1n) << k);
    counts.push(BigInt(acc.counts.get(i) ?? 0));
  }
  return table(bins, lo, hi, counts, new Decimal(0, 38, 128));
}

/** The result rows of fixed bins over [min, max], edges as doubles. */
export function finishFixed64(acc: BigFixed): Table {
  const n = acc.counts.length;
  const min = Number(acc.min),
    max = Number(acc.max);
  const step = (max - min) / n;
  const lo = acc.counts.map((_, b) => min + b * step);
  const hi = acc.counts.map((_, b) => (b === n - 1 ? max : min + (b + 1) * step));
  return table(
    acc.counts.map((_, b) => b),
    lo,
    hi,
    acc.counts.map(BigInt),
    new Float64(),
  );
}

function table(bins: number[], lo: Array<number | bigint>, hi: Array<number | bigint>, counts: bigint[], edge: Decimal | Float64): Table {
  const cols: Record<string, Vector> = {
    bin: vectorOf(new Int32(), bins, 'bin'),
    lo: vectorOf(edge, lo, 'lo'),
    hi: vectorOf(edge, hi, 'hi'),
    count: vectorOf(new Int64(), counts, 'count'),
  };
  return new Table(cols);
}

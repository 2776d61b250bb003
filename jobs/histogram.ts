import { defineJob, type JobContext } from 'quiver-engine';
import { DataType, type RecordBatch } from 'apache-arrow';
import { finishAuto64, finishFixed64, foldAuto64, foldFixed64, mergeAuto64, type BigAuto, type BigFixed } from './histogram/exact.js';
import { decimalAt } from './shared/cells.js';

/**
 * A histogram of a numeric column: `--param column=v3 --param bins=20`. Output: one row per bin,
 * `bin` (0-based), `lo`, `hi` (the bin holds lo <= x < hi) and `count`, empty bins included.
 * Nulls, NaNs and infinities are skipped and counted (`skipped` in the run report).
 *
 * With `--param min=0 --param max=100` the bins are exactly `bins` equal-width bins over
 * [min, max]: x goes to bin floor((x − min) / (max − min) × bins), and x = max to the last bin.
 * Values outside are skipped and counted (`out-of-range`).
 *
 * Without them (`auto`, the default), the range is not known until every value has been seen,
 * yet each task must count its values as it reads them. So the bins are aligned on a power-of-two
 * width, `w = 2^k`, the smallest that covers the data in at most `bins` bins (and no finer than
 * 2^-52 of the largest magnitude, so bin numbers stay exact integers): a partial with a
 * finer width is coarsened exactly (bin i becomes bin floor(i / 2^j); division by a power of two is
 * exact in floating point), so partials of any range merge into exact counts in one pass. The
 * result has between about bins/2 and `bins` bins, with round edges (0, 8, 16, … for data in 0–100
 * with bins=20). Give min and max for exactly `bins` bins over your own range.
 *
 * Columns of 64-bit integers (Int64, UInt64, timestamps) are binned exactly, in integer arithmetic
 * (histogram/exact.ts: auto widths are powers of two of at least 1, edges Decimal128(38, 0)); `count`
 * is Int64. Decimals are binned by their value as a double.
 *
 *   quiver run histogram -i g1.arrow -p column=v3 -p bins=20
 */
type Fixed = { mode: 'fixed'; min: number; max: number; counts: number[] };
type Auto = { mode: 'auto'; bins: number; width: number; counts: Map<number, number> };
/** A task's counts; the 64-bit modes replace the float ones at the first batch of a 64-bit integer column. */
type Acc = Fixed | Auto | BigFixed | BigAuto;

export default defineJob({
  name: 'histogram',
  description: 'count the values of a numeric column in equal-width bins',
  params: {
    column: { type: 'string', description: 'the numeric column, e.g. v3' },
    bins: { type: 'integer', default: 20, description: 'number of bins (at most, when the range is auto)' },
    min: { type: 'string', default: 'auto', description: 'lower edge of the first bin, or auto' },
    max: { type: 'string', default: 'auto', description: 'upper edge of the last bin, or auto' },
  },
  columns: (params) => [params.column as string],
  identity(ctx): Acc {
    const { bins, min, max } = rangeOf(ctx);
    if (min === undefined || max === undefined) return { mode: 'auto', bins, width: 0, counts: new Map() };
    return { mode: 'fixed', min, max, counts: new Array<number>(bins).fill(0) };
  },
  fold(acc: Acc, batch, ctx) {
    const data = batch.getChild(ctx.params.column as string)?.data[0];
    if (data && (data.values instanceof BigInt64Array || data.values instanceof BigUint64Array))
      return foldBig(acc, data.values, data, ctx);
    if (acc.mode === 'fixed64' || acc.mode === 'auto64')
      throw new Error(
        `column "${String(ctx.params.column)}" is 64-bit integers in one file and ${data?.type} in another; give every file the same type`,
      );
    const values = numbersOf(batch, ctx);
    if (acc.mode === 'fixed') {
      const { min, max, counts } = acc;
      const bins = counts.length;
      for (let k = 0; k < values.length; k++) {
        const x = values[k]!;
        if (x >= min && x <= max) counts[Math.min(bins - 1, Math.floor(((x - min) / (max - min)) * bins))]! += 1;
        else ctx.count('out-of-range');
      }
      return acc;
    }
    if (values.length === 0) return acc;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < values.length; k++) {
      const x = values[k]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const part: Auto = { mode: 'auto', bins: acc.bins, width: widthFor(lo, hi, acc.bins), counts: new Map() };
    for (let k = 0; k < values.length; k++) {
      const i = Math.floor(values[k]! / part.width);
      part.counts.set(i, (part.counts.get(i) ?? 0) + 1);
    }
    return mergeAuto(acc, part);
  },
  merge(a: Acc, b: Acc): Acc {
    // A task that read no batch still has its float identity: the other side wins.
    if (a.mode !== b.mode) return isEmpty(a) ? b : a;
    if (a.mode === 'fixed' || a.mode === 'fixed64') {
      for (let i = 0; i < a.counts.length; i++) a.counts[i]! += (b as Fixed | BigFixed).counts[i]!;
      return a;
    }
    return a.mode === 'auto64' ? mergeAuto64(a, b as BigAuto) : mergeAuto(a, b as Auto);
  },
  finish(acc: Acc) {
    if (acc.mode === 'fixed64') return finishFixed64(acc);
    if (acc.mode === 'auto64') return finishAuto64(acc);
    if (acc.mode === 'fixed') {
      const step = (acc.max - acc.min) / acc.counts.length;
      return acc.counts.map((count, bin) => ({
        bin,
        lo: acc.min + bin * step,
        hi: bin === acc.counts.length - 1 ? acc.max : acc.min + (bin + 1) * step,
        count,
      }));
    }
    if (acc.counts.size === 0) return [];
    let first = Infinity;
    let last = -Infinity;
    for (const i of acc.counts.keys()) {
      first = Math.min(first, i);
      last = Math.max(last, i);
    }
    const rows = [];
    for (let i = first; i <= last; i++)
      rows.push({ bin: i - first, lo: i * acc.width, hi: (i + 1) * acc.width, count: acc.counts.get(i) ?? 0 });
    return rows;
  },
});

/** Folds a batch of a 64-bit integer column, turning a float identity into its exact mode first. */
function foldBig(
  acc: Acc,
  values: BigInt64Array | BigUint64Array,
  data: { nullCount: number; getValid(i: number): boolean },
  ctx: JobContext,
): Acc {
  if (acc.mode === 'fixed' || acc.mode === 'auto') {
    if (!isEmpty(acc))
      throw new Error(
        `column "${String(ctx.params.column)}" is 64-bit integers in one file and not in another; give every file the same type`,
      );
    acc =
      acc.mode === 'auto'
        ? { mode: 'auto64', bins: acc.bins, shift: 0, counts: new Map() }
        : { mode: 'fixed64', ...integerRange(ctx), counts: acc.counts };
  }
  const valid = data.nullCount > 0 ? (i: number) => data.getValid(i) : () => true;
  if (data.nullCount > 0) ctx.count('skipped', data.nullCount);
  if (acc.mode === 'auto64') return foldAuto64(acc, values, valid);
  const outside = foldFixed64(acc as BigFixed, values, valid);
  if (outside > 0) ctx.count('out-of-range', outside);
  return acc;
}

/** min and max as exact integers, for a 64-bit integer column. */
function integerRange(ctx: JobContext): { min: bigint; max: bigint } {
  const [min, max] = (['min', 'max'] as const).map((name) => {
    const text = String(ctx.params[name]).trim();
    if (!/^-?\d+$/.test(text))
      throw new Error(`--param ${name} must be an integer for the 64-bit integer column "${String(ctx.params.column)}", got "${text}"`);
    return BigInt(text);
  });
  return { min: min!, max: max! };
}

/** Whether a partial has counted nothing yet. */
function isEmpty(acc: Acc): boolean {
  return acc.mode === 'fixed' || acc.mode === 'fixed64' ? acc.counts.every((n) => n === 0) : acc.counts.size === 0;
}

/** Reads and checks the bins/min/max params: min and max are both numbers, or both `auto`. */
function rangeOf(ctx: JobContext): { bins: number; min?: number; max?: number } {
  const bins = ctx.params.bins as number;
  if (bins < 1) throw new Error(`--param bins must be at least 1, got ${bins}`);
  const [min, max] = (['min', 'max'] as const).map((name) => {
    const text = String(ctx.params[name]).trim();
    if (text === 'auto') return undefined;
    const n = text === '' ? NaN : Number(text);
    if (!Number.isFinite(n)) throw new Error(`--param ${name} must be a number or auto, got "${text}"`);
    return n;
  });
  if ((min === undefined) !== (max === undefined))
    throw new Error('--param min and --param max go together: give both, or neither for bins fitted to the data');
  if (min !== undefined && !(min < max!)) throw new Error(`--param min must be less than --param max, got min=${min} max=${max}`);
  return { bins, min, max };
}

/** The column's values as numbers, without nulls, NaNs and infinities (skipped and counted). */
function numbersOf(batch: RecordBatch, ctx: JobContext): ArrayLike<number> {
  const name = ctx.params.column as string;
  const vector = batch.getChild(name)!;
  const data = vector?.data[0];
  // A decimal's value as a double (ctx.column gives its 32-bit words).
  const values =
    data && DataType.isDecimal(data.type)
      ? Float64Array.from({ length: data.length }, (_, i) => Number(decimalAt(data, i)) / 10 ** (data.type as { scale: number }).scale)
      : (ctx.column(batch, name) as ArrayLike<number>);
  const floats = values instanceof Float64Array || values instanceof Float32Array;
  if (vector.nullCount === 0 && !floats) return values;
  // One pass to find the first value to skip; most batches have none and are used as they are.
  let first = 0;
  if (vector.nullCount === 0) while (first < values.length && Number.isFinite(values[first]!)) first++;
  if (first === values.length) return values;
  // Copied, without the values skipped, into one typed array (a growing JS array would reallocate and copy as it grows).
  const kept = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x) || (vector.nullCount > 0 && !vector.isValid(i))) ctx.count('skipped');
    else kept[n++] = x;
  }
  return kept.subarray(0, n);
}

/**
 * The smallest power of two `w` such that [lo, hi] spans at most `bins` bins of width w aligned on
 * multiples of w. It is never so small that a bin index stops being an exact integer.
 */
function widthFor(lo: number, hi: number, bins: number): number {
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  let w = 2 ** Math.max(-1074, Math.ceil(Math.log2(magnitude)) - 52, Math.floor(Math.log2(Math.max((hi - lo) / bins, Number.MIN_VALUE))));
  while (Math.floor(hi / w) - Math.floor(lo / w) + 1 > bins) w *= 2;
  return w;
}

/** Merges two auto-range partials, coarsening both to a common width at which they fit in `bins`. */
function mergeAuto(a: Auto, b: Auto): Auto {
  if (b.counts.size === 0) return a;
  if (a.counts.size === 0) return b;
  // Lower edges of the outermost bins stand for the data: at any coarser width, they fall in the same bins as it.
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of [a, b]) {
    for (const i of p.counts.keys()) {
      lo = Math.min(lo, i * p.width);
      hi = Math.max(hi, i * p.width);
    }
  }
  let width = Math.max(a.width, b.width);
  while (Math.floor(hi / width) - Math.floor(lo / width) + 1 > a.bins) width *= 2;
  const counts = new Map<number, number>();
  for (const p of [a, b]) {
    const factor = width / p.width;
    for (const [i, n] of p.counts) {
      const j = Math.floor(i / factor);
      counts.set(j, (counts.get(j) ?? 0) + n);
    }
  }
  return { mode: 'auto', bins: a.bins, width, counts };
}

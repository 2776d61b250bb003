import type { RecordBatch } from 'apache-arrow';
import { defineJob, type ColumnValues } from 'quiver-engine';

/**
 * Least-squares fit of y = intercept + slope · x over two numeric columns:
 * `--param x=v1 --param y=v3`. Output: one row `n`, `slope`, `intercept`, `r2` (the squared
 * correlation). slope and intercept are null when x is constant (or n < 2), r2 when x or y is.
 * Rows where x or y is null, NaN or infinite are skipped and counted (`skipped` in the run report).
 *
 * A fold job: each task summarizes its rows as (n, mean x, mean y, Sxx, Syy, Sxy), the centred
 * sums of squares and products, and summaries merge with Chan et al.'s parallel formulas. Centred
 * sums do not cancel catastrophically the way raw sums of x² and xy do when the data sit far from 0.
 *
 *   quiver run linear-regression -i g1.arrow -p x=v1 -p y=v3
 */
interface Moments {
  n: number;
  meanX: number;
  meanY: number;
  sxx: number;
  syy: number;
  sxy: number;
}

const EMPTY: Moments = { n: 0, meanX: 0, meanY: 0, sxx: 0, syy: 0, sxy: 0 };

export default defineJob({
  name: 'linear-regression',
  description: 'least-squares slope, intercept and r² of one column on another',
  params: {
    x: { type: 'string', description: 'the explanatory column, e.g. v1' },
    y: { type: 'string', description: 'the response column, e.g. v3' },
  },
  columns: (params) => [params.x as string, params.y as string],
  identity: (): Moments => ({ ...EMPTY }),
  fold(acc: Moments, batch, ctx) {
    const xs = numbers(ctx.column(batch, ctx.params.x as string));
    const ys = numbers(ctx.column(batch, ctx.params.y as string));
    const skip = skippedRows(batch, ctx.params.x as string, ctx.params.y as string, xs, ys);
    // Two passes over the batch: the means first, then sums of centred products.
    let n = 0;
    let sumX = 0;
    let sumY = 0;
    for (let i = 0; i < xs.length; i++) {
      if (skip !== undefined && skip[i] === 1) continue;
      n++;
      sumX += xs[i]!;
      sumY += ys[i]!;
    }
    if (n < xs.length) ctx.count('skipped', xs.length - n);
    if (n === 0) return acc;
    const meanX = sumX / n;
    const meanY = sumY / n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < xs.length; i++) {
      if (skip !== undefined && skip[i] === 1) continue;
      const dx = xs[i]! - meanX;
      const dy = ys[i]! - meanY;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    return merge(acc, { n, meanX, meanY, sxx, syy, sxy });
  },
  merge,
  finish({ n, meanX, meanY, sxx, syy, sxy }: Moments) {
    const slope = n >= 2 && sxx > 0 ? sxy / sxx : null;
    return {
      n,
      slope,
      intercept: slope === null ? null : meanY - slope * meanX,
      r2: sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : null,
    };
  },
});

/** Chan, Golub & LeVeque's pairwise update of means and centred sums of squares and products. */
function merge(a: Moments, b: Moments): Moments {
  if (b.n === 0) return a;
  if (a.n === 0) return b;
  const n = a.n + b.n;
  const dx = b.meanX - a.meanX;
  const dy = b.meanY - a.meanY;
  const w = (a.n * b.n) / n;
  return {
    n,
    meanX: a.meanX + (dx * b.n) / n,
    meanY: a.meanY + (dy * b.n) / n,
    sxx: a.sxx + b.sxx + dx * dx * w,
    syy: a.syy + b.syy + dy * dy * w,
    sxy: a.sxy + b.sxy + dx * dy * w,
  };
}

/**
 * 1 for each row whose x or y is null, NaN or infinite, or undefined when no row is (the usual case):
 * the sums then loop over plain typed arrays with one test per row.
 */
function skippedRows(batch: RecordBatch, x: string, y: string, xs: ArrayLike<number>, ys: ArrayLike<number>): Uint8Array | undefined {
  let skip: Uint8Array | undefined;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!)) (skip ??= new Uint8Array(xs.length))[i] = 1;
  }
  const vx = batch.getChild(x)!;
  const vy = batch.getChild(y)!;
  if (vx.nullCount > 0 || vy.nullCount > 0) {
    for (let i = 0; i < xs.length; i++) if (!vx.isValid(i) || !vy.isValid(i)) (skip ??= new Uint8Array(xs.length))[i] = 1;
  }
  return skip;
}

/** 64-bit integer columns as doubles; other typed arrays already read as numbers. */
function numbers(values: ColumnValues): ArrayLike<number> {
  return values instanceof BigInt64Array || values instanceof BigUint64Array ? Float64Array.from(values, Number) : values;
}

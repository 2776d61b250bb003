import { defineJob, type JobContext } from 'quiver-engine';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/**
 * Principal components of numeric columns: `--param columns=f1,f2,f3 --param components=2`
 * (components=0, the default, keeps all). Output: one row per component, best first: `component`
 * (pc1, pc2, …), `eigenvalue` (the variance along it), `explained` (its share of the total variance,
 * null when that is 0) and one column per input column holding its loading (the unit eigenvector);
 * then a row `mean` with the column means, to centre data before projecting it. The covariance is
 * the sample covariance (divided by n − 1); with fewer than 2 rows only the `mean` row is output.
 * Each eigenvector's sign is fixed: its largest-magnitude loading (the first, within 1e-6) is positive.
 * Rows with a null, NaN or infinity in any of the columns are skipped and counted (`skipped`).
 *
 *   quiver datasets generate correlated --rows 1000000 -o pts.arrow
 *   quiver run pca -i pts.arrow -p columns=f1,f2,f3,f4,f5,f6 -p components=3
 *
 * A fold job: each task summarizes its rows as n, the mean vector and the centred co-moment matrix
 * Σ(x − x̄)(x − x̄)ᵀ, and summaries merge with Chan et al.'s pairwise update, the d-column form of
 * linear-regression's. The small d×d eigenproblem is solved by ml-matrix (Householder tridiagonal
 * reduction and QL, as in JAMA), the well-kept numeric library of the JS ecosystem.
 */
interface Moments {
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

const OUTPUT = ['component', 'eigenvalue', 'explained'];

export default defineJob({
  name: 'pca',
  description: 'principal components (eigenvectors of the covariance matrix) of numeric columns',
  params: {
    columns: { type: 'list', description: 'the numeric columns, e.g. f1,f2,f3' },
    components: { type: 'integer', default: 0, description: 'how many components to output, 0 for all' },
  },
  columns: (params) => params.columns as string[],
  identity(ctx): Moments {
    const d = columnsOf(ctx).length;
    return { n: 0, mean: new Float64Array(d), m2: new Float64Array(d * d) };
  },
  fold(acc: Moments, batch, ctx) {
    const cols = columnsOf(ctx).map((name) => {
      const raw = ctx.column(batch, name);
      const v = batch.getChild(name)!;
      return { x: raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float64Array.from(raw, Number) : raw, v };
    });
    const d = cols.length;
    const use = new Uint8Array(batch.numRows).fill(1);
    for (const { x, v } of cols)
      for (let i = 0; i < use.length; i++) if (!Number.isFinite(x[i]!) || (v.nullCount > 0 && !v.isValid(i))) use[i] = 0;
    const part: Moments = { n: 0, mean: new Float64Array(d), m2: new Float64Array(d * d) };
    // Two passes over the batch: the means of the usable rows, then their centred co-moments.
    for (let i = 0; i < use.length; i++) {
      if (!use[i]) continue;
      part.n++;
      for (let a = 0; a < d; a++) part.mean[a]! += cols[a]!.x[i]!;
    }
    if (part.n < use.length) ctx.count('skipped', use.length - part.n);
    if (part.n === 0) return acc;
    for (let a = 0; a < d; a++) part.mean[a]! /= part.n;
    const delta = new Float64Array(d);
    for (let i = 0; i < use.length; i++) {
      if (!use[i]) continue;
      for (let a = 0; a < d; a++) delta[a] = cols[a]!.x[i]! - part.mean[a]!;
      for (let a = 0; a < d; a++) for (let b = a; b < d; b++) part.m2[a * d + b]! += delta[a]! * delta[b]!;
    }
    return merge(acc, part);
  },
  merge,
  finish({ n, mean, m2 }: Moments, { params }) {
    const names = params.columns as string[];
    const d = names.length;
    const meanRow = {
      component: 'mean',
      eigenvalue: null,
      explained: null,
      ...Object.fromEntries(names.map((c, a) => [c, n > 0 ? mean[a]! : null])),
    };
    if (n < 2) return [meanRow];
    const cov = Matrix.zeros(d, d);
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov.set(a, b, m2[a * d + b]! / (n - 1)).set(b, a, m2[a * d + b]! / (n - 1));
    const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
    const values = evd.realEigenvalues;
    const vectors = evd.eigenvectorMatrix;
    const total = cov.trace();
    const order = values.map((_, j) => j).sort((i, j) => values[j]! - values[i]!);
    const keep = (params.components as number) || d;
    const rows: Array<Record<string, unknown>> = order.slice(0, keep).map((j, r) => {
      const v = vectors.getColumn(j);
      const largest = Math.max(...v.map(Math.abs));
      const sign = Math.sign(v.find((x) => Math.abs(x) >= largest * (1 - 1e-6))!) || 1;
      return {
        component: `pc${r + 1}`,
        eigenvalue: values[j]!,
        explained: total > 0 ? values[j]! / total : null,
        ...Object.fromEntries(names.map((c, a) => [c, sign * v[a]!])),
      };
    });
    return [...rows, meanRow];
  },
});

/** Chan, Golub & LeVeque's pairwise update of the means and the centred co-moments (upper triangle). */
function merge(a: Moments, b: Moments): Moments {
  if (b.n === 0) return a;
  if (a.n === 0) return b;
  const d = a.mean.length;
  const n = a.n + b.n;
  const w = (a.n * b.n) / n;
  const delta = b.mean.map((m, i) => m - a.mean[i]!);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) a.m2[i * d + j]! += b.m2[i * d + j]! + delta[i]! * delta[j]! * w;
    a.mean[i]! += (delta[i]! * b.n) / n;
  }
  a.n = n;
  return a;
}

/** The column names, checked: at least one, no repeats, none named like an output column. */
function columnsOf(ctx: Pick<JobContext, 'params'>): string[] {
  const names = ctx.params.columns as string[];
  const d = names.length;
  if (d === 0) throw new Error('--param columns needs at least one numeric column, e.g. columns=v1,v2,v3');
  if (new Set(names).size < d) throw new Error(`--param columns names a column twice: ${names.join(',')}`);
  const clash = names.find((c) => OUTPUT.includes(c));
  if (clash) throw new Error(`--param columns: "${clash}" is also an output column of pca (${OUTPUT.join(', ')}); rename it in the input`);
  const k = ctx.params.components as number;
  if (k < 0 || k > d) throw new Error(`--param components must be between 0 (all) and the number of columns (${d}), got ${k}`);
  return names;
}

import { defineJob, UsageError } from 'quiver-engine';
import { kmeansPlusPlus, sample } from './kmeans/init.js';
import { clusterTable, farthestMove, flatCentroids, kmeansParams, pointsOf, type ClusterRow } from './kmeans/points.js';

/**
 * k-means clustering of numeric columns (Lloyd's algorithm): `--param k=8 --param columns=x,y,z`,
 * at most `iterations` (20) steps, stopping early once no centroid moves more than `tolerance` (1e-6,
 * Euclidean). The init is k-means++ over a sample of `sample` (10 000) distinct points drawn by a
 * seeded hash (see kmeans/init.ts), so a `seed` (1) gives the same clusters at any worker count and
 * split size; `--param init='[[0,0,0],[5,5,5]]'` starts from given centroids instead.
 * Output: one row per cluster: `cluster` (0…k−1), `size` (rows assigned), `wcss` (their within-cluster
 * sum of squared distances to the centroid) and the centroid, one column per input column. The
 * report's counters say `iterations`, `converged` (1 or 0), `wcss` (the total) and `skipped`: rows with
 * a null, NaN or infinity in any column are left out (counted once).
 *
 *   quiver datasets generate points --rows 1000000 -o pts.arrow
 *   quiver run kmeans -i pts.arrow -p k=8 -p columns=x,y,z
 *
 * A driver: a fold step draws the sample, then each iteration runs `assign`, a fold whose accumulator
 * is per-cluster sums, counts and squared distances in typed arrays, with the centroids as a `json`
 * param. sizes and wcss are those of the last assignment, measured about the output centroids (the
 * means of that assignment). A cluster that gets no rows keeps its centroid (and reports size 0).
 */
export { sample };

interface Sums {
  sums: Float64Array;
  counts: Float64Array;
  sq: Float64Array;
}

/** One Lloyd step's statistics: each usable row assigned to its nearest centroid (the lowest index on ties). */
export const assign = defineJob({
  name: 'kmeans-assign',
  description: 'sizes, means and squared distances of rows assigned to their nearest centroid',
  params: {
    columns: { type: 'list', description: 'the numeric columns' },
    centroids: { type: 'json', description: 'k centroids of one number per column, e.g. [[0,0],[5,5]]' },
  },
  columns: (p) => p.columns as string[],
  identity(ctx): Sums {
    const d = (ctx.params.columns as string[]).length;
    const k = flatCentroids(ctx.params.centroids, d, '--param centroids').length / d;
    return { sums: new Float64Array(k * d), counts: new Float64Array(k), sq: new Float64Array(k) };
  },
  fold(acc: Sums, batch, ctx) {
    const { cols, use } = pointsOf(batch, ctx);
    const { sums, counts, sq } = acc;
    const d = cols.length;
    const k = counts.length;
    const c0 = flatCentroids(ctx.params.centroids, d, '--param centroids');
    const x = new Float64Array(d);
    for (let i = 0; i < use.length; i++) {
      if (!use[i]) continue;
      for (let j = 0; j < d; j++) x[j] = cols[j]![i]!;
      let best = 0;
      let bestD = Infinity;
      for (let c = 0, at = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++, at++) s += (x[j]! - c0[at]!) * (x[j]! - c0[at]!);
        if (s < bestD) {
          bestD = s;
          best = c;
        }
      }
      counts[best]!++;
      sq[best]! += bestD;
      for (let j = 0; j < d; j++) sums[best * d + j]! += x[j]!;
    }
    return acc;
  },
  merge(a: Sums, b: Sums) {
    for (const f of ['sums', 'counts', 'sq'] as const)
      b[f].forEach((x, i) => {
        a[f][i]! += x;
      });
    return a;
  },
  /** Per cluster: size, mean (the old centroid if empty) and wcss about the mean, Σ‖x − c‖² − n‖m − c‖² (König). */
  finish({ sums, counts, sq }: Sums, { params }) {
    const names = params.columns as string[];
    const d = names.length;
    const c0 = flatCentroids(params.centroids, d, '--param centroids');
    return Array.from(counts, (n, c) => {
      const mean = names.map((_, j) => (n > 0 ? sums[c * d + j]! / n : c0[c * d + j]!));
      const moved = mean.reduce((s, m, j) => s + (m - c0[c * d + j]!) ** 2, 0);
      return {
        cluster: c,
        size: n,
        wcss: Math.max(0, sq[c]! - n * moved),
        ...Object.fromEntries(names.map((name, j) => [name, mean[j]!])),
      };
    });
  },
});

export default defineJob({
  name: 'kmeans',
  description: 'k-means clusters of numeric columns (k-means++ init from a seeded sample, Lloyd iterations)',
  params: {
    k: { type: 'integer', default: 8, description: 'number of clusters' },
    columns: { type: 'list', description: 'the numeric columns, e.g. x,y,z' },
    iterations: { type: 'integer', default: 20, description: 'most Lloyd steps' },
    tolerance: { type: 'number', default: 1e-6, description: 'stop when no centroid moves farther than this' },
    seed: { type: 'integer', default: 1, description: 'seed of the init sample and of k-means++' },
    sample: { type: 'integer', default: 10_000, description: 'distinct points k-means++ picks from' },
    init: { type: 'json', default: null, description: 'initial centroids instead of k-means++, e.g. [[0,0],[5,5]]' },
  },
  async drive(q) {
    const { names, k, iterations, tolerance, seed, init } = kmeansParams(q.params);
    const d = names.length;
    const drawn = (await q.run(sample, { params: { columns: names, size: Math.max(k, q.params.sample as number), seed } })).value as {
      rows: number;
      points: Float64Array;
    };
    if (drawn.rows < k) throw new UsageError(`--param k=${k} is more than the ${drawn.rows} usable row(s) of the input; lower k`);
    if (drawn.points.length / d < k && !init)
      throw new UsageError(`--param k=${k} is more than the ${drawn.points.length / d} distinct point(s) of the input; lower k`);
    let centroids = init ?? kmeansPlusPlus(drawn.points, d, k, seed);
    let rows: ClusterRow[] = [];
    let shift = Infinity;
    let step = 0;
    for (; step < iterations && shift > tolerance; step++) {
      rows = (await q.run(assign, { params: { columns: names, centroids } })).value as ClusterRow[];
      const next = Float64Array.from(rows.flatMap((r) => names.map((n) => r[n]!)));
      shift = farthestMove(centroids, next, d);
      centroids = next;
    }
    q.count('iterations', step);
    q.count('converged', shift <= tolerance ? 1 : 0);
    q.count(
      'wcss',
      rows.reduce((s, r) => s + r.wcss, 0),
    );
    return clusterTable(rows, names);
  },
});

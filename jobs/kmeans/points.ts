import { makeVector, Table, type RecordBatch } from 'apache-arrow';
import { UsageError, type JobContext, type ParamValue } from 'quiver-engine';

/** The output columns of kmeans, which no input column may be named. */
export const OUTPUT = ['cluster', 'size', 'wcss'];

/** The coordinate columns of a batch as arrays of numbers, and which rows are usable points. */
export interface Points {
  cols: ArrayLike<number>[];
  /** 1 where every coordinate is a finite number; 0 for a null, NaN or infinity in any of them. */
  use: Uint8Array;
  /** How many rows are usable. */
  usable: number;
}

/** The points of a batch in the columns named by `--param columns` (64-bit integers read as doubles). */
export function pointsOf(batch: RecordBatch, ctx: Pick<JobContext, 'params' | 'column'>): Points {
  const names = ctx.params.columns as string[];
  const use = new Uint8Array(batch.numRows).fill(1);
  const cols = names.map((name) => {
    const raw = ctx.column(batch, name);
    const x = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float64Array.from(raw, Number) : raw;
    const v = batch.getChild(name)!;
    // x − x is 0 for every finite number and NaN for NaN and ±Infinity: one test for both.
    for (let i = 0; i < use.length; i++) if (x[i]! - x[i]! !== 0) use[i] = 0;
    if (v.nullCount > 0) for (let i = 0; i < use.length; i++) if (!v.isValid(i)) use[i] = 0;
    return x;
  });
  let usable = 0;
  for (let i = 0; i < use.length; i++) usable += use[i]!;
  return { cols, use, usable };
}

/** The driver's params, checked: columns (at least one, no repeats, none named like an output column), k, limits, init. */
export function kmeansParams(params: Record<string, ParamValue>) {
  const names = params.columns as string[];
  const { k, iterations, tolerance, seed } = params as Record<string, number>;
  if (names.length === 0) throw new UsageError('--param columns needs at least one numeric column, e.g. columns=x,y,z');
  if (new Set(names).size < names.length) throw new UsageError(`--param columns names a column twice: ${names.join(',')}`);
  const clash = names.find((c) => OUTPUT.includes(c));
  if (clash)
    throw new UsageError(`--param columns: "${clash}" is also an output column of kmeans (${OUTPUT.join(', ')}); rename it in the input`);
  if (k < 1) throw new UsageError(`--param k must be at least 1, got ${k}`);
  if (iterations < 1) throw new UsageError(`--param iterations must be at least 1, got ${iterations}`);
  if (!(tolerance >= 0)) throw new UsageError(`--param tolerance must be 0 or more, got ${tolerance}`);
  const init = params.init === null ? undefined : flatCentroids(params.init, names.length, '--param init');
  if (init && init.length !== k * names.length)
    throw new UsageError(`--param init has ${init.length / names.length} centroids but k is ${k}`);
  return { names, k, iterations, tolerance, seed, init };
}

/** One cluster as the assign step reports it: its size, wcss and centroid (a number per column). */
export type ClusterRow = { cluster: number; size: number; wcss: number } & Record<string, number>;

/** The largest distance a centroid moved from `a` to `b` (k centroids of d numbers each). */
export function farthestMove(a: Float64Array, b: Float64Array, d: number): number {
  let most = 0;
  for (let c = 0; c < a.length; c += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (b[c + j]! - a[c + j]!) ** 2;
    most = Math.max(most, s);
  }
  return Math.sqrt(most);
}

/** The output: cluster (int32), size, wcss, then the centroid's coordinates (float64). */
export function clusterTable(rows: ClusterRow[], names: string[]): Table {
  const column = (name: string) => makeVector(Float64Array.from(rows, (r) => r[name]!));
  return new Table({
    cluster: makeVector(Int32Array.from(rows, (r) => r.cluster)),
    ...Object.fromEntries([...OUTPUT.slice(1), ...names].map((n) => [n, column(n)])),
  });
}

/** Centroids given as a flat array of k·d numbers or as k arrays of d numbers, as one Float64Array of k·d. */
export function flatCentroids(value: unknown, d: number, what: string): Float64Array {
  const flat = ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : Array.isArray(value) ? (value as unknown[]).flat() : [];
  if (flat.length === 0 || flat.length % d !== 0 || !flat.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new UsageError(
      `${what} must be centroids of ${d} finite number(s) each, e.g. [[${Array.from({ length: d }, (_, j) => j).join(',')}], …]; got ` +
        `${JSON.stringify(value)?.slice(0, 80)}`,
    );
  }
  return Float64Array.from(flat as number[]);
}

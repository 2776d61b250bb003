import { defineJob } from 'quiver-engine';
import { pointsOf } from './points.js';

/**
 * The init of kmeans: k-means++ (Arthur & Vassilvitskii) over a sample of the input's points.
 *
 * The sample is a bottom-m sketch: of the distinct usable points, the m whose hash of (seed,
 * coordinates) is smallest. Which points it holds depends only on the data and the seed — not on how
 * the input is split, in what order tasks finish, or how many workers read it — so the same seed gives
 * the same init, and the same clusters, at any worker count and split size. A point repeated in the
 * input is one point of the sample. Each task keeps the points under the current cut in a buffer that
 * is cut back to the m smallest whenever it doubles, so most rows cost one hash and one comparison.
 */
interface Sketch {
  size: number;
  rows: number;
  prio: number[];
  coords: number[];
  seen: Set<number>;
  cut: number;
}

/** The sample, as a fold over the input: the usable rows counted, and the sketch's points. */
export const sample = defineJob({
  name: 'kmeans-sample',
  description: 'the distinct points of numeric columns with the smallest seeded hashes (the kmeans init sample)',
  params: {
    columns: { type: 'list', description: 'the numeric columns' },
    size: { type: 'integer', default: 10_000, description: 'how many points to keep' },
    seed: { type: 'integer', default: 1, description: 'the hash seed' },
  },
  columns: (p) => p.columns as string[],
  identity: (ctx): Sketch => ({ size: ctx.params.size as number, rows: 0, prio: [], coords: [], seen: new Set(), cut: Infinity }),
  fold(acc: Sketch, batch, ctx) {
    const { cols, use, usable } = pointsOf(batch, ctx);
    acc.rows += usable;
    if (usable < use.length) ctx.count('skipped', use.length - usable);
    const x = new Float64Array(cols.length);
    for (let i = 0; i < use.length; i++) {
      if (!use[i]) continue;
      for (let j = 0; j < x.length; j++) x[j] = cols[j]![i]!;
      const p = hashPoint(x, ctx.params.seed as number);
      if (p < acc.cut) add(acc, p, x);
    }
    return acc;
  },
  merge(a: Sketch, b: Sketch) {
    const d = b.prio.length ? b.coords.length / b.prio.length : 0;
    for (let e = 0; e < b.prio.length; e++) if (b.prio[e]! < a.cut) add(a, b.prio[e]!, b.coords.slice(e * d, e * d + d));
    a.rows += b.rows;
    return a;
  },
  /** The usable rows, and the sample's points (k·d coordinates) in hash order. */
  finish(acc: Sketch) {
    cut(acc);
    return { rows: acc.rows, points: Float64Array.from(acc.coords) };
  },
});

function add(s: Sketch, p: number, x: ArrayLike<number>): void {
  // Equal hashes are the same point (a collision of two 53-bit hashes is not worth a comparison).
  if (s.seen.has(p)) return;
  s.seen.add(p);
  s.prio.push(p);
  for (let j = 0; j < x.length; j++) s.coords.push(x[j]!);
  if (s.prio.length >= 2 * s.size) cut(s);
}

/** Keeps the `size` points with the smallest hashes, in hash order; later points must hash below the largest kept. */
function cut(s: Sketch): void {
  const d = s.prio.length ? s.coords.length / s.prio.length : 0;
  const order = s.prio
    .map((_, e) => e)
    .sort((a, b) => s.prio[a]! - s.prio[b]!)
    .slice(0, s.size);
  s.coords = order.flatMap((e) => s.coords.slice(e * d, e * d + d));
  s.prio = order.map((e) => s.prio[e]!);
  s.seen = new Set(s.prio);
  if (s.prio.length === s.size) s.cut = s.prio[s.size - 1]!;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A 53-bit hash of a point's coordinates (their float64 bits, −0 as 0) and a seed: two murmur3-style lanes. */
function hashPoint(x: ArrayLike<number>, seed: number): number {
  let h1 = seed ^ 0x9e3779b9;
  let h2 = Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35;
  for (let j = 0; j < x.length; j++) {
    f64[0] = x[j]! + 0;
    for (let w = 0; w < 2; w++) {
      h1 = Math.imul(h1 ^ u32[w]!, 0xcc9e2d51);
      h1 = Math.imul((h1 << 15) | (h1 >>> 17), 0x1b873593);
      h2 = Math.imul(h2 ^ u32[w]!, 0x1b873593);
      h2 = Math.imul((h2 << 13) | (h2 >>> 19), 0xcc9e2d51);
    }
  }
  return (fmix(h1 ^ h2) >>> 0) * 2 ** 21 + (fmix(h2 + Math.imul(h1, 5)) >>> 11);
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * k-means++ over the sample: the first centroid a uniform pick, each next one a point picked with
 * probability proportional to its squared distance to the nearest centroid so far (uniform again if
 * every point already sits on a centroid, i.e. the sample has fewer than k distinct points).
 */
export function kmeansPlusPlus(points: Float64Array, d: number, k: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const n = points.length / d;
  const centroids = new Float64Array(k * d);
  const near = new Float64Array(n).fill(Infinity);
  for (let c = 0; c < k; c++) {
    const total = c === 0 ? 0 : near.reduce((s, x) => s + x, 0);
    let pick = 0;
    if (total > 0) {
      for (let r = random() * total; pick < n - 1 && r >= near[pick]!; pick++) r -= near[pick]!;
    } else {
      pick = Math.min(n - 1, Math.floor(random() * n));
    }
    centroids.set(points.subarray(pick * d, pick * d + d), c * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j]! - centroids[c * d + j]!) ** 2;
      if (s < near[i]!) near[i] = s;
    }
  }
  return centroids;
}

/** A small seeded PRNG (mulberry32), the one the datasets use: the same seed gives the same init everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

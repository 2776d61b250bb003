/**
 * The scaling models of a speedup sweep. All take times or speedups measured at worker counts p.
 *
 * - speedup S(p) = T(1) ÷ T(p); efficiency E(p) = S(p) ÷ p.
 * - Karp–Flatt: the experimentally determined serial fraction e(p) = (1/S − 1/p) ÷ (1 − 1/p). If it stays
 *   flat as p grows, the limit is serial work (Amdahl); if it grows, the overhead of parallelism grows with p.
 * - Amdahl: S(p) = 1 ÷ (f + (1 − f) ÷ p) for a serial fraction f.
 */

/** Speedup of a time against a baseline time. */
export function speedupOf(baselineMs: number, ms: number): number {
  return baselineMs / ms;
}

/** Parallel efficiency: speedup per worker. */
export function efficiencyOf(speedup: number, workers: number): number {
  return speedup / workers;
}

/**
 * The Karp–Flatt metric: the serial fraction that explains speedup `s` on `p` workers. Undefined at p = 1.
 *
 * @example
 * karpFlatt(3.2, 4) // 0.0833…: (1/3.2 − 1/4) ÷ (1 − 1/4)
 */
export function karpFlatt(s: number, p: number): number | null {
  if (p <= 1) return null;
  return (1 / s - 1 / p) / (1 - 1 / p);
}

/** Amdahl's law: the speedup on `p` workers of a job whose serial fraction is `f`. */
export function amdahlSpeedup(f: number, p: number): number {
  return 1 / (f + (1 - f) / p);
}

/** Amdahl's law fitted to measured points. */
export interface AmdahlFit {
  /** The serial fraction f, in [0, 1]. */
  serialFraction: number;
  /** Root-mean-square difference between the measured speedups and the fitted curve. */
  rmse: number;
  /** Points with p > 1 the fit used. */
  points: number;
}

/**
 * Fits Amdahl's serial fraction f to measured speedups by least squares on the normalised time
 * T(p)/T(1) = 1/S(p) = f·(1 − 1/p) + 1/p, which is linear in f: with x = 1 − 1/p and y = 1/S − 1/p,
 * f = Σxy ÷ Σx². (Each point's Karp–Flatt value is y/x, so f is their average weighted by x².)
 * Clamped to [0, 1]; null without a point at p > 1.
 *
 * @example
 * fitAmdahl([{ workers: 2, speedup: 1.6 }, { workers: 4, speedup: 2.5 }]).serialFraction // 0.2154…
 * (Karp–Flatt 0.25 at 2 and 0.2 at 4, weighted by x² = 0.25 and 0.5625)
 */
export function fitAmdahl(points: ReadonlyArray<{ workers: number; speedup: number }>): AmdahlFit | null {
  let sxy = 0;
  let sxx = 0;
  let n = 0;
  for (const { workers: p, speedup: s } of points) {
    if (p <= 1 || !(s > 0)) continue;
    const x = 1 - 1 / p;
    sxy += x * (1 / s - 1 / p);
    sxx += x * x;
    n++;
  }
  if (n === 0) return null;
  const f = Math.min(1, Math.max(0, sxy / sxx));
  const used = points.filter((q) => q.workers > 1 && q.speedup > 0);
  const rmse = Math.sqrt(used.reduce((acc, q) => acc + (q.speedup - amdahlSpeedup(f, q.workers)) ** 2, 0) / used.length);
  return { serialFraction: f, rmse, points: n };
}

/** Core counts the report predicts for. */
export const PREDICTION_CORES = [8, 16, 32, 64] as const;

/** What the Amdahl predictions are and are not. */
export const PREDICTION_CAVEAT =
  "Amdahl's law with the fitted serial fraction: a model, not a measurement. It assumes the serial part stays fixed and the rest " +
  'divides evenly; memory bandwidth, I/O, shuffle volume and scheduling costs that grow with the worker count make real speedups lower.';

/** The predicted speedup and efficiency at each of `cores`. */
export function predictions(
  f: number,
  cores: readonly number[] = PREDICTION_CORES,
): Array<{ cores: number; speedup: number; efficiency: number }> {
  return cores.map((c) => {
    const s = amdahlSpeedup(f, c);
    return { cores: c, speedup: s, efficiency: s / c };
  });
}

import type { RunSample } from '../../dist/src/speedup/sample.js';
import type { Sweep } from '../../dist/src/speedup/sweep.js';

/** A run that took `wallMs` on `p` workers (0: sequential), with phases that add up to it. */
function sample(wallMs: number, p: number): RunSample {
  return {
    wallMs,
    cpuMs: wallMs * Math.max(1, p),
    phases: { setup: 20, read: wallMs * 0.2, map: wallMs * 0.6 - 20, shuffle: 1, reduce: wallMs * 0.1, merge: wallMs * 0.1 - 1, write: 0 },
    setupDetail: p ? { planMs: 2, bundleMs: 15, workersMs: 18 } : null,
    busyMs: wallMs * Math.max(1, p) * 0.9,
    coresBusy: Math.max(1, p) * 0.9,
    loadBalance: p ? { imbalance: 1.1, waitForSlowestMs: 12, idleMs: 30 } : null,
    tasks: { map: 4 * Math.max(1, p), reduce: Math.max(1, p), retried: 0 },
    bytesMoved: p ? 1e6 * p : 0,
    splits: 4 * Math.max(1, p),
  };
}

/** A sweep of a job with serial fraction 0.08 on 8 cores (T(p) = 1000 · (0.08 + 0.92/p) ms), measured three times per setting. */
export function syntheticSweep(): Sweep {
  const T = (p: number) => 1000 * (0.08 + 0.92 / p);
  return {
    job: { name: 'wordcount', file: '/jobs/wordcount.ts', kind: 'keyed', params: {} },
    input: { paths: ['corpus.txt'], files: 1, bytes: 200 * 2 ** 20, rows: 3_400_000 },
    startedAt: new Date('2026-01-02T03:04:05Z'),
    loadBefore: [0.1, 0.1, 0.1],
    cores: 8,
    workers: [1, 2, 4, 8],
    addedOne: false,
    repeat: 3,
    warmup: 1,
    sequential: [930, 950, 940].map((t) => sample(t, 0)),
    points: [1, 2, 4, 8].map((p) => ({ workers: p, samples: [T(p) * 1.02, T(p), T(p) * 0.99].map((t) => sample(t, p)) })),
  };
}

import os from 'node:os';
import { amdahlSpeedup, efficiencyOf, fitAmdahl, karpFlatt, predictions, PREDICTION_CAVEAT, speedupOf } from './models.js';
import { phaseSum } from './phases.js';
import { SPEEDUP_SCHEMA, type PointResult, type SettingResult, type SpeedupReport } from './report.js';
import type { RunSample } from './sample.js';
import { medianIndex, summarize } from './stats.js';
import type { Sweep } from './sweep.js';
import { sweepWarnings } from './warnings.js';

/** How the input was cut, as the user asked (null: the default for each worker count). */
export interface CutSettings {
  splitSize?: number | string;
  reducers?: number;
  batchRows?: number;
}

/** Summarises a setting's timed runs around its median run. */
export function settingOf(runs: RunSample[]): SettingResult {
  const walls = runs.map((r) => r.wallMs);
  const m = runs[medianIndex(walls)]!;
  return {
    wallMs: summarize(walls),
    phases: m.phases,
    phaseSumMs: phaseSum(m.phases),
    medianRunWallMs: m.wallMs,
    cpuMs: m.cpuMs,
    busyMs: m.busyMs,
    coresBusy: m.coresBusy,
    loadBalance: m.loadBalance,
    tasks: m.tasks,
    bytesMoved: m.bytesMoved,
    splits: m.splits,
    runs,
  };
}

/** Turns a sweep's measurements into the report: speedups, efficiency, Karp–Flatt, the Amdahl fit and warnings. */
export function analyzeSweep(sweep: Sweep, cut: CutSettings = {}): SpeedupReport {
  const sequential = sweep.sequential?.length ? settingOf(sweep.sequential) : undefined;
  const settings = sweep.points.map((p) => ({ workers: p.workers, ...settingOf(p.samples) }));
  const t1 = settings.find((s) => s.workers === 1)!.wallMs.median;
  const measured = settings.map((s) => ({ workers: s.workers, speedup: speedupOf(t1, s.wallMs.median) }));
  const fit = fitAmdahl(measured);
  const points: PointResult[] = settings.map(({ workers, ...s }, i) => {
    const speedup = measured[i]!.speedup;
    return {
      workers,
      oversubscribed: workers > sweep.cores,
      speedup,
      speedupVsSequential: sequential ? speedupOf(sequential.wallMs.median, s.wallMs.median) : null,
      efficiency: efficiencyOf(speedup, workers),
      karpFlatt: karpFlatt(speedup, workers),
      amdahlSpeedup: fit ? amdahlSpeedup(fit.serialFraction, workers) : null,
      ...s,
    };
  });
  const cpus = os.cpus();
  return {
    schema: SPEEDUP_SCHEMA,
    createdAt: sweep.startedAt.toISOString(),
    job: sweep.job,
    input: sweep.input,
    machine: {
      cores: sweep.cores,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      loadAverageBefore: sweep.loadBefore,
    },
    settings: {
      workers: sweep.workers,
      repeat: sweep.repeat,
      warmup: sweep.warmup,
      splitSize: cut.splitSize === undefined ? null : String(cut.splitSize),
      reducers: cut.reducers ?? null,
      batchRows: cut.batchRows ?? null,
    },
    sequential: sequential ? { ...sequential, t1OverSequential: t1 / sequential.wallMs.median } : null,
    points,
    amdahl: fit ? { ...fit, predictions: predictions(fit.serialFraction), caveat: PREDICTION_CAVEAT } : null,
    warnings: sweepWarnings(sweep, points, sequential),
  };
}

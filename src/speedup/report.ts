import type { RunReport } from '../coordinator/report-types.js';
import type { ParamValue } from '../job/types.js';
import type { RunSample } from './sample.js';
import type { Stats } from './stats.js';

/** The schema tag of the JSON report; it changes only when a field changes meaning or goes away. */
export const SPEEDUP_SCHEMA = 'quiver-speedup/1';

/**
 * One setting of a sweep (the sequential baseline or a worker count), summarised over its timed runs.
 * The fields it shares with a run sample (phases, CPU and busy time, cores busy, load balance, tasks,
 * bytes moved, splits) are those of the median run (the lower median for an even count).
 */
export interface SettingResult extends Omit<RunSample, 'wallMs' | 'setupDetail'> {
  /** Wall time T over the timed runs. */
  wallMs: Stats;
  /** Sum of `phases`, and that run's wall time: equal but for the microseconds between phases. */
  phaseSumMs: number;
  medianRunWallMs: number;
  /** Every timed run, in order. */
  runs: RunSample[];
}

/** A worker count's results and the models evaluated there. */
export interface PointResult extends SettingResult {
  workers: number;
  /** More workers than cores. */
  oversubscribed: boolean;
  /** S(p) = T(1) ÷ T(p), medians. */
  speedup: number;
  /** T_seq ÷ T(p); null without the sequential run. */
  speedupVsSequential: number | null;
  /** S(p) ÷ p. */
  efficiency: number;
  /** Karp–Flatt serial fraction e(p); null at p = 1. */
  karpFlatt: number | null;
  /** The fitted Amdahl curve at p; null without a fit. */
  amdahlSpeedup: number | null;
}

/** The JSON report of `quiver speedup`: documented field by field in docs/speedup-json.md. */
export interface SpeedupReport {
  schema: typeof SPEEDUP_SCHEMA;
  createdAt: string;
  job: { name: string; file: string; kind: RunReport['kind']; params: Record<string, ParamValue> };
  input: { paths: string[]; files: number; bytes: number; rows: number };
  machine: {
    cores: number;
    cpuModel: string;
    memoryBytes: number;
    node: string;
    platform: string;
    arch: string;
    loadAverageBefore: number[];
  };
  settings: {
    workers: number[];
    repeat: number;
    warmup: number;
    splitSize: string | null;
    reducers: number | null;
    batchRows: number | null;
  };
  sequential: (SettingResult & { t1OverSequential: number }) | null;
  points: PointResult[];
  amdahl: {
    serialFraction: number;
    rmse: number;
    points: number;
    predictions: Array<{ cores: number; speedup: number; efficiency: number }>;
    caveat: string;
  } | null;
  warnings: string[];
}

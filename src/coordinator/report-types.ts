import type { TaskMetrics } from '../worker/protocol.js';
import type { WideningNote } from './widen-run.js';
/**
 * The types of a run's report, in a module of their own below the code that fills them (the
 * pipeline, the driver, the recursion, the bad-record tally), so that code need not import each other
 * to name them.
 */

/** What the report says about skipped records. */
export interface BadRecordSummary {
  /** Records skipped in all. */
  total: number;
  /** Records skipped per input file. */
  byFile: Record<string, number>;
  /** Where examples were written, if `--bad-records-file` was given. */
  examplesFile?: string;
}

/** Sequential wall-clock segments of a run; they add up to the wall time. */
export interface PhaseTimes {
  /** Bundling the job, planning and starting workers (these overlap each other). */
  setup: number;
  /** Map (or fold) tasks, from the first dispatch to the last result. */
  map: number;
  /** Regrouping map partitions by reducer in the coordinator. */
  shuffle: number;
  reduce: number;
  /** Merging reducer slices (or fold partials) and building the result table. */
  merge: number;
  write: number;
}

/**
 * What one task did, for the report and for speedup analysis: its own metrics (less its counters,
 * which the report sums) with times in ms from the run's start, and which task and worker it was.
 */
export interface TaskRecord extends Omit<TaskMetrics, 'counters'> {
  /**
   * `drain`: a worker handing over what its map tasks combined (per-worker combining, end of the map phase).
   * `divide` and `conquer`: the tasks of a recursive job.
   */
  kind: 'map' | 'fold' | 'reduce' | 'drain' | 'divide' | 'conquer';
  index: number;
  worker: number;
}

/** The run report: what went in, what came out, where the time went and how busy the cores were. */
export interface RunReport {
  job: string;
  jobFile: string;
  kind: 'keyed' | 'fold' | 'recursive' | 'driver';
  workers: number;
  reducers: number;
  /** `os.availableParallelism()` on this machine. */
  cores: number;
  input: { files: number; bytes: number; rows: number; splits: number };
  output: { rows: number; path?: string };
  wallMs: number;
  phases: PhaseTimes;
  /** Plan and bundle times inside `setup`. */
  setupDetail: { planMs: number; bundleMs: number; workersMs: number };
  /** Sum of task busy time. */
  busyMs: number;
  /**
   * busyMs ÷ wallMs: how many cores were kept busy on average over the whole run, at most min(workers, cores)
   * (with more workers than cores, task times include waits for a core).
   */
  coresBusy: number;
  /** Map-phase task time ÷ map-phase wall time, capped the same way. */
  mapCoresBusy: number;
  /**
   * The busiest worker's map-task time ÷ the mean over the workers (1: every worker was busy as long).
   * Per worker, not per task: the planner makes the last tasks smaller on purpose (the guided tail).
   */
  imbalance: number;
  bytesMoved: number;
  /** Shuffle bytes written to (and read back from) temp files because they passed `--memory`. */
  spilledBytes: number;
  /** Malformed records skipped under `--max-bad-records`, per file; absent when none were. */
  badRecords?: BadRecordSummary;
  tasks: { map: number; reduce: number; retried: number };
  counters: Record<string, number>;
  taskRecords: TaskRecord[];
  /** Columns of CSV/NDJSON inputs widened because a value past the sample did not fit (the run restarted for each). */
  widened?: WideningNote[];
  /** A driver's steps: the jobs it ran, how often and for how long. */
  steps?: Array<{ job: string; kind: string; runs: number; wallMs: number }>;
  /** Things about the run a user should look at (an empty result from rows read, …); absent when none. */
  notes?: string[];
}

/** What a sequential run measured: the parts of a run report that make sense without workers. */
export type SequentialReport = Pick<
  RunReport,
  'job' | 'jobFile' | 'kind' | 'input' | 'output' | 'wallMs' | 'phases' | 'busyMs' | 'counters' | 'taskRecords' | 'steps'
> & {
  tasks: { map: number; reduce: number };
};

/** What one step of a driver (a sub-run or a fork-join) reports; the engine's full reports extend it. */
export type StepReport = SequentialReport & {
  bytesMoved?: number;
  spilledBytes?: number;
  tasks: { map: number; reduce: number; retried?: number };
};

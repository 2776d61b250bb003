import { formatSize } from '../planner/size.js';
import type { BadRecordSummary } from './bad-records.js';
import { formatWidenings, type WideningNote } from './widen-run.js';

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

/** What one task did, for the report and for speedup analysis. Times are ms from the run's start. */
export interface TaskRecord {
  /** `drain`: a worker handing over what its map tasks combined (per-worker combining, end of the map phase). `divide` and `conquer`: the tasks of a recursive job. */
  kind: 'map' | 'fold' | 'reduce' | 'drain' | 'divide' | 'conquer';
  index: number;
  worker: number;
  start: number;
  end: number;
  readMs: number;
  rowsIn: number;
  bytesIn: number;
  bytesOut: number;
  pairsOut: number;
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
  /** busyMs ÷ wallMs: how many cores were kept busy on average over the whole run. */
  coresBusy: number;
  /** Map-phase task time ÷ map-phase wall time. */
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
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);

/** The report as a few lines of text for stderr. */
export function formatReport(r: RunReport): string {
  const pct = Math.round((100 * r.coresBusy) / Math.min(r.workers, r.cores));
  const lines = [
    `quiver: ${r.job} — ${r.input.rows.toLocaleString('en-US')} rows, ${formatSize(r.input.bytes)} in ${r.input.files} file${r.input.files === 1 ? '' : 's'} → ${r.output.rows.toLocaleString('en-US')} rows${r.output.path ? ` (${r.output.path})` : ''}`,
    `  wall ${fmtMs(r.wallMs)}: ${Object.entries(r.phases).map(([k, v]) => `${k} ${fmtMs(v)}`).join(', ')}`,
    `  tasks: ${r.tasks.map} ${r.kind === 'fold' ? 'fold' : r.kind === 'keyed' ? 'map' : 'map/fold/fork-join'} + ${r.tasks.reduce} reduce on ${r.workers} worker${r.workers === 1 ? '' : 's'}` +
      `${r.tasks.retried ? `, ${r.tasks.retried} retried` : ''}; ${formatSize(r.bytesMoved)} moved between threads${r.spilledBytes ? `, ${formatSize(r.spilledBytes)} spilled to disk` : ''}; imbalance ${r.imbalance.toFixed(2)}`,
    `  cores: ${r.coresBusy.toFixed(1)} of ${r.cores} busy over the run, ${pct}% of the ${Math.min(r.workers, r.cores)} usable (map phase: ${r.mapCoresBusy.toFixed(1)})`,
  ];
  if (r.badRecords) {
    const files = Object.entries(r.badRecords.byFile).map(([f, n]) => `${f}: ${n.toLocaleString('en-US')}`).join(', ');
    lines.push(`  bad records skipped: ${r.badRecords.total.toLocaleString('en-US')} (${files})${r.badRecords.examplesFile ? `; examples in ${r.badRecords.examplesFile}` : ''}`);
  }
  if (r.widened) lines.push(...formatWidenings(r.widened));
  if (r.steps?.length) {
    lines.push(`  steps: ${r.steps.map((s) => `${s.job} (${s.kind}) ×${s.runs} ${fmtMs(s.wallMs)}`).join(', ')}`);
  }
  const counters = Object.entries(r.counters);
  if (counters.length) lines.push(`  counters: ${counters.map(([k, v]) => `${k}=${v.toLocaleString('en-US')}`).join(', ')}`);
  return lines.join('\n');
}

/** The busiest worker's task time ÷ the mean over `workers` workers (1 when perfectly even, or with one worker). */
export function workerImbalance(tasks: ReadonlyArray<Pick<TaskRecord, 'worker' | 'start' | 'end'>>, workers: number): number {
  if (tasks.length === 0 || workers <= 1) return 1;
  const busy = new Array<number>(workers).fill(0);
  for (const t of tasks) if (t.worker < workers) busy[t.worker] = busy[t.worker]! + (t.end - t.start);
  const mean = busy.reduce((a, b) => a + b, 0) / workers;
  return mean > 0 ? Math.max(...busy) / mean : 1;
}

import os from 'node:os';
import { formatCount, formatSize } from '../util/size.js';
import type { RunReport, SequentialReport, TaskRecord } from './report-types.js';
import { formatWidenings } from './widen-run.js';

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);

/** The report as a few lines of text for stderr. */
export function formatReport(r: RunReport): string {
  const pct = Math.round((100 * r.coresBusy) / Math.min(r.workers, r.cores));
  const lines = [
    `quiver: ${r.job} — ${formatCount(r.input.rows)} rows, ${formatSize(r.input.bytes)} in ${r.input.files} ` +
      `file${r.input.files === 1 ? '' : 's'} → ${formatCount(r.output.rows)} ` +
      `rows${r.output.path ? ` (${r.output.path})` : ''}`,
    `  wall ${fmtMs(r.wallMs)}: ${Object.entries(r.phases)
      .map(([k, v]) => `${k} ${fmtMs(v)}`)
      .join(', ')}`,
    `  tasks: ${r.tasks.map} ${r.kind === 'fold' ? 'fold' : r.kind === 'keyed' ? 'map' : 'map/fold/fork-join'} + ${r.tasks.reduce} ` +
      `reduce on ${r.workers} worker${r.workers === 1 ? '' : 's'}` +
      `${r.tasks.retried ? `, ${r.tasks.retried} retried` : ''}; ${formatSize(r.bytesMoved)} moved between ` +
      `threads${r.spilledBytes ? `, ${formatSize(r.spilledBytes)} spilled to disk` : ''}; imbalance ${r.imbalance.toFixed(2)}`,
    `  cores: ${r.coresBusy.toFixed(1)} of ${r.cores} busy over the run, ${pct}% of the ${Math.min(r.workers, r.cores)} usable (map ` +
      `phase: ${r.mapCoresBusy.toFixed(1)})`,
  ];
  if (r.workers > r.cores) {
    lines.push(
      `  oversubscribed: ${r.workers} workers shared ${r.cores} cores, so tasks also waited for a core; cores busy is capped at ` +
        `${r.cores} (--workers ${r.cores} or fewer runs as fast)`,
    );
  }
  if (r.badRecords) {
    const files = Object.entries(r.badRecords.byFile)
      .map(([f, n]) => `${f}: ${formatCount(n)}`)
      .join(', ');
    lines.push(
      `  bad records skipped: ${formatCount(r.badRecords.total)} ` +
        `(${files})${r.badRecords.examplesFile ? `; examples in ${r.badRecords.examplesFile}` : ''}`,
    );
  }
  if (r.widened) lines.push(...formatWidenings(r.widened));
  if (r.steps?.length) {
    lines.push(`  steps: ${r.steps.map((s) => `${s.job} (${s.kind}) ×${s.runs} ${fmtMs(s.wallMs)}`).join(', ')}`);
  }
  for (const note of r.notes ?? []) lines.push(`  note: ${note}`);
  const counters = Object.entries(r.counters);
  if (counters.length) lines.push(`  counters: ${counters.map(([k, v]) => `${k}=${formatCount(v)}`).join(', ')}`);
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

/** What a run measured, less what follows from it: the cores and the busy times. */
export type MeasuredRun = Omit<RunReport, 'cores' | 'busyMs' | 'coresBusy' | 'mapCoresBusy'>;

/**
 * The run report, made in one place for every kind of run (data jobs and drivers, on any runner):
 * task busy time from the task records, cores busy over the run and over the map phase.
 */
export function runReportOf(r: MeasuredRun): RunReport {
  let busyMs = 0;
  let mapBusyMs = 0;
  for (const t of r.taskRecords) {
    busyMs += t.end - t.start;
    if (t.kind !== 'reduce') mapBusyMs += t.end - t.start;
  }
  const cores = os.availableParallelism();
  const usable = Math.min(r.workers, cores);
  return {
    job: r.job,
    jobFile: r.jobFile,
    kind: r.kind,
    workers: r.workers,
    reducers: r.reducers,
    cores,
    input: r.input,
    output: r.output,
    wallMs: r.wallMs,
    phases: r.phases,
    setupDetail: r.setupDetail,
    busyMs,
    // With more workers than cores, a task's time includes its waits for a core: never more busy than the cores there are.
    coresBusy: r.wallMs > 0 ? Math.min(busyMs / r.wallMs, usable) : 0,
    mapCoresBusy: r.phases.map > 0 ? Math.min(mapBusyMs / r.phases.map, usable) : 0,
    imbalance: r.imbalance,
    bytesMoved: r.bytesMoved,
    spilledBytes: r.spilledBytes,
    badRecords: r.badRecords,
    tasks: r.tasks,
    counters: r.counters,
    taskRecords: r.taskRecords,
    ...(r.steps ? { steps: r.steps } : {}),
    ...(r.notes?.length ? { notes: r.notes } : {}),
  };
}

/** The parts of a run report the sequential baseline gives: those that make sense without workers. */
export function sequentialReportOf(r: RunReport): SequentialReport {
  return {
    job: r.job,
    jobFile: r.jobFile,
    kind: r.kind,
    input: r.input,
    output: r.output,
    wallMs: r.wallMs,
    phases: r.phases,
    busyMs: r.busyMs,
    counters: r.counters,
    tasks: { map: r.tasks.map, reduce: r.tasks.reduce },
    taskRecords: r.taskRecords,
    ...(r.steps ? { steps: r.steps } : {}),
  };
}

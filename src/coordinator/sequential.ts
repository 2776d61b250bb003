import type { Table } from 'apache-arrow';
import { CancelledError, UsageError } from '../errors.js';
import { loadJob, type LoadedJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type { DataJob, FoldJob, Job, KeyedJob, ParamValue, RecursiveJob } from '../job/types.js';
import { checkOutput, outputFormatOf, writeTableFile, type OutputFormat } from '../io/sinks.js';
import { tableFromShared } from '../io/shared-table.js';
import { describeSplit } from '../planner/split.js';
import { serializeError } from '../worker/errors.js';
import { decodePairs, foldValue, type EncodedPairs } from '../worker/partials.js';
import { now } from '../util/clock.js';
import { CANCEL_FLAG, type SolveTask, type TaskMetrics } from '../worker/protocol.js';
import { runSolveTask } from '../worker/solve.js';
import { driverSummary, runDriver, type StepReport } from './driver.js';
import { Recursion } from './recursion.js';
import { runDrainTask, runFoldTask, runMapTask, runReduceTask, TaskCancelled, type RunState } from '../worker/tasks.js';
import type { RunOptions } from './engine.js';
import type { SortedRun } from './merge-sorted.js';
import type { PhaseTimes, RunReport, TaskRecord } from './report.js';
import { columnsOf, foldResult, jobPath, keyedResult, planRun, reduceSpecsOf, taskRecordOf, userCall } from './run-steps.js';
import { TreeMerge } from './tree-merge.js';
import { errorFromWorker } from './worker-errors.js';

/** What a sequential run measured: the parts of a run report that make sense without workers. */
export type SequentialReport = Pick<RunReport, 'job' | 'jobFile' | 'kind' | 'input' | 'output' | 'wallMs' | 'phases' | 'busyMs' | 'counters' | 'taskRecords' | 'steps'> & {
  tasks: { map: number; reduce: number };
};

/** The result table, the fold value (fold jobs), and what the run measured. */
export interface SequentialResult {
  table: Table;
  value?: unknown;
  report: SequentialReport;
}

/**
 * Runs a job entirely in the calling thread, with no workers: the plan for one worker, its tasks called
 * one after another, then the engine's own shuffle, merge and output steps. Its time is the sequential
 * baseline T_seq, which separates what parallelism costs (T(1) − T_seq) from what it gains.
 *
 * @example
 * const { table, report } = await runSequential('wordcount', { input: 'corpus.txt' });
 * console.log(report.wallMs);
 */
export async function runSequential(jobSpec: string | URL | Job, options: RunOptions): Promise<SequentialResult> {
  const t0 = now();
  const signal = options.signal;
  if (signal?.aborted) throw new CancelledError();
  if (options.output) await checkOutput(options.output, options.overwrite ?? false);
  const outputFormat = options.output ? outputFormatOf(options.output, options.outputFormat) : undefined;
  // As in a worker: stack traces of user code point at their .ts lines through the bundle's source map.
  process.setSourceMapsEnabled(true);
  const [loadedR, plannedR] = await Promise.allSettled([loadJob(jobPath(jobSpec)), planRun(options, 1)]);
  if (loadedR.status === 'rejected') throw loadedR.reason;
  const loaded = loadedR.value;
  if (loaded.job.kind === 'driver') return driveSequential(loaded, options, t0, outputFormat);
  if (loaded.job.kind === 'recursive') throw new UsageError(`job "${loaded.job.name}" is a recursive job: it runs from a driver's q.forkJoin`);
  if (plannedR.status === 'rejected') throw plannedR.reason;
  return executeSequential(loaded, plannedR.value, options, t0, outputFormat);
}

/** Runs a driver in this thread: its steps run here too, one task after another. */
async function driveSequential(loaded: LoadedJob, options: RunOptions, t0: number, outputFormat: OutputFormat | undefined): Promise<SequentialResult> {
  const params = resolveParams(loaded.job.name, loaded.job.params, options.params ?? {});
  const setupMs = now() - t0;
  const outcome = await runDriver(loaded, params, options, {
    workers: 1,
    runStep: async (step, o) => executeSequential(step, await planRun(o, 1), o, now(), undefined),
    forkJoinStep: (step, p, problem, signal) => solveSequential(step, p, problem, signal),
  }, t0);
  let writeMs = 0;
  if (options.output && outputFormat) {
    const tWrite = now();
    await writeTableFile(outcome.table, options.output, outputFormat);
    writeMs = now() - tWrite;
  }
  const wallMs = now() - t0;
  const sum = driverSummary(outcome.steps, outcome.counters, wallMs, setupMs, writeMs);
  const report: SequentialReport = {
    job: loaded.job.name,
    jobFile: loaded.file,
    kind: 'driver',
    input: sum.input,
    output: { rows: outcome.table.numRows, path: options.output },
    wallMs,
    phases: sum.phases,
    busyMs: sum.taskRecords.reduce((n, r) => n + (r.end - r.start), 0),
    counters: sum.counters,
    tasks: { map: sum.tasks.map, reduce: sum.tasks.reduce },
    taskRecords: sum.taskRecords,
    steps: sum.steps,
  };
  return { table: outcome.table, value: outcome.value, report };
}

/** A recursive job's problems solved one after another in this thread, depth-first as the engine queues them. */
async function solveSequential(loaded: LoadedJob, params: Record<string, ParamValue>, problem: unknown, signal: AbortSignal | undefined): Promise<{ result: unknown; report: StepReport }> {
  const t0 = now();
  const control = new Int32Array(new SharedArrayBuffer(16));
  const state: RunState = { runId: 0, job: loaded.job, params, control };
  const rec = new Recursion(loaded.job as RecursiveJob, params, loaded.file);
  const specs = [rec.root(problem)];
  // Depth-first, as the engine queues sub-problems: a stack of task indices.
  const stack = [0];
  while (stack.length > 0) {
    if (signal?.aborted) throw new CancelledError();
    const i = stack.pop()!;
    const spec = specs[i]!;
    let r;
    try {
      r = await runSolveTask(state, spec.task as SolveTask);
    } catch (e) {
      throw errorFromWorker(serializeError(e, 'map'), spec.describe, loaded.file);
    }
    const more = rec.settle(i, r.output, r.metrics, 0, t0);
    if (more) {
      for (let j = more.length - 1; j >= 0; j--) stack.push(specs.length + j);
      specs.push(...more);
    }
  }
  return { result: rec.result, report: rec.report(t0, 0) };
}

/** Runs a keyed or fold job over a planned input in this thread. */
async function executeSequential(loaded: LoadedJob, planned: Awaited<ReturnType<typeof planRun>>, options: RunOptions, t0: number, outputFormat: OutputFormat | undefined): Promise<SequentialResult> {
  const signal = options.signal;
  const { file: jobFile } = loaded;
  const job = loaded.job as DataJob;
  const params = resolveParams(job.name, job.params, options.params ?? {});
  const columns = columnsOf(job, params, options.columns);
  const control = new Int32Array(new SharedArrayBuffer(16));
  const state: RunState = { runId: 0, job, params, control, table: planned.shared ? tableFromShared(planned.shared) : undefined };
  const onAbort = () => Atomics.store(control, CANCEL_FLAG, 1);
  signal?.addEventListener('abort', onAbort);
  const plan = planned.plan;
  const of = plan.splits.length;
  const records: TaskRecord[] = [];
  const counters: Record<string, number> = {};
  const record = (kind: TaskRecord['kind'], index: number, m: TaskMetrics) => {
    records.push(taskRecordOf(kind, index, 0, m, t0));
    for (const [k, v] of Object.entries(m.counters)) counters[k] = (counters[k] ?? 0) + v;
  };
  /** Runs one task here, turning its failure into the error the engine would give for it. */
  const call = async <R>(describe: string, phase: 'io' | 'reduce', fn: () => Promise<R>): Promise<R> => {
    if (signal?.aborted) throw new CancelledError();
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TaskCancelled) throw new CancelledError();
      throw errorFromWorker(serializeError(e, phase), describe, jobFile);
    }
  };

  const tMap = now();
  const phases: PhaseTimes = { setup: tMap - t0, map: 0, shuffle: 0, reduce: 0, merge: 0, write: 0 };
  let table: Table;
  let value: unknown;
  let reduceTasks = 0;
  try {
    if (job.kind === 'fold') {
      const tree = new TreeMerge<unknown>(of, (a, b) => (job as FoldJob).merge(a, b));
      let mergeMs = 0;
      for (const [i, split] of plan.splits.entries()) {
        const r = await call(describeSplit(split, of), 'io', () => runFoldTask(state, { kind: 'fold', split, of, batchRows: plan.batchRows, columns }));
        record('fold', i, r.metrics);
        if (r.output.kind !== 'fold') continue;
        const t = now();
        const out = r.output;
        // As in the engine: `merge` runs inside tree.add, so its errors carry the job's file:line too.
        userCall(jobFile, 'merge', () => tree.add(i, foldValue(out)));
        mergeMs += now() - t;
      }
      phases.map = now() - tMap - mergeMs;
      const tMerge = now();
      ({ value, table } = foldResult(job as FoldJob, tree.result, params, of, jobFile));
      phases.merge = now() - tMerge + mergeMs;
    } else {
      const R = plan.reducers;
      const parts: EncodedPairs[][] = Array.from({ length: R }, () => []);
      // As the engine does on each worker: map tasks combine into one held map, handed over by one drain.
      for (const [i, split] of plan.splits.entries()) {
        const r = await call(describeSplit(split, of), 'io', () => runMapTask(state, { kind: 'map', split, of, reducers: R, batchRows: plan.batchRows, columns, hold: true }));
        record('map', i, r.metrics);
      }
      const drained = await call('handing over the held map results', 'io', () => runDrainTask(state, { kind: 'drain', reducers: R }));
      record('drain', of, drained.metrics);
      if (drained.output.kind === 'drained') drained.output.partitions.forEach((p, j) => parts[j]!.push(p));
      const tShuffle = now();
      phases.map = tShuffle - tMap;
      const reduceSpecs = reduceSpecsOf(parts);
      const tReduce = now();
      phases.shuffle = tReduce - tShuffle;
      const runs: SortedRun[] = [];
      for (const spec of reduceSpecs) {
        if (spec.task.kind !== 'reduce') continue;
        const task = spec.task;
        const r = await call(spec.describe, 'reduce', () => runReduceTask(state, task));
        record('reduce', spec.r, r.metrics);
        if (r.output.kind === 'reduce') runs.push(decodePairs(r.output.pairs) as SortedRun);
      }
      reduceTasks = reduceSpecs.length;
      const tMerge = now();
      phases.reduce = tMerge - tReduce;
      table = keyedResult(job as KeyedJob, params, runs);
      phases.merge = now() - tMerge;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  if (options.output && outputFormat) {
    if (signal?.aborted) throw new CancelledError();
    const tWrite = now();
    await writeTableFile(table, options.output, outputFormat);
    phases.write = now() - tWrite;
  }
  const mapRows = records.reduce((n, r) => n + (r.kind === 'map' || r.kind === 'fold' ? r.rowsIn : 0), 0);
  const report: SequentialReport = {
    job: job.name,
    jobFile,
    kind: job.kind,
    input: { files: plan.files.length, bytes: plan.totalBytes, rows: plan.totalRows ?? mapRows, splits: of },
    output: { rows: table.numRows, path: options.output },
    wallMs: now() - t0,
    phases,
    busyMs: records.reduce((n, r) => n + (r.end - r.start), 0),
    counters,
    tasks: { map: of, reduce: reduceTasks },
    taskRecords: records,
  };
  return { table, value, report };
}

import type { Table } from 'apache-arrow';
import { CancelledError } from '../errors.js';
import { loadJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type { FoldJob, Job, KeyedJob } from '../job/types.js';
import { checkOutput, outputFormatOf, writeTableFile } from '../io/sinks.js';
import { tableFromShared } from '../io/shared-table.js';
import { describeSplit } from '../planner/split.js';
import { serializeError } from '../worker/errors.js';
import { decodePairs, deserializeValue, type EncodedPairs } from '../worker/partials.js';
import { CANCEL_FLAG, now, type TaskMetrics } from '../worker/protocol.js';
import { runDrainTask, runFoldTask, runMapTask, runReduceTask, TaskCancelled, type RunState } from '../worker/tasks.js';
import type { RunOptions } from './engine.js';
import type { SortedRun } from './merge-sorted.js';
import type { PhaseTimes, RunReport, TaskRecord } from './report.js';
import { columnsOf, foldResult, jobPath, keyedResult, planRun, reduceSpecsOf, taskRecordOf, userCall } from './run-steps.js';
import { TreeMerge } from './tree-merge.js';
import { errorFromWorker } from './worker-errors.js';

/** What a sequential run measured: the parts of a run report that make sense without workers. */
export type SequentialReport = Pick<RunReport, 'job' | 'jobFile' | 'kind' | 'input' | 'output' | 'wallMs' | 'phases' | 'busyMs' | 'counters' | 'taskRecords'> & {
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
  const [loaded, planned] = await Promise.all([loadJob(jobPath(jobSpec)), planRun(options, 1)]);
  const { job, file: jobFile } = loaded;
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
        const acc = r.output.acc;
        // As in the engine: `merge` runs inside tree.add, so its errors carry the job's file:line too.
        userCall(jobFile, 'merge', () => tree.add(i, deserializeValue(acc)));
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

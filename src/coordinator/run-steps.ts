import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from 'apache-arrow';
import { JobError, UsageError } from '../errors.js';
import { JOB_SOURCE } from '../job/define-job.js';
import type { DataJob, FoldJob, Job, EmitKey, KeyedJob, ParamValue } from '../job/types.js';
import { tableToShared } from '../io/shared-table.js';
import { makePlan, type Plan } from '../planner/plan.js';
import { parseSize } from '../util/size.js';
import type { RunSetup } from '../executor/executor.js';
import type { TaskRunner } from '../executor/runner.js';
import type { TaskSpec } from '../executor/scheduler.js';
import type { EncodedPairs } from '../worker/partials.js';
import type { SpillSegment } from '../io/spill-file.js';
import { rowComparator } from '../worker/order.js';
import { mergeSorted, type SortedRun } from './merge-sorted.js';
import { pairsToTable, valueToTable } from './output.js';
import { planTable } from './plan-table.js';
import { errorFromWorker } from './error-from-worker.js';
import type { TaskRecord } from './report-types.js';
import type { PlanRequest } from './run-options.js';
import type { SerializedError, TaskMetrics } from '../worker/protocol.js';

/** The steps of a run that the pipeline, the driver and the recursion share. */

let lastRunId = 0;

/** A fresh run id: executors keep the job of one run loaded, and a task names the run it belongs to. */
export function newRunId(): number {
  return ++lastRunId;
}

/** The id of the run made last: the one the runner's executors were loaded for last, when it was loaded. */
export function latestRunId(): number {
  return lastRunId;
}

/** Loads a run's job into the runner's executors; a job that does not load there fails with its own error. */
export async function loadRun(runner: TaskRunner, setup: RunSetup, jobFile: string): Promise<void> {
  await runner.load({ ...setup, jobFile }).catch((e: SerializedError | Error) => {
    throw e instanceof Error ? e : errorFromWorker(e, `loading ${path.relative(process.cwd(), jobFile)}`, jobFile);
  });
}

/** Plans a run for `workers` workers; in-memory input is also placed in shared memory for them. */
export async function planRun(options: PlanRequest, workers: number): Promise<{ plan: Plan; shared?: SharedArrayBuffer }> {
  const splitBytes = options.splitSize === undefined ? undefined : parseSize(options.splitSize);
  if (options.batchRows !== undefined && (!Number.isSafeInteger(options.batchRows) || options.batchRows < 1)) {
    throw new UsageError(`--batch-rows must be a positive integer, got ${options.batchRows}`);
  }
  if (options.table) {
    if (options.input !== undefined) throw new UsageError('pass either `input` or `table`, not both');
    return {
      plan: planTable(options.table, { workers, reducers: options.reducers, splitBytes, batchRows: options.batchRows }),
      shared: tableToShared(options.table),
    };
  }
  if (options.input === undefined) throw new UsageError('no input: pass --input <file, directory or glob> (or `table` to the library)');
  const inputs = Array.isArray(options.input) ? options.input : [options.input];
  return {
    plan: await makePlan({
      inputs,
      format: options.format,
      workers,
      reducers: options.reducers,
      splitBytes,
      batchRows: options.batchRows,
      formatOptions: options.formatOptions,
    }),
  };
}

/** The file path of a job given as a path, a file URL, or a job object made by defineJob in a module. */
export function jobPath(spec: string | URL | Job): string {
  if (typeof spec === 'string') return spec;
  if (spec instanceof URL) return fileURLToPath(spec);
  const source = (spec as unknown as Record<symbol, string | undefined>)[JOB_SOURCE];
  if (!source) throw new JobError(`job "${spec.name}" was not made by defineJob in a module file; pass the path of its file instead`);
  const file = fileURLToPath(source);
  if (runsEngine(file)) {
    throw new JobError(
      `job "${spec.name}" is defined in ${file}, a script that itself runs jobs: quiver imports a job's file in every worker thread, ` +
        'which would run that script again in each of them. Move the job to a file of its own (`export default defineJob({ ... })`) and ' +
        'import it from there',
    );
  }
  return file;
}

/**
 * Whether a job's module is the running script, or a module that imports `run`/`Engine` from quiver:
 * importing it in a worker would start its runs again there (found before anything is imported).
 */
function runsEngine(file: string): boolean {
  const main = process.argv[1];
  if (main && existsSync(main) && realpathSync(main) === realpathSync(file)) return true;
  const source = readFileSync(file, 'utf8');
  return /import\s*\{[^}]*\b(run|runSequential|Engine)\b[^}]*\}\s*from\s*['"]quiver(-engine)?['"]/.test(source);
}

/** Calls user code in the coordinator, turning a throw into the same error a worker would report. */
export function userCall<T>(jobFile: string, phase: 'merge', fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    throw errorFromWorker(
      { name: err.name, message: err.message, stack: err.stack, phase, user: true },
      'merging partial results in the coordinator',
      jobFile,
    );
  }
}

/**
 * The shuffle: one reduce task per partition that has pairs, given partition r of every map task (in
 * shared memory, so a reduce task can be retried), spilled, or left in a runner's store (`stored[r]`:
 * the map outputs whose partition r has pairs, read by the reducer where it runs).
 */
export function reduceSpecsOf(
  parts: EncodedPairs[][],
  spilled: SpillSegment[][] = [],
  stored: string[][] = [],
): Array<TaskSpec & { r: number }> {
  const R = parts.length;
  const specs: Array<TaskSpec & { r: number }> = [];
  for (let r = 0; r < R; r++) {
    const mine = parts[r]!.filter((p) => p !== undefined && p.count > 0);
    const onDisk = spilled[r] ?? [];
    const inStore = stored[r] ?? [];
    if (mine.length === 0 && onDisk.length === 0 && inStore.length === 0) continue;
    const task = {
      kind: 'reduce' as const,
      partition: r,
      of: R,
      parts: mine,
      ...(onDisk.length ? { spilled: onDisk } : {}),
      ...(inStore.length ? { stored: inStore } : {}),
    };
    specs.push({ r, task, describe: `reduce partition ${r + 1} of ${R}`, memoryFix: 'raise --reducers or --worker-memory' });
  }
  return specs;
}

/** Map outputs left in a store, by the partitions that have pairs in them: what each reducer reads. */
export function storedByPartition(outputs: ReadonlyArray<{ ref: string; counts: number[] } | undefined>, reducers: number): string[][] {
  const byPartition: string[][] = Array.from({ length: reducers }, () => []);
  for (const o of outputs) {
    if (!o) continue;
    for (let r = 0; r < reducers; r++) if ((o.counts[r] ?? 0) > 0) byPartition[r]!.push(o.ref);
  }
  return byPartition;
}

/** Merges the reducers' sorted slices into the keyed job's result table. */
export function keyedResult(job: KeyedJob, params: Record<string, ParamValue>, runs: SortedRun[]): Table {
  const merged = keyedPairs(job, runs);
  return pairsToTable(job, params, merged.keys as EmitKey[], merged.values);
}

/** Merges the reducers' sorted slices into one run of the keyed job's (key, value) pairs. */
export function keyedPairs(job: KeyedJob, runs: SortedRun[]): SortedRun {
  return mergeSorted(runs.filter(Boolean), rowComparator(job.sort ?? 'key', job.name));
}

/** Applies `finish` to the merged accumulator (or the identity, for empty input) and makes the result table. */
export function foldResult(
  job: FoldJob,
  acc: unknown,
  params: Record<string, ParamValue>,
  of: number,
  jobFile: string,
): { value: unknown; table: Table } {
  const merged = acc ?? job.identity({ params, split: { id: -1, of, file: '', describe: 'identity' } } as never);
  const value = job.finish ? userCall(jobFile, 'merge', () => job.finish!(merged, { params })) : merged;
  return { value, table: valueToTable(value) };
}

/** The columns a run reads: the option, else the job's declaration (maybe a function of the params), else all. */
export function columnsOf(job: DataJob, params: Record<string, ParamValue>, option: string[] | undefined): string[] | undefined {
  return option ?? namesOf(job, 'columns', params);
}

/** A job's `columns` or `dictionary`: its list of column names, or the list its function of the params gives. */
export function namesOf(job: DataJob, field: 'columns' | 'dictionary', params: Record<string, ParamValue>): string[] | undefined {
  const c = job[field];
  if (c === undefined) return undefined;
  const names = typeof c === 'function' ? (c as (p: Record<string, ParamValue>) => string[] | undefined)(params) : c;
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new JobError(`job "${job.name}": \`${field}(params)\` must return an array of column names, got ${JSON.stringify(names)}`);
  }
  return [...new Set(names)];
}

/** What a task measured, as a record of the run report (times relative to the run's start `t0`). */
export function taskRecordOf(kind: TaskRecord['kind'], index: number, worker: number, m: TaskMetrics, t0: number): TaskRecord {
  return {
    kind,
    index,
    worker,
    start: m.start - t0,
    end: m.end - t0,
    readMs: m.readMs,
    rowsIn: m.rowsIn,
    bytesIn: m.bytesIn,
    bytesOut: m.bytesOut,
    pairsOut: m.pairsOut,
  };
}

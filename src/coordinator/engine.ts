import os from 'node:os';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import { UsageError } from '../errors.js';
import { cancelledErrorOf, forkJoin, type TaskSpec } from '../executor/scheduler.js';
import { WorkerPool, defaultWorkers } from '../executor/pool.js';
import { takePrestartedPool } from '../executor/prestart.js';
import { loadJob, type LoadedJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type { DataJob, FoldJob, Job, KeyedJob, ParamValue, RecursiveJob } from '../job/types.js';
import { checkOutput, outputFormatOf, writeTableFile, type OutputFormat } from '../io/sinks.js';
import type { FormatOptions } from '../planner/formats.js';
import type { Plan } from '../planner/plan.js';
import { parseSize } from '../planner/size.js';
import { describeSplit } from '../planner/split.js';
import { decodePairs, foldValue, type EncodedPairs } from '../worker/partials.js';
import { now, type SerializedError, type TaskMetrics } from '../worker/protocol.js';
import type { SortedRun } from './merge-sorted.js';
import { workerImbalance, type PhaseTimes, type RunReport, type TaskRecord } from './report.js';
import { TreeMerge } from './tree-merge.js';
import { ProgressTracker, type RunProgress } from './progress.js';
import { ShuffleStore, shuffleBudget } from './spill.js';
import { BadRecordTally, type BadRecordLimit } from './bad-records.js';
import { runKeyedMapPhase } from './keyed-map-phase.js';
import { columnsOf, foldResult, jobPath, keyedResult, planRun, reduceSpecsOf, taskRecordOf, userCall, type PlanRequest } from './run-steps.js';
import { errorFromWorker } from './worker-errors.js';
import { driverSummary, runDriver, type StepReport } from './driver.js';
import { Recursion } from './recursion.js';

/** Options of an engine: its worker threads. */
export interface EngineOptions {
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /** Heap limit of each worker, e.g. `2g` or a number of bytes. @default Node's default */
  workerMemory?: number | string;
  /**
   * Milliseconds a task may wait on its input reader without receiving a batch before it is cancelled
   * and its worker replaced (a corrupt file whose decoder never returns must not wedge the Engine);
   * `Infinity` turns the watchdog off. @default 120000
   */
  stallTimeoutMs?: number;
}

export type { RunProgress };

/** Options of one run. */
export interface RunOptions extends PlanRequest {
  /** Job parameters, checked against the job's `params`. */
  params?: Record<string, unknown>;
  /** Write the result here (format from the extension or `outputFormat`), atomically. */
  output?: string;
  outputFormat?: OutputFormat;
  /** Replace an existing output file. @default false */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Attempts per task when its worker dies. @default 3 */
  maxAttempts?: number;
  /** Retry a task whose job code threw (up to `maxAttempts`), for jobs that fail now and then. @default false */
  retryUserErrors?: boolean;
  /** Shuffle data held in memory between map and reduce, e.g. `512mb`; the rest spills to a temp folder. @default a quarter of free memory, at least 64 MB */
  memory?: number | string;
  /** Skip up to this many malformed records (or this share of the records read, `'0.5%'`), counted per file in the report. @default 0: the first fails the run */
  maxBadRecords?: BadRecordLimit;
  /** Write examples of the skipped records here, as NDJSON (with `maxBadRecords`). */
  badRecordsFile?: string;
  /** Columns to read, overriding the job's `columns`. @default the job's columns, else all */
  columns?: string[];
  /** CSV dialect (delimiter, quote, header, nulls) and column names/types for CSV and NDJSON input. */
  formatOptions?: FormatOptions;
}

/** The result table, the fold value (fold jobs), and the run report. */
export interface RunResult {
  table: Table;
  /** What `finish` returned, for fold jobs. */
  value?: unknown;
  report: RunReport;
}

let nextRunId = 1;

/**
 * A set of worker threads that runs jobs. Keep one engine for many runs to pay thread start-up once.
 *
 * @example
 * const engine = new Engine({ workers: 4 });
 * const { table, report } = await engine.run('jobs/wordcount.ts', { input: 'corpus/' });
 * await engine.close();
 */
export class Engine {
  readonly workers: number;
  private readonly pool: WorkerPool;

  constructor(options: EngineOptions = {}) {
    this.workers = options.workers ?? defaultWorkers();
    if (!Number.isSafeInteger(this.workers) || this.workers < 1) throw new UsageError(`--workers must be a positive integer, got ${options.workers}`);
    const mem = options.workerMemory === undefined ? undefined : parseSize(options.workerMemory, '--worker-memory');
    const stall = options.stallTimeoutMs;
    if (stall !== undefined && !(stall > 0)) throw new UsageError(`stallTimeoutMs must be a positive number of milliseconds (or Infinity), got ${stall}`);
    this.pool =
      takePrestartedPool(this.workers, mem !== undefined || stall !== undefined) ??
      new WorkerPool(this.workers, { ...(mem ? { resourceLimits: { maxOldGenerationSizeMb: Math.max(16, Math.round(mem / 2 ** 20)) } } : {}), stallMs: stall });
    // Start threads now so their start-up overlaps bundling and planning; errors surface at load().
    this.pool.start().catch(() => undefined);
  }

  /** Waits until every worker thread has started. */
  async ready(): Promise<void> {
    await this.pool.start();
  }

  /** Runs a job (a file path, a built-in job name, a file URL, or a job object from defineJob) over the input. */
  async run(jobSpec: string | URL | Job, options: RunOptions): Promise<RunResult> {
    const t0 = now();
    if (options.signal?.aborted) throw cancelledErrorOf(options.signal.reason);
    if (options.output) await checkOutput(options.output, options.overwrite ?? false);
    const timing = { t0, bundleMs: 0, planMs: 0 };
    const loading = timed(loadJob(jobPath(jobSpec)), (ms) => (timing.bundleMs = ms));
    const planning = timed(planRun(options, this.workers), (ms) => (timing.planMs = ms));
    // If bundling, planning or the params fail first, this is never awaited; its error resurfaces at load.
    this.pool.start().catch(() => undefined);
    const [loadedR, plannedR] = await Promise.allSettled([loading, planning]);
    if (loadedR.status === 'rejected') throw loadedR.reason;
    const loaded = loadedR.value;
    // A driver plans the input of each job it runs; a plan made for it is not needed (nor is an input).
    if (loaded.job.kind === 'driver') return this.drive(loaded, options, timing);
    if (loaded.job.kind === 'recursive') {
      throw new UsageError(`job "${loaded.job.name}" is a recursive job: it runs from a driver (\`q.forkJoin(job, problem)\` in a job with \`drive(q)\`) or with engine.forkJoin(job, problem)`);
    }
    if (plannedR.status === 'rejected') throw plannedR.reason;
    return this.execute(loaded, plannedR.value, options, timing);
  }

  /**
   * Runs a recursive job from `problem`: each problem is a task that divides it or conquers it, and
   * results are combined in this thread as they finish (see docs/fork-join.md).
   *
   * @example
   * const { result } = await engine.forkJoin('jobs/fib.ts', 30);
   */
  async forkJoin(jobSpec: string | URL | Job, problem: unknown, options: { params?: Record<string, unknown>; signal?: AbortSignal } = {}): Promise<{ result: unknown; report: StepReport }> {
    const loaded = await loadJob(jobPath(jobSpec));
    if (loaded.job.kind !== 'recursive') throw new UsageError(`engine.forkJoin runs recursive jobs (with divide/conquer/combine); "${loaded.job.name}" is a ${loaded.job.kind} job: use engine.run`);
    return this.forkJoinStep(loaded, resolveParams(loaded.job.name, loaded.job.params, options.params ?? {}), problem, options.signal);
  }

  private async drive(loaded: LoadedJob, options: RunOptions, timing: { t0: number; bundleMs: number; planMs: number }): Promise<RunResult> {
    const { t0 } = timing;
    const params = resolveParams(loaded.job.name, loaded.job.params, options.params ?? {});
    const setupMs = now() - t0;
    const outcome = await runDriver(loaded, params, options, {
      workers: this.workers,
      runStep: async (step, o) => {
        const s0 = now();
        const timingOf = { t0: s0, bundleMs: 0, planMs: 0 };
        const planned = await timed(planRun(o, this.workers), (ms) => (timingOf.planMs = ms));
        return this.execute(step, planned, o, timingOf);
      },
      forkJoinStep: (step, p, problem, signal) => this.forkJoinStep(step, p, problem, signal),
    }, t0);
    let writeMs = 0;
    if (options.output) {
      if (options.signal?.aborted) throw cancelledErrorOf(options.signal.reason);
      const tWrite = now();
      await writeTableFile(outcome.table, options.output, outputFormatOf(options.output, options.outputFormat), options.signal);
      writeMs = now() - tWrite;
    }
    const wallMs = now() - t0;
    const sum = driverSummary(outcome.steps, outcome.counters, wallMs, setupMs, writeMs);
    const busyMs = sum.taskRecords.reduce((n, r) => n + (r.end - r.start), 0);
    const mapBusy = sum.taskRecords.filter((r) => r.kind !== 'reduce').reduce((n, r) => n + (r.end - r.start), 0);
    const report: RunReport = {
      job: loaded.job.name,
      jobFile: loaded.file,
      kind: 'driver',
      workers: this.workers,
      reducers: 0,
      cores: os.availableParallelism(),
      input: sum.input,
      output: { rows: outcome.table.numRows, path: options.output },
      wallMs,
      phases: sum.phases,
      setupDetail: { planMs: 0, bundleMs: timing.bundleMs, workersMs: 0 },
      busyMs,
      coresBusy: wallMs > 0 ? busyMs / wallMs : 0,
      mapCoresBusy: sum.phases.map > 0 ? mapBusy / sum.phases.map : 0,
      imbalance: Math.max(1, ...outcome.steps.map((s) => (s.report as Partial<RunReport>).imbalance ?? 1)),
      bytesMoved: sum.bytesMoved,
      spilledBytes: sum.spilledBytes,
      tasks: sum.tasks,
      counters: sum.counters,
      taskRecords: sum.taskRecords,
      steps: sum.steps,
    };
    return { table: outcome.table, value: outcome.value, report };
  }

  private async forkJoinStep(loaded: LoadedJob, params: Record<string, ParamValue>, problem: unknown, signal: AbortSignal | undefined): Promise<{ result: unknown; report: StepReport }> {
    const t0 = now();
    const runId = nextRunId++;
    const jobFile = loaded.file;
    await this.pool.load({ runId, jobUrl: loaded.url, jobName: loaded.jobName, params }).catch((e: SerializedError | Error) => {
      throw e instanceof Error ? e : errorFromWorker(e, `loading ${path.relative(process.cwd(), jobFile)}`, jobFile);
    });
    const setupMs = now() - t0;
    const rec = new Recursion(loaded.job as RecursiveJob, params, jobFile);
    let retried = 0;
    await forkJoin(this.pool, runId, [rec.root(problem)], (i, out, m, w) => rec.settle(i, out, m, w, t0), (e, spec) => errorFromWorker(e, spec.describe, jobFile), {
      signal,
      onRetry: () => retried++,
    });
    return { result: rec.result, report: rec.report(t0, setupMs, retried) };
  }

  /** Runs a keyed or fold job over a planned input (loaded, and its workers starting). */
  private async execute(loaded: LoadedJob, planned: Awaited<ReturnType<typeof planRun>>, options: RunOptions, timing: { t0: number; bundleMs: number; planMs: number }): Promise<RunResult> {
    const { t0, bundleMs, planMs } = timing;
    const runId = nextRunId++;
    const signal = options.signal;
    const outputFormat = options.output ? outputFormatOf(options.output, options.outputFormat) : undefined;
    const { job: anyJob, file: jobFile } = loaded;
    const job = anyJob as DataJob;
    const params = resolveParams(job.name, job.params, options.params ?? {});
    const columns = columnsOf(job, params, options.columns);
    const workersStart = now();
    await this.pool.load({ runId, jobUrl: loaded.url, jobName: loaded.jobName, params, table: planned.shared }).catch((e: SerializedError | Error) => {
      throw e instanceof Error ? e : errorFromWorker(e, `loading ${path.relative(process.cwd(), jobFile)}`, jobFile);
    });
    const workersMs = now() - workersStart;
    if (signal?.aborted) throw cancelledErrorOf(signal.reason);
    const plan = planned.plan;
    const tMap = now();

    const records: TaskRecord[] = [];
    const counters: Record<string, number> = {};
    let retried = 0;
    let spilledBytes = 0;
    const bad = new BadRecordTally(options.maxBadRecords, options.badRecordsFile);
    let bytesMoved = 0;
    // A map task run again (its worker died holding its result) counts once: its last run's rows and counters.
    const bySplit = new Map<number, TaskMetrics>();
    const record = (kind: TaskRecord['kind'], index: number, worker: number, m: TaskMetrics) => {
      records.push(taskRecordOf(kind, index, worker, m, t0));
      bytesMoved += m.bytesOut;
      if (kind === 'map' || kind === 'fold') bySplit.set(index, m);
      else for (const [k, v] of Object.entries(m.counters)) counters[k] = (counters[k] ?? 0) + v;
    };
    const toError = (e: SerializedError, spec: TaskSpec) => errorFromWorker(e, spec.describe, jobFile);
    const of = plan.splits.length;
    const progress = new ProgressTracker(options.onProgress, this.pool, { tasks: of, bytes: plan.totalBytes, rows: plan.totalRows }, t0);
    const sched = {
      signal,
      maxAttempts: options.maxAttempts,
      retryUserErrors: options.retryUserErrors,
      onRetry: () => {
        retried++;
        progress.retried();
      },
      onDispatch: () => progress.started(),
    };
    progress.phase('map', of);

    const phases: PhaseTimes = { setup: tMap - t0, map: 0, shuffle: 0, reduce: 0, merge: 0, write: 0 };
    let table: Table;
    let value: unknown;
    let reduceTasks = 0;
    if (job.kind === 'fold') {
      const fold = job as FoldJob;
      const tree = new TreeMerge<unknown>(of, (a, b) => fold.merge(a, b));
      const specs: TaskSpec[] = plan.splits.map((split) => ({ task: { kind: 'fold', split, of, batchRows: plan.batchRows, columns, badRecords: bad.policy }, describe: describeSplit(split, of) }));
      let mergeMs = 0;
      await forkJoin(this.pool, runId, specs, (i, out, m, w) => {
        record('fold', i, w, m);
        bad.take(i, plan.splits[i]!.file, m);
        progress.finished(m, i);
        if (out.kind !== 'fold') return;
        const t = now();
        userCall(jobFile, 'merge', () => tree.add(i, foldValue(out)));
        mergeMs += now() - t;
      }, toError, sched);
      bad.finish();
      phases.map = now() - tMap - mergeMs;
      const tMerge = now();
      ({ value, table } = foldResult(fold, tree.result, params, of, jobFile));
      phases.merge = now() - tMerge + mergeMs;
    } else {
      const keyed = job as KeyedJob;
      const R = plan.reducers;
      const specs: TaskSpec[] = plan.splits.map((split) => ({ task: { kind: 'map', split, of, reducers: R, batchRows: plan.batchRows, columns, hold: !options.retryUserErrors, badRecords: bad.policy }, describe: describeSplit(split, of) }));
      // Map outputs stay in memory up to the shuffle budget and spill to a temp folder beyond it.
      const store = new ShuffleStore(R, shuffleBudget(options.memory));
      const runs: SortedRun[] = [];
      let reduceSpecs: ReturnType<typeof reduceSpecsOf>;
      let tReduce: number;
      try {
        await runKeyedMapPhase(this.pool, runId, specs, R, (kind, i, m, w) => {
          record(kind, i, w, m);
          if (kind === 'map') progress.finished(m, i);
          if (kind === 'map') bad.take(i, plan.splits[i]!.file, m);
        }, toError, { ...sched, keep: (r, p) => store.add(r, p) });
        await store.settle();
        const tShuffle = now();
        bad.finish();
        phases.map = tShuffle - tMap;
        // Reducers with nothing to merge are skipped; the others get their partition of every map task, shared or spilled.
        reduceSpecs = reduceSpecsOf(store.partitions.parts, store.partitions.spilled);
        tReduce = now();
        phases.shuffle = tReduce - tShuffle;
        progress.phase('reduce', reduceSpecs.length);
        await forkJoin(this.pool, runId, reduceSpecs, (i, out, m, w) => {
          record('reduce', reduceSpecs[i]!.r, w, m);
          progress.finished(m);
          if (out.kind === 'reduce') runs[i] = decodePairs(out.pairs) as SortedRun;
        }, toError, sched);
      } finally {
        spilledBytes = store.spilledBytes;
        await store.dispose();
      }
      reduceTasks = reduceSpecs.length;
      const tMerge = now();
      phases.reduce = tMerge - tReduce;
      table = keyedResult(keyed, params, runs);
      phases.merge = now() - tMerge;
    }

    if (options.output && outputFormat) {
      if (signal?.aborted) throw cancelledErrorOf(signal.reason);
      progress.phase('write');
      const tWrite = now();
      await writeTableFile(table, options.output, outputFormat, signal);
      phases.write = now() - tWrite;
    }
    for (const m of bySplit.values()) for (const [k, v] of Object.entries(m.counters)) counters[k] = (counters[k] ?? 0) + v;
    const wallMs = now() - t0;
    const busyMs = records.reduce((n, r) => n + (r.end - r.start), 0);
    const mapRecords = records.filter((r) => r.kind === 'map' || r.kind === 'fold');
    const report: RunReport = {
      job: job.name,
      jobFile,
      kind: job.kind,
      workers: this.workers,
      reducers: job.kind === 'keyed' ? plan.reducers : 0,
      cores: os.availableParallelism(),
      input: { files: plan.files.length, bytes: plan.totalBytes, rows: plan.totalRows ?? [...bySplit.values()].reduce((n, m) => n + m.rowsIn, 0), splits: of },
      output: { rows: table.numRows, path: options.output },
      wallMs,
      phases,
      setupDetail: { planMs, bundleMs, workersMs },
      busyMs,
      coresBusy: wallMs > 0 ? busyMs / wallMs : 0,
      mapCoresBusy: phases.map > 0 ? records.filter((r) => r.kind !== 'reduce').reduce((n, r) => n + (r.end - r.start), 0) / phases.map : 0,
      imbalance: workerImbalance(mapRecords, this.workers),
      bytesMoved,
      spilledBytes,
      badRecords: bad.summary(),
      tasks: { map: of, reduce: reduceTasks, retried },
      counters,
      taskRecords: records.sort((a, b) => a.start - b.start),
    };
    progress.phase('done');
    return { table, value, report };
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * Runs a job once on fresh workers, then stops them.
 *
 * @example
 * const { table, report } = await run('jobs/wordcount.ts', { input: 'corpus/', workers: 4 });
 */
export async function run(job: string | URL | Job, options: RunOptions & EngineOptions): Promise<RunResult> {
  const engine = new Engine(options);
  try {
    return await engine.run(job, options);
  } finally {
    await engine.close();
  }
}

async function timed<T>(p: Promise<T>, done: (ms: number) => void): Promise<T> {
  const t = now();
  try {
    return await p;
  } finally {
    done(now() - t);
  }
}

/** Awaits two promises; if either rejects, rejects with the first error after both settle (no unhandled rejection). */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}


export type { LoadedJob };

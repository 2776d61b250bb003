import { Table } from 'apache-arrow';
import { cancelledErrorOf, UsageError } from '../errors.js';
import type { TaskRunner } from '../executor/runner.js';
import type { TaskSpec } from '../executor/scheduler.js';
import { loadJob, type LoadedJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type { DataJob, FoldJob, Job, KeyedJob } from '../job/types.js';
import { checkOutput, outputFormatOf, writeTableFile } from '../io/sinks.js';
import { isBuiltinJob } from '../job/bundle.js';
import { checkColumns, inputSchemas } from '../planner/input-schemas.js';
import { checkOutputNotInput, expandInputs } from '../planner/inputs.js';
import { describeSplit } from '../planner/split.js';
import { now } from '../util/clock.js';
import { decodePairs, foldValue } from '../worker/partials.js';
import type { SerializedError, TaskMetrics } from '../worker/protocol.js';
import { BadRecordTally } from './bad-record-tally.js';
import { driverSummary, runDriver } from './driver.js';
import { errorFromWorker } from './error-from-worker.js';
import { linesInWorkers } from './lines-in-workers.js';
import { runKeyedMapPhase } from './keyed-map-phase.js';
import type { SortedRun } from './merge-sorted.js';
import { ProgressTracker } from './progress.js';
import { solveRecursive } from './recursion.js';
import { runReportOf, workerImbalance } from './report.js';
import type { PhaseTimes, TaskRecord } from './report-types.js';
import type { RunOptions, RunResult } from './run-options.js';
import {
  columnsOf,
  namesOf,
  foldResult,
  jobPath,
  keyedPairs,
  keyedResult,
  latestRunId,
  loadRun,
  newRunId,
  planRun,
  reduceSpecsOf,
  storedByPartition,
  taskRecordOf,
  userCall,
} from './run-steps.js';
import { ShuffleStore, shuffleBudget } from './spill.js';
import { memoryFixOf, splitNotes } from './split-notes.js';
import { TreeMerge } from './tree-merge.js';
import { runWithWidening } from './widen-run.js';

/**
 * The one pipeline of a run: plan → map → shuffle → reduce → merge → write → report. Where its tasks
 * execute is the runner's business (src/executor/runner.ts), so the engine's worker threads and the
 * sequential baseline in the calling thread run the very same steps and fill the same report.
 */

/** When a run began, and how long bundling the job and planning took (they overlap). */
interface SetupTiming {
  t0: number;
  bundleMs: number;
  planMs: number;
}

/** Runs a job (a file path, a built-in job name, a file URL, or a job object from defineJob) over the input on `runner`. */
export async function runJob(runner: TaskRunner, jobSpec: string | URL | Job, options: RunOptions): Promise<RunResult> {
  const t0 = now();
  if (options.signal?.aborted) throw cancelledErrorOf(options.signal.reason);
  if (options.output) await checkOutput(options.output, options.overwrite ?? false);
  const timing: SetupTiming = { t0, bundleMs: 0, planMs: 0 };
  const loading = timed(loadJob(jobPath(jobSpec)), (ms) => (timing.bundleMs = ms));
  const planning = timed(planRun(options, runner.workers), (ms) => (timing.planMs = ms));
  // If bundling, planning or the params fail first, this is never awaited; its error resurfaces at load.
  runner.start().catch(() => undefined);
  const [loadedR, plannedR] = await Promise.allSettled([loading, planning]);
  if (loadedR.status === 'rejected') throw loadedR.reason;
  const loaded = loadedR.value;
  // A driver plans the input of each job it runs; a plan made for it is not needed (nor is an input).
  if (loaded.job.kind === 'driver') return drive(runner, loaded, options, timing);
  if (loaded.job.kind === 'recursive') {
    throw new UsageError(
      `job "${loaded.job.name}" is a recursive job: it runs from a driver (\`q.forkJoin(job, problem)\` in a job with \`drive(q)\`) or ` +
        `with engine.forkJoin(job, problem)`,
    );
  }
  if (plannedR.status === 'rejected') throw plannedR.reason;
  // A CSV/NDJSON value past the sample that does not fit its column widens the column and runs again, replanned.
  let planned: Awaited<typeof planning> | undefined = plannedR.value;
  return runWithWidening(options.formatOptions, async (formatOptions) => {
    const o = formatOptions === options.formatOptions ? options : { ...options, formatOptions };
    const p = planned ?? (await planRun(o, runner.workers));
    planned = undefined;
    return runDataJob(runner, loaded, p, o, timing);
  });
}

/** Runs a driver's `drive(q)` here; its steps run through this pipeline on the same runner. */
async function drive(runner: TaskRunner, loaded: LoadedJob, options: RunOptions, timing: SetupTiming): Promise<RunResult> {
  const { t0 } = timing;
  // A driver writes its result at the end; refuse an output that is one of its inputs before any step runs.
  if (options.output && options.input !== undefined) {
    const inputs = Array.isArray(options.input) ? options.input : [options.input];
    checkOutputNotInput(
      options.output,
      (await expandInputs(inputs, options.format)).map((f) => f.path),
    );
  }
  const params = resolveParams(loaded.job.name, loaded.job.params, options.params ?? {});
  const setupMs = now() - t0;
  const runsBefore = latestRunId();
  const outcome = await runDriver(
    loaded,
    params,
    options,
    {
      workers: runner.workers,
      sharedMemory: runner.sharedMemory,
      runStep: (step, o) => {
        const stepTiming: SetupTiming = { t0: now(), bundleMs: 0, planMs: 0 };
        return runWithWidening(o.formatOptions, async (formatOptions) => {
          const oo = formatOptions === o.formatOptions ? o : { ...o, formatOptions };
          const planned = await timed(planRun(oo, runner.workers), (ms) => (stepTiming.planMs = ms));
          return runDataJob(runner, step, planned, oo, stepTiming);
        });
      },
      forkJoinStep: (step, p, problem, signal) => solveRecursive(runner, step, p, problem, signal),
    },
    t0,
  );
  let writeMs = 0;
  if (options.output) {
    if (options.signal?.aborted) throw cancelledErrorOf(options.signal.reason);
    const tWrite = now();
    // The workers format a large text output if the driver's steps loaded them (its last step's run is theirs).
    const lines =
      latestRunId() > runsBefore
        ? linesInWorkers(runner, latestRunId(), (e, spec) => errorFromWorker(e, spec.describe, loaded.file), options.signal)
        : undefined;
    await writeTableFile(outcome.table, options.output, outputFormatOf(options.output, options.outputFormat), options.signal, lines);
    writeMs = now() - tWrite;
  }
  const wallMs = now() - t0;
  const sum = driverSummary(outcome.steps, outcome.counters, wallMs, setupMs, writeMs);
  const report = runReportOf({
    job: loaded.job.name,
    jobFile: loaded.file,
    kind: 'driver',
    workers: runner.workers,
    reducers: 0,
    input: sum.input,
    output: { rows: outcome.table.numRows, path: options.output },
    wallMs,
    phases: sum.phases,
    setupDetail: { planMs: 0, bundleMs: timing.bundleMs, workersMs: 0 },
    imbalance: Math.max(1, ...outcome.steps.map((s) => (s.report as { imbalance?: number }).imbalance ?? 1)),
    bytesMoved: sum.bytesMoved,
    spilledBytes: sum.spilledBytes,
    tasks: sum.tasks,
    counters: sum.counters,
    taskRecords: sum.taskRecords,
    steps: sum.steps,
  });
  return { table: outcome.table, value: outcome.value, report };
}

/** Runs a keyed or fold job over a planned input (loaded, and the runner starting). */
async function runDataJob(
  runner: TaskRunner,
  loaded: LoadedJob,
  planned: Awaited<ReturnType<typeof planRun>>,
  options: RunOptions,
  timing: SetupTiming,
): Promise<RunResult> {
  const { t0, bundleMs, planMs } = timing;
  const runId = newRunId();
  const signal = options.signal;
  const outputFormat = options.output ? outputFormatOf(options.output, options.outputFormat) : undefined;
  const { job: anyJob, file: jobFile } = loaded;
  const job = anyJob as DataJob;
  const params = resolveParams(job.name, job.params, options.params ?? {});
  const columns = columnsOf(job, params, options.columns);
  const dictionary = namesOf(job, 'dictionary', params);
  const plan = planned.plan;
  // Mistakes found before any task runs: a column the input does not have, an output that is an input.
  if (columns?.length) checkColumns(columns, await inputSchemas(plan, options.table), options.columns ? '--columns' : `job "${job.name}"`);
  if (options.output)
    checkOutputNotInput(
      options.output,
      plan.files.map((f) => f.path),
    );
  const workersStart = now();
  await loadRun(runner, { runId, jobUrl: loaded.url, jobName: loaded.jobName, params, table: planned.shared }, jobFile);
  const workersMs = now() - workersStart;
  if (signal?.aborted) throw cancelledErrorOf(signal.reason);
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
  const progress = new ProgressTracker(options.onProgress, runner, { tasks: of, bytes: plan.totalBytes, rows: plan.totalRows }, t0);
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
    const specs: TaskSpec[] = plan.splits.map((split) => ({
      task: { kind: 'fold', split, of, batchRows: plan.batchRows, columns, dictionary, badRecords: bad.policy },
      describe: describeSplit(split, of),
      memoryFix: memoryFixOf(plan, split),
    }));
    let mergeMs = 0;
    await runner.forkJoin(
      runId,
      specs,
      (i, out, m, w) => {
        record('fold', i, w, m);
        bad.take(i, plan.splits[i]!.file, m);
        progress.finished(m, i);
        if (out.kind !== 'fold') return;
        const t = now();
        userCall(jobFile, 'merge', () => tree.add(i, foldValue(out)));
        mergeMs += now() - t;
      },
      toError,
      sched,
    );
    bad.finish();
    phases.map = now() - tMap - mergeMs;
    const tMerge = now();
    ({ value, table } = foldResult(fold, tree.result, params, of, jobFile));
    phases.merge = now() - tMerge + mergeMs;
  } else {
    const keyed = job as KeyedJob;
    const R = plan.reducers;
    // Held map results are combined per executor and drained once each; a runner whose tasks keep no state gets them back from each task.
    const hold = runner.holdsResults && !options.retryUserErrors;
    const specs: TaskSpec[] = plan.splits.map((split) => ({
      task: { kind: 'map', split, of, reducers: R, batchRows: plan.batchRows, columns, dictionary, hold, badRecords: bad.policy },
      describe: describeSplit(split, of),
      memoryFix: memoryFixOf(plan, split),
    }));
    // Map outputs stay in memory up to the shuffle budget and spill to a temp folder beyond it.
    const store = new ShuffleStore(R, shuffleBudget(options.memory));
    // A runner whose map tasks leave their output in its own store (a cluster) hands back references; reducers read them there.
    const stored: Array<{ ref: string; counts: number[] }> = [];
    const runs: SortedRun[] = [];
    let reduceSpecs: ReturnType<typeof reduceSpecsOf>;
    let tReduce: number;
    try {
      await runKeyedMapPhase(
        runner,
        runId,
        specs,
        R,
        (kind, i, m, w) => {
          record(kind, i, w, m);
          if (kind === 'map') progress.finished(m, i);
          if (kind === 'map') bad.take(i, plan.splits[i]!.file, m);
        },
        toError,
        { ...sched, keep: (r, p) => store.add(r, p), keepStored: (i, ref, counts) => (stored[i] = { ref, counts }) },
      );
      await store.settle();
      const tShuffle = now();
      bad.finish();
      phases.map = tShuffle - tMap;
      // Reducers with nothing to merge are skipped; the others get their partition of every map task, shared or spilled.
      reduceSpecs = reduceSpecsOf(store.partitions.parts, store.partitions.spilled, storedByPartition(stored, R));
      tReduce = now();
      phases.shuffle = tReduce - tShuffle;
      progress.phase('reduce', reduceSpecs.length);
      await runner.forkJoin(
        runId,
        reduceSpecs,
        (i, out, m, w) => {
          record('reduce', reduceSpecs[i]!.r, w, m);
          progress.finished(m);
          if (out.kind === 'reduce') runs[i] = decodePairs(out.pairs) as SortedRun;
        },
        toError,
        sched,
      );
    } finally {
      spilledBytes = store.spilledBytes;
      await store.dispose();
    }
    reduceTasks = reduceSpecs.length;
    const tMerge = now();
    phases.reduce = tMerge - tReduce;
    if (options.pairs) {
      value = keyedPairs(keyed, runs);
      table = new Table();
    } else table = keyedResult(keyed, params, runs);
    phases.merge = now() - tMerge;
  }

  if (options.output && outputFormat) {
    if (signal?.aborted) throw cancelledErrorOf(signal.reason);
    progress.phase('write');
    const tWrite = now();
    await writeTableFile(table, options.output, outputFormat, signal, linesInWorkers(runner, runId, toError, signal));
    phases.write = now() - tWrite;
  }
  for (const m of bySplit.values()) for (const [k, v] of Object.entries(m.counters)) counters[k] = (counters[k] ?? 0) + v;
  const rowsIn = plan.totalRows ?? [...bySplit.values()].reduce((n, m) => n + m.rowsIn, 0);
  const notes = splitNotes(plan, bySplit);
  if (job.kind === 'keyed' && table.numRows === 0 && rowsIn > 0 && !isBuiltinJob(jobFile)) notes.push(emptyResultNote(rowsIn));
  const wallMs = now() - t0;
  const report = runReportOf({
    job: job.name,
    jobFile,
    kind: job.kind,
    workers: runner.workers,
    reducers: job.kind === 'keyed' ? plan.reducers : 0,
    input: { files: plan.files.length, bytes: plan.totalBytes, rows: rowsIn, splits: of },
    output: { rows: table.numRows, path: options.output },
    wallMs,
    phases,
    setupDetail: { planMs, bundleMs, workersMs },
    imbalance: workerImbalance(
      records.filter((r) => r.kind === 'map' || r.kind === 'fold'),
      runner.workers,
    ),
    bytesMoved,
    spilledBytes,
    badRecords: bad.summary(),
    tasks: { map: of, reduce: reduceTasks, retried },
    counters,
    taskRecords: records.sort((a, b) => a.start - b.start),
    notes: notes.length > 0 ? notes : undefined,
  });
  progress.phase('done');
  return { table, value, report };
}

/**
 * Why a keyed job's result may be empty although rows were read. The usual cause is a job that
 * collects into a variable at module level: each worker thread has its own copy of the module, and
 * the coordinator sees only what map and flush emit.
 */
function emptyResultNote(rows: number): string {
  return (
    `map emitted nothing from ${rows.toLocaleString('en-US')} rows, so the result is empty. If the job collects into a variable at ` +
    `module level, ` +
    'each worker thread has its own copy and the result never sees it: keep partial results in ctx.state and emit them in flush(emit, ' +
    'ctx), or write a fold'
  );
}

async function timed<T>(p: Promise<T>, done: (ms: number) => void): Promise<T> {
  const t = now();
  try {
    return await p;
  } finally {
    done(now() - t);
  }
}

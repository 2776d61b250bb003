import { Table } from 'apache-arrow';
import { JobError, QuiverError, UsageError } from '../errors.js';
import { checkJob } from '../job/define-job.js';
import type { LoadedJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type {
  DriverContext,
  DriverJob,
  Job,
  ParamValue,
  RecursiveJob,
  SharedArrayKind,
  SharedArrayType,
  SubRunOptions,
} from '../job/types.js';
import type { InputFormat } from '../planner/inputs.js';
import { readSchemas } from '../planner/schemas.js';
import { now } from '../util/clock.js';
import { readSplit } from '../worker/read-split.js';
import { valueToTable } from './output.js';
import type { PhaseTimes, StepReport, TaskRecord } from './report-types.js';
import type { RunOptions } from './run-options.js';
import { planRun } from './run-steps.js';
import { errorFromWorker } from './error-from-worker.js';

/**
 * Where a driver's steps run: the pipeline, on the runner of the driver's own run (the engine's
 * workers, or the calling thread for the sequential baseline). Given, not imported, since the
 * pipeline runs drivers.
 */
export interface DriverBackend {
  readonly workers: number;
  /** Whether the steps' executors read memory this thread allocates (`q.shared`): not on a cluster. */
  readonly sharedMemory: boolean;
  /** Runs a keyed or fold job of the driver's bundle (its input planned, no bundling). */
  runStep(loaded: LoadedJob, options: RunOptions): Promise<{ table: Table; value?: unknown; report: StepReport }>;
  /** Runs a recursive job of the driver's bundle from `problem`. */
  forkJoinStep(
    loaded: LoadedJob,
    params: Record<string, ParamValue>,
    problem: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ result: unknown; report: StepReport }>;
}

/** A step of a driver and when it started, in ms from the driver's start. */
export interface DriverStep {
  report: StepReport;
  offset: number;
}

/** What a driver produced. */
export interface DriverOutcome {
  table: Table;
  value: unknown;
  steps: DriverStep[];
  /** Counters the driver itself added with `q.count`. */
  counters: Record<string, number>;
}

/**
 * Runs a driver job's `drive(q)` in this thread. Its `q.run` and `q.forkJoin` run other jobs of the same
 * file (the same bundle, picked by name in the workers) on `backend`.
 */
export async function runDriver(
  loaded: LoadedJob,
  params: Record<string, ParamValue>,
  options: RunOptions,
  backend: DriverBackend,
  t0: number,
): Promise<DriverOutcome> {
  const job = loaded.job as DriverJob;
  const steps: DriverStep[] = [];
  const counters: Record<string, number> = {};
  const mod = (await import(loaded.url)) as Record<string, unknown>;
  /** The loaded form of a job the driver names, after checking its file exports it. */
  const subJob = (sub: Job, wanted: Job['kind'][], call: string): LoadedJob => {
    const exported = sub && typeof sub === 'object' && Object.values(mod).includes(sub);
    if (!exported) {
      throw new JobError(
        `${call} in job "${job.name}" got ` +
          `${sub && typeof sub === 'object' ? `job "${(sub as Job).name}", which ${loaded.file} does not export` : String(sub)}; pass a ` +
          `job its file exports: \`export const step = defineJob({ ... })\``,
      );
    }
    const checked = checkJob(sub, loaded.file);
    if (!wanted.includes(checked.kind))
      throw new JobError(`${call} in job "${job.name}" runs ${wanted.join(' or ')} jobs; "${checked.name}" is a ${checked.kind} job`);
    return { ...loaded, job: checked, jobName: checked.name };
  };
  const inputs = options.input === undefined ? [] : Array.isArray(options.input) ? options.input : [options.input];
  const q: DriverContext = {
    params,
    input: inputs,
    workers: backend.workers,
    sharedMemory: backend.sharedMemory,
    signal: options.signal ?? new AbortController().signal,
    async run(sub, o: SubRunOptions = {}) {
      const step = subJob(sub, ['keyed', 'fold'], 'q.run');
      const offset = now() - t0;
      const { table, value, report } = await backend.runStep(step, subRunOptions(options, o));
      steps.push({ report, offset });
      return { table, value, rows: report.input.rows };
    },
    async forkJoin(sub, problem, o = {}) {
      const step = subJob(sub as RecursiveJob, ['recursive'], 'q.forkJoin');
      const offset = now() - t0;
      const subParams = resolveParams(step.job.name, step.job.params, o.params ?? {});
      const { result, report } = await backend.forkJoinStep(step, subParams, problem, options.signal);
      steps.push({ report, offset });
      return result as never;
    },
    readTable: (input, o = {}) => readTable(input, o.columns, otherInput(options, o.format)),
    async schemas(input, o = {}) {
      if (input === undefined && options.table) return [{ file: '<table>', schema: options.table.schema }];
      if (input === undefined && inputs.length === 0)
        throw new UsageError('no input: pass --input <file, directory or glob> (or `table` to the library)');
      if (input === undefined) return readSchemas(inputs, (o.format ?? options.format) as InputFormat | undefined, options.formatOptions);
      const { format, formatOptions } = otherInput(options, o.format);
      return readSchemas(Array.isArray(input) ? input : [input], format, formatOptions);
    },
    shared<T extends SharedArrayKind>(type: SharedArrayType<T>, length: number): T {
      if (!backend.sharedMemory) {
        throw new UsageError(
          `job "${job.name}" keeps its data in memory shared by all workers (q.shared), and the workers of a cluster are processes on ` +
            `other machines, which share none: run it without --cluster`,
        );
      }
      return new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));
    },
    count(name, n = 1) {
      counters[name] = (counters[name] ?? 0) + n;
    },
    log(...args) {
      console.error(`[${job.name}]`, ...args);
    },
  };
  let value: unknown;
  try {
    value = await job.drive(q);
  } catch (e) {
    // A brand check, not instanceof: a job bundle has its own copy of the error classes.
    if (QuiverError.isQuiverError(e)) throw e;
    const err = e instanceof Error ? e : new Error(String(e));
    throw errorFromWorker(
      { name: err.name, message: err.message, stack: err.stack, phase: 'merge', user: true },
      `the driver of ${job.name}`,
      loaded.file,
    );
  }
  const table = value instanceof Table ? value : valueToTable(value);
  return { table, value: value instanceof Table ? undefined : value, steps, counters };
}

/** A sub-run's options: the driver's input, format and limits unless the driver says otherwise; never an output file. */
function subRunOptions(options: RunOptions, o: SubRunOptions): RunOptions {
  const input = o.input ?? options.input;
  return {
    input,
    table: o.input === undefined ? options.table : undefined,
    ...(o.input === undefined ? { format: options.format, formatOptions: options.formatOptions } : otherInput(options)),
    splitSize: o.splitSize ?? options.splitSize,
    batchRows: o.batchRows ?? options.batchRows,
    reducers: o.reducers ?? options.reducers,
    columns: o.columns,
    params: o.params,
    signal: options.signal,
    maxAttempts: options.maxAttempts,
    retryUserErrors: options.retryUserErrors,
    memory: options.memory,
    maxBadRecords: options.maxBadRecords,
    pairs: o.pairs,
  };
}

/**
 * How a driver reads an input other than the run's own (in q.run, q.readTable, q.schemas): in the
 * format it names, else by its extension, and then with the run's CSV/NDJSON options (delimiter, null
 * markers, column types), which hold for every text input of the run; a `--format` forces only the
 * run's own input.
 */
function otherInput(options: RunOptions, format?: string): { format?: InputFormat; formatOptions?: RunOptions['formatOptions'] } {
  return format ? { format: format as InputFormat } : { formatOptions: options.formatOptions };
}

/** Reads a whole input into one table in this thread, with the same readers workers use. */
async function readTable(input: string | string[], columns: string[] | undefined, read: ReturnType<typeof otherInput>): Promise<Table> {
  const { plan } = await planRun({ input, ...read }, 1);
  const batches = [];
  for (const split of plan.splits) batches.push(...(await readSplit(split, plan.batchRows, undefined, columns)));
  return new Table(batches);
}

/**
 * The parts of a driver's report that come from its steps: phases summed (the driver's own time in the
 * coordinator counts as merge, so they still add up to the wall time), task records on the driver's
 * clock, counters, task counts and input (the largest any step read). `writeMs` is the time spent writing
 * the driver's output after it returned, part of `wallMs`.
 */
export function driverSummary(steps: DriverStep[], own: Record<string, number>, wallMs: number, setupMs: number, writeMs: number) {
  const phases: PhaseTimes = { setup: setupMs, map: 0, shuffle: 0, reduce: 0, merge: 0, write: 0 };
  const counters: Record<string, number> = { ...own };
  const taskRecords: TaskRecord[] = [];
  const tasks = { map: 0, reduce: 0, retried: 0 };
  let input = { files: 0, bytes: 0, rows: 0, splits: 0 };
  let stepsMs = 0;
  let bytesMoved = 0;
  let spilledBytes = 0;
  for (const { report: r, offset } of steps) {
    for (const k of Object.keys(phases) as Array<keyof PhaseTimes>) phases[k] += r.phases[k];
    for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
    for (const t of r.taskRecords) taskRecords.push({ ...t, start: t.start + offset, end: t.end + offset });
    tasks.map += r.tasks.map;
    tasks.reduce += r.tasks.reduce;
    tasks.retried += r.tasks.retried ?? 0;
    if (r.input.bytes > input.bytes || (r.input.bytes === input.bytes && r.input.rows > input.rows)) input = r.input;
    stepsMs += r.wallMs;
    bytesMoved += r.bytesMoved ?? 0;
    spilledBytes += r.spilledBytes ?? 0;
  }
  phases.merge += Math.max(0, wallMs - writeMs - setupMs - stepsMs - phases.write);
  phases.write += writeMs;
  const byJob = new Map<string, { job: string; kind: string; runs: number; wallMs: number }>();
  for (const { report: r } of steps) {
    const s = byJob.get(r.job) ?? { job: r.job, kind: r.kind, runs: 0, wallMs: 0 };
    s.runs++;
    s.wallMs += r.wallMs;
    byJob.set(r.job, s);
  }
  return {
    phases,
    counters,
    taskRecords: taskRecords.sort((a, b) => a.start - b.start),
    tasks,
    input,
    bytesMoved,
    spilledBytes,
    steps: [...byJob.values()],
  };
}

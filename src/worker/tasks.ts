import { threadId } from 'node:worker_threads';
import type { RecordBatch, Table } from 'apache-arrow';
import { JobError, QuiverError } from '../errors.js';
import type { FoldContext, FoldJob, Job, JobContext, EmitKey, KeyedJob, ParamValue, SplitInfo } from '../job/types.js';
import { describeSplit, type Split } from '../planner/split.js';
import { makeContext } from './context.js';
import { hashPartition } from './hash.js';
import { rowComparator } from './order.js';
import { byteSizeOf, decodePairs, encodePairs, serializeValue, type EncodedPairs } from './partials.js';
import { now } from '../util/clock.js';
import {
  CANCEL_FLAG,
  PROGRESS_COUNT,
  READING_FLAG,
  type DrainTask,
  type FoldTask,
  type MapTask,
  type ReduceTask,
  type TaskMetrics,
  type TaskOutput,
} from './protocol.js';
import { streamSplit } from './read-split.js';
import { Combiner } from './combiner.js';
import { pairsOf } from '../io/spill-file.js';
import { BadRecords } from '../io/bad-records.js';
import { tallied } from '../io/batch-stream.js';

/** What a worker holds for the run it is serving. */
export interface RunState {
  runId: number;
  job: Job;
  params: Record<string, ParamValue>;
  table?: Table;
  control: Int32Array;
  /** Results of `hold` map tasks, combined, waiting for a drain. */
  held?: Combiner;
  /** `ctx.state` shared by this worker's `hold` map tasks; `flush` runs on it at the drain. */
  heldState?: Record<string, unknown>;
}

/** User code threw: carries the phase so the coordinator can say where. */
export class UserCodeError extends Error {
  constructor(
    readonly phase: 'map' | 'reduce',
    readonly error: unknown,
  ) {
    super('user code threw');
  }
}

/** Thrown between batches when the coordinator set the cancel flag. */
export class TaskCancelled extends Error {}

type Result = { output: TaskOutput; metrics: TaskMetrics; transfer?: ArrayBuffer[] };

function splitInfo(split: Split, of: number): SplitInfo {
  const info: SplitInfo = { id: split.id, of, file: split.file, describe: describeSplit(split, of) };
  if (split.kind === 'text' || split.kind === 'csv' || split.kind === 'ndjson') {
    info.byteStart = split.start;
    info.byteEnd = split.end;
  } else if (split.kind === 'arrow-file' || split.kind === 'parquet') {
    info.rowStart = split.rowStart ?? 0;
    info.rowEnd = info.rowStart + split.rows;
  } else if (split.kind === 'table') {
    info.rowStart = split.rowStart;
    info.rowEnd = split.rowEnd;
  }
  return info;
}

/** A task's input: its batches, and as they are consumed, the rows seen and the time spent reading. */
interface Input {
  batches: AsyncIterable<RecordBatch>;
  rows: number;
  start: number;
  readMs: number;
  bad: BadRecords;
}

async function readInput(run: RunState, task: MapTask | FoldTask): Promise<Input> {
  const { split, batchRows, columns, badRecords: policy } = task;
  const start = now();
  const bad = new BadRecords(policy?.limit ?? 0, policy?.examples);
  Atomics.store(run.control, READING_FLAG, 1);
  let source: Awaited<ReturnType<typeof streamSplit>>;
  try {
    source = await streamSplit(split, batchRows, run.table, columns, bad, task.dictionary);
  } finally {
    Atomics.store(run.control, READING_FLAG, 0);
  }
  Atomics.add(run.control, PROGRESS_COUNT, 1);
  const input = { rows: 0, start, readMs: now() - start, bad } as Input;
  input.batches = tallied(watchedReading(source, run.control), input);
  return input;
}

/**
 * Tells the coordinator's watchdog when the task waits on its reader and when a batch arrives: a
 * reader that never hands over its next batch (a corrupt file that loops, a stuck filesystem) is then
 * told apart from a job that takes long over a batch, which the watchdog leaves alone.
 */
async function* watchedReading(source: AsyncIterable<RecordBatch> | RecordBatch[], control: Int32Array): AsyncGenerator<RecordBatch> {
  try {
    Atomics.store(control, READING_FLAG, 1);
    for await (const batch of source) {
      Atomics.store(control, READING_FLAG, 0);
      Atomics.add(control, PROGRESS_COUNT, 1);
      yield batch;
      Atomics.store(control, READING_FLAG, 1);
    }
  } finally {
    Atomics.store(control, READING_FLAG, 0);
  }
}

function checkCancel(run: RunState): void {
  if (Atomics.load(run.control, CANCEL_FLAG) !== 0) throw new TaskCancelled();
}

function user<T>(phase: 'map' | 'reduce', fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    // An input error raised by job code (the built-in convert checks each batch before writing it)
    // is about the input, not a bug in the job: it keeps its class and message, without the job's stack.
    if (QuiverError.isQuiverError(e) && e.phase === 'io') throw e;
    throw new UserCodeError(phase, e);
  }
}

/**
 * Runs `map` over a split with the map-side combiner, and hash-partitions the result. A `hold` task
 * instead combines into this worker's held map and state, shared by all its hold tasks of the run,
 * and `flush` runs once at the drain: per-worker combining, with no per-task merge.
 */
export async function runMapTask(run: RunState, task: MapTask): Promise<Result> {
  const job = run.job as KeyedJob;
  const counters: Record<string, number> = {};
  const state = task.hold ? (run.heldState ??= {}) : {};
  const ctx = makeContext(run.params, splitInfo(task.split, task.of), counters, state);
  const input = await readInput(run, task);
  const combine = (a: unknown, b: unknown) => job.combine(a, b, ctx);
  const acc = task.hold ? (run.held ??= new Combiner(combine)) : new Combiner(combine);
  acc.combine = combine;
  const before = acc.size;
  const emit = (key: EmitKey, value: unknown) => acc.add(key, value);
  for await (const batch of input.batches) {
    checkCancel(run);
    user('map', () => job.map(batch, emit, ctx));
  }
  if (task.hold) {
    return {
      output: { kind: 'held', holder: threadId, pairs: acc.size - before },
      metrics: metricsOf(input, task.split.bytes, [], acc.size - before, counters),
    };
  }
  if (job.flush) {
    const flush = job.flush;
    user('map', () => flush(emit, ctx));
  }
  const partitions = partitionPairs(job, acc, task.reducers);
  return {
    output: { kind: 'map', partitions },
    metrics: metricsOf(input, task.split.bytes, partitions, acc.size, counters),
  };
}

/** Hands over what `hold` map tasks left in this worker, hash-partitioned, and forgets it. */
export async function runDrainTask(run: RunState, task: DrainTask): Promise<Result> {
  const start = now();
  const job = run.job as KeyedJob;
  const counters: Record<string, number> = {};
  const info: SplitInfo = { id: -1, of: 0, file: '<worker>', describe: `the results held by worker thread ${threadId}` };
  const ctx = makeContext(run.params, info, counters, run.heldState ?? {});
  const held = run.held ?? new Combiner(() => undefined);
  held.combine = (a, b) => job.combine(a, b, ctx);
  if (job.flush && run.heldState) {
    const flush = job.flush;
    user('map', () => flush((key, value) => held.add(key, value), ctx));
  }
  run.held = undefined;
  run.heldState = undefined;
  const partitions = partitionPairs(job, held, task.reducers);
  const bytesOut = partitions.reduce((n, p) => n + byteSizeOf(p), 0);
  return {
    output: { kind: 'drained', holder: threadId, partitions },
    metrics: { start, end: now(), readMs: 0, rowsIn: 0, bytesIn: 0, bytesOut, pairsOut: held.size, counters },
  };
}

function partitionPairs(job: KeyedJob, acc: Combiner, reducers: number): EncodedPairs[] {
  const partition = job.partition ?? hashPartition;
  for (const k of acc.keys) {
    if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint') {
      // A Date groups by identity, not value: two equal dates would be two keys.
      const fix =
        (k as unknown) instanceof Date
          ? 'emit d.getTime() (epoch milliseconds) or d.toISOString()'
          : 'use joinKey(a, b) for a composite key';
      throw new UserCodeError(
        'map',
        new JobError(
          `map emitted a key of type ${(k as unknown) instanceof Date ? 'Date' : typeof k}; keys must be strings, numbers or bigints ` +
            `(${fix})`,
        ),
      );
    }
  }
  if (reducers === 1) return [encodePairs(acc.keys, acc.values)];
  const keys: EmitKey[][] = Array.from({ length: reducers }, () => []);
  const values: unknown[][] = Array.from({ length: reducers }, () => []);
  for (let i = 0; i < acc.keys.length; i++) {
    const k = acc.keys[i]!;
    const v = acc.values[i];
    const r = user('map', () => partition(k, reducers));
    if (!Number.isInteger(r) || r < 0 || r >= reducers) {
      throw new UserCodeError(
        'map',
        new JobError(
          `partition(${typeof k === 'string' ? JSON.stringify(k) : String(k)}, ${reducers}) returned ${r}; it must return an integer ` +
            `from 0 to ${reducers - 1}`,
        ),
      );
    }
    keys[r]!.push(k);
    values[r]!.push(v);
  }
  return keys.map((k, r) => encodePairs(k, values[r]!));
}

/** Adds the buffers of `arrays` to `moved` (once each); shared memory is never copied, so it is skipped. */
export function collectTransfers(moved: ArrayBuffer[], arrays: ArrayBufferView[]): void {
  for (const a of arrays) {
    if (!ArrayBuffer.isView(a)) throw new JobError(`ctx.transfer takes typed arrays (or DataViews), got ${a === null ? 'null' : typeof a}`);
    if (a.buffer instanceof ArrayBuffer && !moved.includes(a.buffer)) moved.push(a.buffer);
  }
}

/** Folds a split into one accumulator. */
export async function runFoldTask(run: RunState, task: FoldTask): Promise<Result> {
  const job = run.job as FoldJob;
  const counters: Record<string, number> = {};
  const moved: ArrayBuffer[] = [];
  const ctx: FoldContext = {
    ...makeContext(run.params, splitInfo(task.split, task.of), counters),
    transfer: (...arrays) => collectTransfers(moved, arrays),
  };
  const input = await readInput(run, task);
  let acc = user('map', () => job.identity(ctx));
  for await (const batch of input.batches) {
    checkCancel(run);
    acc = user('map', () => job.fold(acc, batch as RecordBatch, ctx));
  }
  const metrics = metricsOf(input, task.split.bytes, [], 1, counters);
  if (moved.length > 0) {
    // Sent as it is: postMessage clones the accumulator and moves these buffers instead of copying them.
    metrics.bytesOut = moved.reduce((n, b) => n + b.byteLength, 0);
    return { output: { kind: 'fold', value: acc }, metrics, transfer: moved };
  }
  const bytes = serializeValue(acc);
  metrics.bytesOut = bytes.byteLength;
  return { output: { kind: 'fold', acc: bytes }, metrics };
}

/** Merges one partition of every map task, applies `reduce`, and sorts the slice. */
export async function runReduceTask(run: RunState, task: ReduceTask): Promise<Result> {
  const start = now();
  const job = run.job as KeyedJob;
  const counters: Record<string, number> = {};
  const info: SplitInfo = {
    id: task.partition,
    of: task.of,
    file: '<shuffle>',
    describe: `reduce partition ${task.partition + 1} of ${task.of}`,
  };
  const ctx = makeContext(run.params, info, counters);
  const merged = new Combiner((a, b) => job.combine(a, b, ctx));
  let bytesIn = 0;
  let rowsIn = 0;
  for await (const part of pairsOf(task.parts, task.spilled)) {
    checkCancel(run);
    bytesIn += byteSizeOf(part);
    rowsIn += part.count;
    const { keys, values } = decodePairs(part);
    user('reduce', () => {
      for (let i = 0; i < keys.length; i++) merged.add(keys[i]!, values[i]);
    });
  }
  let keys = merged.keys;
  let values = merged.values;
  if (job.reduce) {
    const reduce = job.reduce;
    values = user('reduce', () => keys.map((k, i) => reduce(k, values[i], ctx as JobContext)));
  }
  const cmp = rowComparator(job.sort ?? 'key', job.name);
  if (cmp) {
    const order = keys.map((_, i) => i).sort(orderBy(job.sort ?? 'key', keys, values, cmp));
    keys = order.map((i) => keys[i]!);
    values = order.map((i) => values[i]);
  }
  const pairs = encodePairs(keys, values);
  const end = now();
  return {
    output: { kind: 'reduce', pairs },
    metrics: { start, end, readMs: 0, rowsIn, bytesIn, bytesOut: byteSizeOf(pairs), pairsOut: keys.length, counters },
  };
}

/** The comparator of row indices for a sort: a direct one for the default key sort of same-typed keys. */
function orderBy(
  sort: string,
  keys: EmitKey[],
  values: unknown[],
  cmp: NonNullable<ReturnType<typeof rowComparator>>,
): (a: number, b: number) => number {
  if (sort === 'key' && keys.every((k) => typeof k === 'number')) {
    const nums = keys as number[];
    return (a, b) => nums[a]! - nums[b]!;
  }
  if (sort === 'key' && keys.every((k) => typeof k === 'string')) {
    const strs = keys as string[];
    return (a, b) => (strs[a]! < strs[b]! ? -1 : strs[a]! > strs[b]! ? 1 : 0);
  }
  return (a, b) => cmp(keys[a]!, values[a], keys[b]!, values[b]);
}

function metricsOf(
  input: { start: number; readMs: number; rows: number; bad?: BadRecords },
  bytesIn: number,
  partitions: EncodedPairs[],
  pairsOut: number,
  counters: Record<string, number>,
): TaskMetrics {
  return {
    start: input.start,
    end: now(),
    readMs: input.readMs,
    rowsIn: input.rows,
    bytesIn,
    bytesOut: partitions.reduce((n, p) => n + byteSizeOf(p), 0),
    pairsOut,
    counters,
    ...(input.bad?.count ? { badRecords: { count: input.bad.count, examples: input.bad.examples } } : {}),
  };
}

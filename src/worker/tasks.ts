import { threadId } from 'node:worker_threads';
import type { RecordBatch, Table } from 'apache-arrow';
import { JobError } from '../errors.js';
import type { FoldJob, Job, JobContext, Key, KeyedJob, ParamValue, SplitInfo } from '../job/types.js';
import { describeSplit, type Split } from '../planner/split.js';
import { makeContext } from './context.js';
import { hashPartition } from './hash.js';
import { rowComparator } from './order.js';
import { byteSizeOf, decodePairs, encodePairs, serializeValue, type EncodedPairs } from './partials.js';
import { CANCEL_FLAG, now, type DrainTask, type FoldTask, type MapTask, type ReduceTask, type TaskMetrics, type TaskOutput } from './protocol.js';
import { readSplit } from './read-split.js';
import { pairsOf } from '../io/spill-file.js';

/** What a worker holds for the run it is serving. */
export interface RunState {
  runId: number;
  job: Job;
  params: Record<string, ParamValue>;
  table?: Table;
  control: Int32Array;
  /** Results of `hold` map tasks, combined, waiting for a drain. */
  held?: Map<Key, unknown>;
  /** `ctx.state` shared by this worker's `hold` map tasks; `flush` runs on it at the drain. */
  heldState?: Record<string, unknown>;
}

/** User code threw: carries the phase so the coordinator can say where. */
export class UserCodeError extends Error {
  constructor(readonly phase: 'map' | 'reduce', readonly error: unknown) {
    super('user code threw');
  }
}

/** Thrown between batches when the coordinator set the cancel flag. */
export class TaskCancelled extends Error {}

type Result = { output: TaskOutput; metrics: TaskMetrics };

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

async function readInput(run: RunState, split: Split, batchRows: number, columns?: string[]) {
  const start = now();
  const batches = await readSplit(split, batchRows, run.table, columns);
  let rows = 0;
  for (const b of batches) rows += b.numRows;
  return { batches, rows, start, readMs: now() - start };
}

function checkCancel(run: RunState): void {
  if (Atomics.load(run.control, CANCEL_FLAG) !== 0) throw new TaskCancelled();
}

function user<T>(phase: 'map' | 'reduce', fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UserCodeError(phase, e);
  }
}

/** An `emit` that combines into `acc` (the map-side combiner). */
function emitInto(acc: Map<Key, unknown>, combine: KeyedJob['combine'], ctx: JobContext): (key: Key, value: unknown) => void {
  return (key, value) => {
    const prev = acc.get(key);
    if (prev === undefined) acc.set(key, value);
    else {
      const next = combine(prev, value, ctx);
      // A combiner that updates `prev` in place saves the second hash lookup.
      if (next !== prev) acc.set(key, next);
    }
  };
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
  const input = await readInput(run, task.split, task.batchRows, task.columns);
  const acc = task.hold ? (run.held ??= new Map<Key, unknown>()) : new Map<Key, unknown>();
  const before = acc.size;
  const emit = emitInto(acc, job.combine, ctx);
  for (const batch of input.batches) {
    checkCancel(run);
    user('map', () => job.map(batch, emit, ctx));
  }
  if (task.hold) {
    return { output: { kind: 'held', holder: threadId, pairs: acc.size - before }, metrics: metricsOf(input, task.split.bytes, [], acc.size - before, counters) };
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
  const held = run.held ?? new Map<Key, unknown>();
  const counters: Record<string, number> = {};
  if (job.flush && run.heldState) {
    const info: SplitInfo = { id: -1, of: 0, file: '<worker>', describe: `the results held by worker thread ${threadId}` };
    const ctx = makeContext(run.params, info, counters, run.heldState);
    const flush = job.flush;
    const emit = emitInto(held, job.combine, ctx);
    user('map', () => flush(emit, ctx));
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

function partitionPairs(job: KeyedJob, acc: Map<Key, unknown>, reducers: number): EncodedPairs[] {
  const keys: Key[][] = Array.from({ length: reducers }, () => []);
  const values: unknown[][] = Array.from({ length: reducers }, () => []);
  const partition = job.partition ?? hashPartition;
  for (const [k, v] of acc) {
    if (typeof k !== 'string' && typeof k !== 'number') {
      throw new UserCodeError('map', new JobError(`map emitted a key of type ${typeof k}; keys must be strings or numbers (use joinKey(a, b) for a composite key)`));
    }
    const r = reducers === 1 ? 0 : user('map', () => partition(k, reducers));
    if (!Number.isInteger(r) || r < 0 || r >= reducers) {
      throw new UserCodeError('map', new JobError(`partition(${JSON.stringify(k)}, ${reducers}) returned ${r}; it must return an integer from 0 to ${reducers - 1}`));
    }
    keys[r]!.push(k);
    values[r]!.push(v);
  }
  return keys.map((k, r) => encodePairs(k, values[r]!));
}

/** Folds a split into one accumulator. */
export async function runFoldTask(run: RunState, task: FoldTask): Promise<Result> {
  const job = run.job as FoldJob;
  const counters: Record<string, number> = {};
  const ctx = makeContext(run.params, splitInfo(task.split, task.of), counters);
  const input = await readInput(run, task.split, task.batchRows, task.columns);
  let acc = user('map', () => job.identity(ctx));
  for (const batch of input.batches) {
    checkCancel(run);
    acc = user('map', () => job.fold(acc, batch as RecordBatch, ctx));
  }
  const bytes = serializeValue(acc);
  const metrics = metricsOf(input, task.split.bytes, [], 1, counters);
  metrics.bytesOut = bytes.byteLength;
  return { output: { kind: 'fold', acc: bytes }, metrics };
}

/** Merges one partition of every map task, applies `reduce`, and sorts the slice. */
export async function runReduceTask(run: RunState, task: ReduceTask): Promise<Result> {
  const start = now();
  const job = run.job as KeyedJob;
  const counters: Record<string, number> = {};
  const info: SplitInfo = { id: task.partition, of: task.of, file: '<shuffle>', describe: `reduce partition ${task.partition + 1} of ${task.of}` };
  const ctx = makeContext(run.params, info, counters);
  const merged = new Map<Key, unknown>();
  let bytesIn = 0;
  let rowsIn = 0;
  for await (const part of pairsOf(task.parts, task.spilled)) {
    checkCancel(run);
    bytesIn += byteSizeOf(part);
    rowsIn += part.count;
    const { keys, values } = decodePairs(part);
    user('reduce', () => {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const prev = merged.get(k);
        if (prev === undefined) merged.set(k, values[i]);
        else {
          const next = job.combine(prev, values[i], ctx);
          if (next !== prev) merged.set(k, next);
        }
      }
    });
  }
  let keys = [...merged.keys()];
  let values = [...merged.values()];
  if (job.reduce) {
    const reduce = job.reduce;
    values = user('reduce', () => keys.map((k, i) => reduce(k, values[i], ctx as JobContext)));
  }
  const cmp = rowComparator(job.sort ?? 'key', job.name);
  if (cmp) {
    const order = keys.map((_, i) => i).sort((a, b) => cmp(keys[a]!, values[a], keys[b]!, values[b]));
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

function metricsOf(
  input: { start: number; readMs: number; rows: number },
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
  };
}

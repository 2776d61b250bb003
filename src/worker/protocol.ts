import type { Phase } from '../errors.js';
import type { ParamValue } from '../job/types.js';
import type { Split } from '../planner/split.js';
import type { EncodedPairs } from './partials.js';
import type { SpillSegment } from '../io/spill-file.js';
import type { BadRecord, BadRecordPolicy } from '../io/bad-records.js';
import type { ColumnWidening } from '../io/column-widening.js';
import type { LineStyle } from '../io/format-column.js';
import type { SharedBatches } from '../io/shared-batches.js';

/**
 * The messages between the coordinator and a worker. They travel over a dedicated MessagePort
 * (handed over once through threads.js), because a threads.js call per task costs more than the task.
 */

/** Read a split, run `map` with the map-side combiner, hash-partition into `reducers` partitions. */
export interface MapTask {
  kind: 'map';
  split: Split;
  of: number;
  reducers: number;
  batchRows: number;
  columns?: string[];
  /** Text columns to read as dictionaries where the format can (the job's `dictionary`). */
  dictionary?: string[];
  /** Keep the result in the worker, combined with its other tasks' results, until a `drain` task. */
  hold?: boolean;
  /** Bad records the split may skip (`--max-bad-records`). @default none: the first fails the task */
  badRecords?: BadRecordPolicy;
}
/** Hand over everything this worker holds from `hold` map tasks, hash-partitioned into `reducers` partitions. */
export interface DrainTask {
  kind: 'drain';
  reducers: number;
}
/** Read a split and fold it into one accumulator. */
export interface FoldTask {
  kind: 'fold';
  split: Split;
  of: number;
  batchRows: number;
  columns?: string[];
  /** Text columns to read as dictionaries where the format can (the job's `dictionary`). */
  dictionary?: string[];
  badRecords?: BadRecordPolicy;
}
/** Merge partition `partition` of every map task, apply `reduce`, sort. */
export interface ReduceTask {
  kind: 'reduce';
  partition: number;
  of: number;
  parts: EncodedPairs[];
  /** Partitions the coordinator spilled to temp files (over `--memory`), read back one at a time. */
  spilled?: SpillSegment[];
  /**
   * Map outputs left in a store by a runner whose tasks run in other processes (a cluster): the
   * runner reads partition `partition` of each before the task reaches a thread.
   */
  stored?: string[];
}
/** Runs a recursive job on one problem: `divide` it into sub-problems, or `conquer` it. */
export interface SolveTask {
  kind: 'solve';
  problem: unknown;
  depth: number;
  /** E.g. `problem 0.1.3 of matrix-multiply`, for logs and errors. */
  describe: string;
}
/**
 * Formats record batches in shared memory as text lines (CSV or NDJSON), ending each with `\n`: a
 * piece of a large output the coordinator writes (coordinator/lines-in-workers.ts). Needs no job.
 */
export interface FormatTask {
  kind: 'format';
  style: LineStyle;
  batches: SharedBatches;
  /** Shared memory to write the lines into while they fit (the coordinator reuses it for a later piece). */
  into?: SharedArrayBuffer;
}
/** Does nothing; measures the round trip. */
export interface NoopTask {
  kind: 'noop';
}
export type Task = MapTask | DrainTask | FoldTask | ReduceTask | SolveTask | FormatTask | NoopTask;

export type TaskOutput =
  | { kind: 'map'; partitions: EncodedPairs[] }
  /**
   * A map task's partitions written to a store by a runner of tasks in other processes (a cluster):
   * `ref` names the object, `counts` the pairs in each partition. The shuffle passes the reference on.
   */
  | { kind: 'stored'; ref: string; counts: number[] }
  /** A `hold` map task's result stayed in the worker; `holder` is that worker thread's id (never reused). */
  | { kind: 'held'; holder: number; pairs: number }
  | { kind: 'drained'; holder: number; partitions: EncodedPairs[] }
  /**
   * A fold task's accumulator: serialized into `acc`, or, when the job moved buffers with
   * `ctx.transfer`, as `value` itself, which postMessage clones, moving those buffers with it.
   */
  | { kind: 'fold'; acc: Uint8Array; value?: undefined }
  | { kind: 'fold'; acc?: undefined; value: unknown }
  | { kind: 'reduce'; pairs: EncodedPairs }
  /** A `solve` task divided its problem: these sub-problems are tasks now. */
  | { kind: 'forked'; problems: unknown[] }
  /** A `solve` task conquered its problem. */
  | { kind: 'solved'; result: unknown }
  /** A `format` task's lines, as UTF-8 bytes: a buffer of its own, or the start of the task's `into`. */
  | { kind: 'formatted'; bytes: Uint8Array }
  | { kind: 'noop' };

/** What a task measured about itself. Times are epoch milliseconds (performance.timeOrigin + now()). */
export interface TaskMetrics {
  start: number;
  end: number;
  /** Time spent reading and decoding input. */
  readMs: number;
  rowsIn: number;
  bytesIn: number;
  /** Bytes of the output buffers handed back. */
  bytesOut: number;
  /** Distinct keys (or accumulators) handed back. */
  pairsOut: number;
  counters: Record<string, number>;
  /** Bad records the reader skipped, with a few examples; absent when there were none. */
  badRecords?: { count: number; examples: BadRecord[] };
}

/** An error crossing the thread boundary, with enough to rebuild a faithful message. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The phase it happened in. */
  phase: Phase;
  /** True when user code threw (as opposed to quiver or the input). */
  user: boolean;
  /** The quiver error class, when quiver threw. */
  quiverClass?: string;
  /** The constructor's name when it differs from `name` (a user's `class BadRow extends Error` keeps name 'Error'). */
  className?: string;
  cause?: SerializedError;
  /** A column the task found too narrow for a value (io/column-widening.ts): the coordinator widens it and runs again. */
  widening?: ColumnWidening;
}

export type ToWorker =
  | {
      type: 'load';
      runId: number;
      jobUrl: string;
      jobName?: string;
      params: Record<string, ParamValue>;
      table?: SharedArrayBuffer;
      /** parquet-wasm as the coordinator compiled it, for the worker to instantiate without compiling it again. */
      parquetWasm?: WebAssembly.Module;
    }
  | { type: 'task'; id: number; runId: number; task: Task };

export type FromWorker =
  | { type: 'loaded'; runId: number }
  | { type: 'load-failed'; runId: number; error: SerializedError }
  | { type: 'done'; id: number; output: TaskOutput; metrics: TaskMetrics }
  | { type: 'failed'; id: number; error: SerializedError };

/** Index of the cancel flag in the worker's control array: non-zero means stop at the next batch. */
export const CANCEL_FLAG = 0;
/** Index of the reading flag: 1 while a task waits on its input reader (src/executor/watchdog.ts). */
export const READING_FLAG = 1;
/** Index of the progress count: bumped each time a task's reader hands over a batch (or finishes). */
export const PROGRESS_COUNT = 2;

import type { ParamValue } from '../job/types.js';
import type { ReduceTask, SerializedError, Task, TaskMetrics } from '../worker/protocol.js';
import { TYPED_ARRAYS } from '../util/typed-arrays.js';

/**
 * What travels between the coordinator and `quiver worker` processes. Through Redis go only tasks
 * (a few hundred bytes) and their results (a store key and metrics); the stage's plan (splits, params,
 * the map outputs a reduce reads) is one object in the store, read once per stage by each worker.
 */

/** Where a stage's plan lives in the store. */
export const stageKey = (run: string, stage: number): string => `runs/${run}/stage-${stage}.json`;
/** The folder of everything a run keeps in the store; removed when the run ends. */
export const runFolder = (run: string): string => `runs/${run}/`;

/**
 * A reduce task as a stage plan holds it: the map outputs it reads are indices into the plan's
 * `outputs` (every reducer reads most of them; the keys are written once).
 */
export type PlannedReduce = Omit<ReduceTask, 'stored' | 'parts'> & { from: number[] };

/** A task of a stage plan: the pipeline's task, as a local run's thread would take it, or a reduce by index. */
export type PlannedTask = Exclude<Task, ReduceTask> | PlannedReduce;

/**
 * One stage of a run: one `forkJoin` of the coordinator's pipeline (a map, fold or reduce phase of a
 * job or of a driver's step), with what every task of it needs besides its index.
 */
export interface StagePlan {
  run: string;
  stage: number;
  /** quiver's version on the coordinator; a worker of another version refuses the task. */
  version: string;
  /** Store key of the job bundle. */
  bundle: string;
  /** The exported job to run, by name. @default the bundle's default export */
  jobName?: string;
  params: Record<string, ParamValue>;
  /** The stage's tasks, by index. */
  tasks: PlannedTask[];
  /** What each task reads (`split 3 of 12 of data.txt, …`), for logs and errors. */
  describe: string[];
  /** Reduce stages: the committed map outputs their tasks read, by store key. */
  outputs?: string[];
  /** Times a task may be started before it fails the run (worker deaths and freezes count). */
  maxAttempts: number;
}

/**
 * A stage plan as its store object: JSON, with what plain JSON loses kept by a tag: typed arrays (an
 * Arrow file split carries its schema message as bytes; k-means passes centroids as a Float64Array),
 * as base64 of their bytes, and bigints (Int64 params), as decimal text.
 */
export function planToBytes(plan: StagePlan): Uint8Array {
  return Buffer.from(
    JSON.stringify(plan, (_, v: unknown) => {
      if (typeof v === 'bigint') return { $bigint: v.toString() };
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        return { $typed: v.constructor.name, base64: bytes.toString('base64') };
      }
      return v;
    }),
  );
}

const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = TYPED_ARRAYS;

/** Reads back what `planToBytes` wrote. */
export function planFromBytes(bytes: Uint8Array): StagePlan {
  return JSON.parse(Buffer.from(bytes).toString('utf8'), (_, v: unknown) => {
    if (v === null || typeof v !== 'object') return v;
    if ('$bigint' in v) return BigInt((v as { $bigint: string }).$bigint);
    if (!('$typed' in v)) return v;
    const { $typed, base64 } = v as { $typed: string; base64: string };
    const data = Buffer.from(base64, 'base64');
    // A copy of its own, aligned for any element size.
    const own = new Uint8Array(data.byteLength);
    own.set(data);
    return new (TYPED[$typed] ?? Uint8Array)(own.buffer);
  }) as StagePlan;
}

/** A task, as BullMQ carries it: which run, which stage, which index. */
export interface ClusterTask {
  run: string;
  stage: number;
  index: number;
}

/** What a committed attempt gives its stage (stored by BullMQ in the stage's parent job). */
export interface TaskResult {
  /** Store key of the attempt's output object. */
  output: string;
  /** Map tasks: the pairs in each partition of the output (reducers of empty partitions get nothing). */
  counts?: number[];
  /** Bytes written to and read from the store by the attempt. */
  stored: number;
  loaded: number;
  metrics: TaskMetrics;
  /** Which worker process ran it, and which of its threads. */
  worker: string;
  host: string;
  thread: number;
  /** 1 for a first attempt; more when it ran again after a worker died, froze or failed. */
  attempt: number;
}

/** A task's error as a worker records it in the run's hash (the first one wins), for the coordinator. */
export interface TaskFailure {
  error: SerializedError;
  describe: string;
  stage: number;
  index: number;
}

/** How a task run in a worker process ended (before BullMQ commits it or not). */
export type TaskOutcome =
  | { state: 'done'; result: Omit<TaskResult, 'worker' | 'host' | 'attempt'> }
  /** The job's code or its input failed: the run fails with this error (unless user errors are retried). */
  | { state: 'failed'; error: SerializedError; retry: boolean }
  /** The thread died under the task (crash, out of memory): run it again. */
  | { state: 'lost'; reason: string }
  | { state: 'cancelled' };

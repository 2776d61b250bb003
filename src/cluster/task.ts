import type { ParamValue } from '../job/types.js';
import type { BadRecordPolicy } from '../io/bad-records.js';
import type { Split } from '../planner/split.js';
import type { SerializedError, TaskMetrics } from '../worker/protocol.js';

/**
 * What travels between the coordinator and `quiver worker` processes. Through Redis go only tasks
 * (a few hundred bytes) and their results (a store key and metrics); the stage's plan (splits, params,
 * the map outputs a reduce reads) is one object in the store, read once per stage by each worker.
 */

/** Where a stage's plan lives in the store. */
export const stageKey = (run: string, stage: number): string => `runs/${run}/stage-${stage}.json`;
/** The folder of everything a run keeps in the store; removed when the run ends. */
export const runFolder = (run: string): string => `runs/${run}/`;

/** One stage of a run: what every task of it needs besides its index. */
export interface StagePlan {
  run: string;
  stage: number;
  kind: 'map' | 'fold' | 'reduce';
  /** quiver's version on the coordinator; a worker of another version refuses the task. */
  version: string;
  /** Store key of the job bundle. */
  bundle: string;
  /** The exported job to run, by name. @default the bundle's default export */
  jobName?: string;
  params: Record<string, ParamValue>;
  /** Map and fold stages: one task per split. */
  splits?: Split[];
  batchRows?: number;
  columns?: string[];
  badRecords?: BadRecordPolicy;
  /** Reduce partitions (map stages partition into this many; reduce stages have one task each). */
  reducers: number;
  /** Reduce stages: the committed output of every map task. */
  mapOutputs?: string[];
  /** Reduce stages: which partition each reduce task merges (reducers with nothing to merge get no task). */
  partitions?: number[];
  /** Times a task may be started before it fails the run (worker deaths and freezes count). */
  maxAttempts: number;
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

/** How a task run in a worker process ended (before BullMQ commits it or not). */
export type TaskOutcome =
  | { state: 'done'; result: Omit<TaskResult, 'worker' | 'host' | 'attempt'> }
  /** The job's code or its input failed: the run fails with this error (unless user errors are retried). */
  | { state: 'failed'; error: SerializedError; retry: boolean }
  /** The thread died under the task (crash, out of memory): run it again. */
  | { state: 'lost'; reason: string }
  | { state: 'cancelled' };

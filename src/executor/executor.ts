import type { ParamValue } from '../job/types.js';
import type { SerializedError, Task, TaskMetrics, TaskOutput } from '../worker/protocol.js';

/**
 * What the scheduler (`forkJoin`) asks of the places tasks run, and nothing more: a pool of worker
 * threads (`pool.ts`), the main thread (`inline-pool.ts`), or the fakes of the executor's tests. These
 * types sit in a module of their own, below the pool, the handle and the scheduler, so none of those
 * imports another to name them.
 */

/** What every executor must have loaded before it takes a run's tasks. */
export interface RunSetup {
  runId: number;
  jobUrl: string;
  /** The exported job of the bundle to run, by name. @default its default export */
  jobName?: string;
  params: Record<string, ParamValue>;
  table?: SharedArrayBuffer;
  /** The job's source file, for a runner that bundles it again for other machines (a cluster). */
  jobFile?: string;
}

/**
 * Why a thread stopped: it exited (`process.exit`, or its event loop ran dry), threw out of its event
 * loop, hit its heap limit, or was terminated by quiver (a cancel, or the engine closing).
 */
export type ExitKind = 'exit' | 'crash' | 'out-of-memory' | 'terminated' | 'stalled';

/** How and why a worker thread stopped. */
export interface ExitInfo {
  kind: ExitKind;
  code: number;
  /** E.g. `exit code 3`, `Error: boom`, `JS heap out of memory`. */
  reason: string;
}

/** How a task sent to an executor ended. */
export type TaskOutcome =
  | { state: 'done'; output: TaskOutput; metrics: TaskMetrics }
  | { state: 'failed'; error: SerializedError }
  | { state: 'lost'; exit: ExitInfo };

/** One place tasks run, one at a time, in the order they were sent. */
export interface Executor {
  readonly index: number;
  /** Tasks sent and not yet settled. */
  readonly inFlight: number;
  /** Sends a task; the promise settles with its outcome and never rejects. */
  send(runId: number, task: Task, transfer?: ArrayBuffer[]): Promise<TaskOutcome>;
  /** Asks the running task to stop at its next batch boundary. */
  cancel(): void;
  /** Stops the executor; its in-flight tasks settle as `lost`. */
  terminate(): Promise<void>;
}

/** A fixed set of executors, as the scheduler sees it. */
export interface Executors {
  /** Live executors loaded for the current run. */
  readonly ready: readonly Executor[];
  /** Replacement executors still starting or loading. */
  readonly replacing: number;
  /** Set when the set cannot get back to strength (fresh executors keep failing to start). */
  readonly broken: Error | undefined;
  /** The heap limit of each executor in bytes, for out-of-memory messages. */
  readonly memoryLimit: number;
  /** Calls `fn` whenever a replacement is ready or fails; returns the unsubscribe function. */
  onChange(fn: () => void): () => void;
}

/** A set of executors this process starts, loads and stops: what a `PoolRunner` drives. */
export interface Pool extends Executors {
  readonly size: number;
  /** Executors with a task in flight. */
  readonly busy: number;
  /** Starts the executors (idempotent). */
  start(): Promise<void>;
  /** Loads the run's job into every executor; rejects with the job's load error. */
  load(setup: RunSetup): Promise<void>;
  close(): Promise<void>;
}

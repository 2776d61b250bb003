import type { Task } from '../worker/protocol.js';
import type { Pool, RunSetup, TaskOutcome } from './executor.js';
import { forkJoin, type ErrorFactory, type OnResult, type SchedulerOptions, type TaskSpec } from './scheduler.js';

/**
 * Where a run's tasks execute. The coordinator's one pipeline (plan → map → shuffle → reduce → merge →
 * write → report) hands every task of every run, driver step and fork-join to a runner, so the answer
 * and the report are the same whichever runs them: worker threads (`threadRunner`), the main thread
 * (`inlineRunner`, the sequential baseline T_seq), or, being plain messages (a task names its split,
 * the run's params come with `load`, the attempt is the runner's), processes on other machines.
 */
export interface TaskRunner {
  /** Tasks that run at once; the planner cuts the input for this many workers. */
  readonly workers: number;
  /**
   * True when an executor keeps state between a run's tasks, so map tasks may hold their results
   * for one drain per executor (per-worker combining). A runner of stateless tasks says false, and
   * map tasks then hand back their partitions themselves.
   */
  readonly holdsResults: boolean;
  /**
   * True when every executor can read memory the coordinator allocates (a SharedArrayBuffer): threads
   * of this process. Processes on other machines cannot, so jobs that need it (`q.shared`) refuse.
   */
  readonly sharedMemory: boolean;
  /** Executors with a task in flight, for progress events. */
  readonly busy: number;
  /** Starts the executors (idempotent); call early so their start-up overlaps bundling and planning. */
  start(): Promise<void>;
  /** Makes every executor ready for a run: its job loaded, with its params and in-memory table. */
  load(setup: RunSetup): Promise<void>;
  /**
   * Runs tasks until all have settled, by the failure rule of src/executor/README.md: a failure fails
   * its task, a lost task is retried, the first unrecoverable error cancels the rest and wins. Each
   * task's result reaches `onResult` once; tasks it returns join the fork-join.
   */
  forkJoin(runId: number, specs: TaskSpec[], onResult: OnResult, toError: ErrorFactory, options?: SchedulerOptions): Promise<void>;
  /**
   * Sends `task` once to every executor loaded for the run, at once, and hands each outcome to
   * `onOutcome` as it arrives (none when `holdsResults` is false): the drain of held map results.
   */
  broadcast(runId: number, task: Task, onOutcome: (executor: number, outcome: TaskOutcome) => void): Promise<void>;
  /** Stops the executors. */
  close(): Promise<void>;
}

/** The runner of a pool this process drives: the scheduler hands tasks to its executors. */
export class PoolRunner implements TaskRunner {
  readonly holdsResults = true;
  readonly sharedMemory = true;

  constructor(readonly pool: Pool) {}

  get workers(): number {
    return this.pool.size;
  }

  get busy(): number {
    return this.pool.busy;
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  load(setup: RunSetup): Promise<void> {
    return this.pool.load(setup);
  }

  forkJoin(runId: number, specs: TaskSpec[], onResult: OnResult, toError: ErrorFactory, options?: SchedulerOptions): Promise<void> {
    return forkJoin(this.pool, runId, specs, onResult, toError, options);
  }

  async broadcast(runId: number, task: Task, onOutcome: (executor: number, outcome: TaskOutcome) => void): Promise<void> {
    await Promise.all(this.pool.ready.map(async (e) => onOutcome(e.index, await e.send(runId, task))));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

import { checkJob } from '../job/define-job.js';
import { exportedJob } from '../job/exports.js';
import { tableFromShared } from '../io/shared-table.js';
import { serializeError } from '../worker/serialize-error.js';
import { CANCEL_FLAG, type Task } from '../worker/protocol.js';
import { NOOP_METRICS, runTaskOfKind } from '../worker/run-task.js';
import type { RunState } from '../worker/tasks.js';
import type { Executor, Pool, RunSetup, TaskOutcome } from './executor.js';

/**
 * The calling thread as the only executor: tasks run here, one after another, through the same task
 * functions a worker thread runs (worker/tasks.ts) and the same scheduler. Its run time is the
 * sequential baseline T_seq, which separates what parallelism costs (T(1) − T_seq) from what it gains.
 * Nothing here can be lost: there is no thread to die, and no thread to terminate either, so a cancel
 * waits for the running task's next batch boundary.
 */
class InlineExecutor implements Executor {
  readonly index = 0;
  loadedRun = -1;
  private pending = 0;
  private run?: RunState;
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  // Tasks run in the order they were sent, as in a worker's queue.
  private chain: Promise<unknown> = Promise.resolve();

  get inFlight(): number {
    return this.pending;
  }

  async load(setup: RunSetup): Promise<void> {
    Atomics.store(this.control, CANCEL_FLAG, 0);
    // As in a worker: stack traces of user code point at their .ts lines through the bundle's source map.
    process.setSourceMapsEnabled(true);
    try {
      const mod = (await import(setup.jobUrl)) as Record<string, unknown>;
      const job = checkJob(setup.jobName === undefined ? mod.default : exportedJob(mod, setup.jobName, setup.jobUrl), setup.jobUrl);
      const table = setup.table ? tableFromShared(setup.table) : undefined;
      this.run = { runId: setup.runId, job, params: setup.params, control: this.control, table };
    } catch (e) {
      throw serializeError(e, 'load-job');
    }
    this.loadedRun = setup.runId;
  }

  send(runId: number, task: Task): Promise<TaskOutcome> {
    this.pending++;
    const outcome = this.chain.then(async () => {
      try {
        return await this.execute(runId, task);
      } finally {
        // Before the outcome settles, as a worker handle does, so the scheduler sees this executor free.
        this.pending--;
      }
    });
    this.chain = outcome;
    return outcome;
  }

  cancel(): void {
    Atomics.store(this.control, CANCEL_FLAG, 1);
  }

  async terminate(): Promise<void> {
    this.cancel();
  }

  /** Runs one task as a worker's entry does, its failure turned into the data a worker would send. */
  private async execute(runId: number, task: Task): Promise<TaskOutcome> {
    const run = this.run;
    if (task.kind === 'noop') return { state: 'done', output: { kind: 'noop' }, metrics: NOOP_METRICS };
    try {
      if (!run || run.runId !== runId) throw new Error(`task for run ${runId} reached the main thread, loaded for run ${run?.runId}`);
      const r = await runTaskOfKind(run, task);
      return { state: 'done', output: r.output, metrics: r.metrics };
    } catch (e) {
      return { state: 'failed', error: serializeError(e, task.kind === 'reduce' ? 'reduce' : 'io') };
    }
  }
}

/** A pool of one executor, the calling thread: the sequential baseline's pool. */
export class InlinePool implements Pool {
  readonly size = 1;
  readonly replacing = 0;
  readonly broken = undefined;
  /** Never reached: a heap overflow in the main thread ends the process, it is not a lost task. */
  readonly memoryLimit = Infinity;
  private readonly executor = new InlineExecutor();
  private readonly loaded: readonly Executor[] = [this.executor];

  get ready(): readonly Executor[] {
    return this.executor.loadedRun >= 0 ? this.loaded : [];
  }

  get busy(): number {
    return this.executor.inFlight > 0 ? 1 : 0;
  }

  async start(): Promise<void> {}

  load(setup: RunSetup): Promise<void> {
    return this.executor.load(setup);
  }

  onChange(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}
}

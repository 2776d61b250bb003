import { MessageChannel, type MessagePort, type ResourceLimits, type Worker as NodeWorker } from 'node:worker_threads';
import { spawn, Thread, Transfer, Worker } from 'threads';
import { WorkerError } from '../errors.js';
import { BUNDLED } from '../layout.js';
import { sharedParquetWasm } from '../io/parquet-wasm.js';
import type { FromWorker, SerializedError, Task, ToWorker } from '../worker/protocol.js';
import { CANCEL_FLAG, READING_FLAG } from '../worker/protocol.js';
import type { Executor, ExitInfo, RunSetup, TaskOutcome } from './executor.js';
import { DEFAULT_STALL_MS, Watchdog } from './watchdog.js';

/**
 * The worker script. threads.js joins a worker path onto the folder of the file that calls `new Worker`
 * (even an absolute one), so this must stay relative to that file: this one under dist/src, or, in the
 * CLI's bundle (see layout.ts), whichever file of dist/bundle/ holds threads.js (all sit side by side).
 */
const ENTRY = BUNDLED ? './worker.mjs' : '../worker/entry.js';

type Exposed = {
  connect(port: MessagePort, control: SharedArrayBuffer): Promise<void>;
};
type ExposedThread = Exposed & { terminate?: never };

/** Options for starting a worker. */
export interface WorkerOptions {
  resourceLimits?: ResourceLimits;
  /** A task waiting this long on its reader without a batch stops its thread (src/executor/watchdog.ts). @default 120 s */
  stallMs?: number;
}

/**
 * threads.js installs, when it is imported, SIGINT / SIGTERM handlers that terminate every worker and
 * call `process.exit(0)`: a Ctrl-C would then end the process with success, skipping quiver's cancel
 * (temp files removed, exit code 130, the message). Cancelling is the engine's job, so remove them.
 */
function removeThreadsSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(sig)) if (String(l).includes('terminateWorkersAndMaster')) process.off(sig, l);
  }
}
removeThreadsSignalHandlers();

/**
 * The Node options a worker thread starts with, when they must differ from the process's own (Node's
 * default for a worker): `undefined` (inherit them) unless the process was started with `-e` / `--eval`,
 * `-p` / `--print` or `--input-type`, which only say how to read the main script. A worker that
 * inherits `--input-type` refuses to load its own file (ERR_INPUT_TYPE_NOT_ALLOWED), so the engine
 * could not start from `node --input-type=module -e '…'`; then this is the process's options less those.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '-pe' || a === '--input-type') i++;
    else if (!/^--(eval|print|input-type)=/.test(a)) out.push(a);
  }
  return out.length === execArgv.length ? undefined : out;
}

/**
 * Makes the threads.js Worker for a worker thread. Options given to a Worker explicitly are checked, and
 * V8's flags (`--no-concurrent-marking`, which the quiver command runs with) are refused there
 * (ERR_WORKER_INVALID_EXEC_ARGV) though they reach a worker anyway, being process-wide: with such a
 * flag among the options, the worker starts with none of the process's options instead.
 */
function makeWorker(options: WorkerOptions): InstanceType<typeof Worker> {
  // `execArgv: undefined` is Node's default: inherit the process's options.
  const make = (execArgv: string[] | undefined) => new Worker(ENTRY, { resourceLimits: options.resourceLimits, execArgv } as never);
  const execArgv = workerExecArgv();
  try {
    return make(execArgv);
  } catch (e) {
    if (execArgv === undefined || (e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return make([]);
  }
}

/** Classifies a worker's `error` event. */
function exitOfError(e: Error & { code?: string }): ExitInfo {
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') return { kind: 'out-of-memory', code: 1, reason: 'JS heap out of memory' };
  return { kind: 'crash', code: 1, reason: `${e.name}: ${e.message}` };
}

/**
 * One worker thread: started through threads.js, then spoken to over its own MessagePort. It watches
 * the thread's `exit` and `error` so that a death settles every in-flight task as `lost` at once,
 * never a hang, and resolves `exited` for the pool to replace it.
 */
export class WorkerHandle implements Executor {
  readonly index: number;
  /** Settles once when the thread stops, however it stops. */
  readonly exited: Promise<ExitInfo>;
  /**
   * Settles when the thread has really ended (Node's `exit`): a terminated thread stops at its next
   * interrupt check, which comes after `exited` (the handle gives up on it at once) and, for a thread
   * blocked in a system call (a read from a filesystem that stopped answering), never.
   */
  readonly gone: Promise<void>;
  private readonly port: MessagePort;
  private readonly control: Int32Array;
  private readonly thread: ExposedThread;
  private readonly native: NodeWorker;
  private readonly pending = new Map<number, (o: TaskOutcome) => void>();
  private loadWaiter?: { runId: number; resolve: () => void; reject: (e: SerializedError | Error) => void };
  private exitInfo?: ExitInfo;
  private onExit!: (info: ExitInfo) => void;
  private readonly watchdog: Watchdog;
  /** Run whose job this worker has loaded. */
  loadedRun = -1;
  /** Tasks this thread has completed. */
  completed = 0;
  /** Tasks in flight when the thread stopped: a thread that stops with none was not killed by a task. */
  lostTasks = 0;
  /**
   * Called once, synchronously, when the thread stops, before its in-flight tasks settle as `lost`, so
   * the pool has a replacement under way by the time the scheduler looks for a worker to retry on.
   */
  onDeath?: (info: ExitInfo) => void;
  private static nextId = 1;

  private constructor(
    index: number,
    native: NodeWorker,
    thread: ExposedThread,
    port: MessagePort,
    control: Int32Array,
    stallMs: number,
    gone: Promise<void>,
  ) {
    this.index = index;
    this.gone = gone;
    this.watchdog = new Watchdog(control, stallMs, () => void this.stall(stallMs));
    this.native = native;
    this.thread = thread;
    this.port = port;
    this.control = control;
    this.exited = new Promise((resolve) => (this.onExit = resolve));
    port.on('message', (msg: FromWorker) => this.receive(msg));
  }

  /** Starts a worker thread and connects its task port. */
  static async start(index: number, options: WorkerOptions = {}): Promise<WorkerHandle> {
    const wrapped = makeWorker(options);
    // threads.js's Worker on Node is a worker_threads Worker: watch its own exit and error events.
    const native = wrapped as unknown as NodeWorker;
    const gone = new Promise<void>((resolve) => native.once('exit', () => resolve()));
    let early: ExitInfo | undefined;
    let stoppedEarly!: (info: ExitInfo) => void;
    // A thread that dies before it says hello (its script failed to load) fails the start at once,
    // with its own error, instead of after spawn's 30 s wait for a hello that will never come.
    const stopped = new Promise<never>((_, reject) => (stoppedEarly = (info) => reject(new Error(info.reason))));
    native.on('error', (e: Error) => stoppedEarly((early ??= exitOfError(e))));
    native.on('exit', (code: number) => stoppedEarly((early ??= { kind: 'exit', code, reason: `exit code ${code}` })));
    stopped.catch(() => {});
    let thread: ExposedThread;
    const { port1, port2 } = new MessageChannel();
    const controlBuffer = new SharedArrayBuffer(4 * 4);
    try {
      const hello = spawn(wrapped, { timeout: 30_000 });
      hello.catch(() => {});
      thread = (await Promise.race([hello, stopped])) as unknown as ExposedThread;
      await Promise.race([thread.connect(Transfer(port2 as never, [port2 as never]) as never, controlBuffer), stopped]);
    } catch (e) {
      await native.terminate();
      throw new WorkerError(`worker ${index} could not start: ${(e as Error).message}`, { cause: e });
    }
    const handle = new WorkerHandle(index, native, thread, port1, new Int32Array(controlBuffer), options.stallMs ?? DEFAULT_STALL_MS, gone);
    // `error` comes before `exit` and says more (out of memory, an uncaught throw), so it wins.
    native.on('error', (e: Error) => handle.died(exitOfError(e)));
    native.on('exit', (code: number) => handle.died({ kind: 'exit', code, reason: `exit code ${code}` }));
    // threads.js keeps every Worker it made in a module-level list for good; once the thread is gone,
    // drop the listeners so that list does not also keep this handle (and what it references) alive.
    native.once('exit', () => setImmediate(() => native.removeAllListeners()));
    if (early) handle.died(early);
    return handle;
  }

  /** How the thread stopped, once it has. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** True once the thread has stopped. */
  get dead(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Tasks sent and not yet settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Loads the job bundle for a run; rejects with the worker's error if the job does not load. */
  load(setup: RunSetup): Promise<void> {
    const { runId, jobUrl, jobName, params, table } = setup;
    Atomics.store(this.control, CANCEL_FLAG, 0);
    if (this.exitInfo) return Promise.reject(new WorkerError(`worker ${this.index} is not running (${this.exitInfo.reason})`));
    return new Promise((resolve, reject) => {
      this.loadWaiter = {
        runId,
        resolve: () => {
          this.loadedRun = runId;
          resolve();
        },
        reject,
      };
      this.post({ type: 'load', runId, jobUrl, jobName, params, table, parquetWasm: sharedParquetWasm() });
    });
  }

  /** Sends a task; the promise settles with its outcome and never rejects. */
  send(runId: number, task: Task, transfer: ArrayBuffer[] = []): Promise<TaskOutcome> {
    const id = WorkerHandle.nextId++;
    return new Promise((resolve) => {
      if (this.exitInfo) {
        resolve({ state: 'lost', exit: this.exitInfo });
        return;
      }
      // An idle worker reads nothing: a flag left set by a task that failed mid-read must not count.
      if (this.pending.size === 0) Atomics.store(this.control, READING_FLAG, 0);
      this.pending.set(id, resolve);
      this.watchdog.arm();
      this.post({ type: 'task', id, runId, task }, transfer);
    });
  }

  /** Asks the worker to stop its current task at the next batch boundary. */
  cancel(): void {
    Atomics.store(this.control, CANCEL_FLAG, 1);
  }

  /** Stops the thread. In-flight tasks settle as `lost` with kind `terminated`. */
  async terminate(): Promise<void> {
    this.died({ kind: 'terminated', code: 0, reason: 'terminated' });
    this.port.close();
    await Thread.terminate(this.thread as never).catch(() => undefined);
    await this.native.terminate();
  }

  /**
   * The watchdog saw the task wait on its reader for `stallMs` without a batch: its thread is stopped
   * (nothing in it would notice a flag) and its tasks settle as `lost` with kind `stalled`, which the
   * scheduler does not retry (the same input would stall again) and the pool replaces at once.
   */
  private async stall(stallMs: number): Promise<void> {
    this.died({ kind: 'stalled', code: 0, reason: `its input reader produced no batch for ${Math.round(stallMs / 100) / 10} s` });
    this.port.close();
    await Thread.terminate(this.thread as never).catch(() => undefined);
    await this.native.terminate().catch(() => undefined);
  }

  private post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(msg, transfer);
  }

  private receive(msg: FromWorker): void {
    switch (msg.type) {
      case 'loaded':
        if (this.loadWaiter?.runId === msg.runId) this.loadWaiter.resolve();
        this.loadWaiter = undefined;
        return;
      case 'load-failed':
        if (this.loadWaiter?.runId === msg.runId) this.loadWaiter.reject(msg.error);
        this.loadWaiter = undefined;
        return;
      case 'done':
      case 'failed': {
        const settle = this.pending.get(msg.id);
        if (!settle) return;
        this.pending.delete(msg.id);
        if (this.pending.size === 0) this.watchdog.disarm();
        if (msg.type === 'done') this.completed++;
        settle(msg.type === 'done' ? { state: 'done', output: msg.output, metrics: msg.metrics } : { state: 'failed', error: msg.error });
        return;
      }
    }
  }

  private died(info: ExitInfo): void {
    if (this.exitInfo) return;
    this.exitInfo = info;
    this.watchdog.disarm();
    this.lostTasks = this.pending.size;
    this.onDeath?.(info);
    const lost: TaskOutcome = { state: 'lost', exit: info };
    for (const settle of this.pending.values()) settle(lost);
    this.pending.clear();
    this.loadWaiter?.reject(new WorkerError(`worker ${this.index} stopped (${info.reason}) while loading the job`));
    this.loadWaiter = undefined;
    this.onExit(info);
  }
}

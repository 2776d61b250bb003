import { MessageChannel, type MessagePort, type ResourceLimits, type Worker as NodeWorker } from 'node:worker_threads';
import { spawn, Thread, Transfer, Worker } from 'threads';
import { WorkerError } from '../errors.js';
import type { FromWorker, SerializedError, Task, TaskMetrics, TaskOutput, ToWorker } from '../worker/protocol.js';
import { CANCEL_FLAG } from '../worker/protocol.js';
import type { ParamValue } from '../job/types.js';

/**
 * The worker script. threads.js joins a worker path onto the folder of the file that calls `new Worker`
 * (even an absolute one), so this must stay relative to this file.
 */
const ENTRY = '../worker/entry.js';

/** How a task sent to a worker ended. */
export type TaskOutcome =
  | { state: 'done'; output: TaskOutput; metrics: TaskMetrics }
  | { state: 'failed'; error: SerializedError }
  | { state: 'lost'; exitCode: number; reason: string };

type Exposed = {
  connect(port: MessagePort, control: SharedArrayBuffer): Promise<void>;
};
type ExposedThread = Exposed & { terminate?: never };

/** Options for starting a worker. */
export interface WorkerOptions {
  resourceLimits?: ResourceLimits;
}

/**
 * One worker thread: started through threads.js, then spoken to over its own MessagePort. It watches
 * the thread's `exit` so that a death settles every in-flight task as `lost` at once, never a hang.
 */
export class WorkerHandle {
  readonly index: number;
  private readonly port: MessagePort;
  private readonly control: Int32Array;
  private readonly thread: ExposedThread;
  private readonly native: NodeWorker;
  private readonly pending = new Map<number, (o: TaskOutcome) => void>();
  private loadWaiter?: { runId: number; resolve: () => void; reject: (e: SerializedError | Error) => void };
  private exitInfo?: { code: number; reason: string };
  /** Run whose job this worker has loaded. */
  loadedRun = -1;
  private static nextId = 1;

  private constructor(index: number, native: NodeWorker, thread: ExposedThread, port: MessagePort, control: Int32Array) {
    this.index = index;
    this.native = native;
    this.thread = thread;
    this.port = port;
    this.control = control;
    port.on('message', (msg: FromWorker) => this.receive(msg));
  }

  /** Starts a worker thread and connects its task port. */
  static async start(index: number, options: WorkerOptions = {}): Promise<WorkerHandle> {
    const wrapped = new Worker(ENTRY, { resourceLimits: options.resourceLimits } as never);
    // threads.js's Worker on Node is a worker_threads Worker: watch its own exit and error events.
    const native = wrapped as unknown as NodeWorker;
    let exited: { code: number; reason: string } | undefined;
    let early: Error | undefined;
    native.on('error', (e: Error) => (early = e));
    native.on('exit', (code: number) => (exited = { code, reason: early ? early.message : `exit code ${code}` }));
    let thread: ExposedThread;
    try {
      thread = (await spawn(wrapped, { timeout: 30_000 })) as unknown as ExposedThread;
    } catch (e) {
      await native.terminate();
      throw new WorkerError(`worker ${index} could not start: ${(e as Error).message}`, { cause: e });
    }
    const { port1, port2 } = new MessageChannel();
    const controlBuffer = new SharedArrayBuffer(4 * 4);
    await thread.connect(Transfer(port2 as never, [port2 as never]) as never, controlBuffer);
    const handle = new WorkerHandle(index, native, thread, port1, new Int32Array(controlBuffer));
    native.on('error', (e: Error) => handle.died(-1, `${e.name}: ${e.message}`));
    native.on('exit', (code: number) => handle.died(code, handle.exitInfo?.reason ?? `exit code ${code}`));
    if (exited) handle.died(exited.code, exited.reason);
    return handle;
  }

  /** True once the thread has exited or errored. */
  get dead(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Tasks sent and not yet settled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Loads the job bundle for a run; rejects with the worker's error if the job does not load. */
  load(runId: number, jobUrl: string, params: Record<string, ParamValue>, table?: SharedArrayBuffer): Promise<void> {
    Atomics.store(this.control, CANCEL_FLAG, 0);
    if (this.dead) return Promise.reject(new WorkerError(`worker ${this.index} is not running`));
    return new Promise((resolve, reject) => {
      this.loadWaiter = { runId, resolve: () => { this.loadedRun = runId; resolve(); }, reject };
      this.post({ type: 'load', runId, jobUrl, params, table });
    });
  }

  /** Sends a task; the promise settles with its outcome and never rejects. */
  send(runId: number, task: Task, transfer: ArrayBuffer[] = []): Promise<TaskOutcome> {
    const id = WorkerHandle.nextId++;
    return new Promise((resolve) => {
      if (this.exitInfo) {
        resolve({ state: 'lost', exitCode: this.exitInfo.code, reason: this.exitInfo.reason });
        return;
      }
      this.pending.set(id, resolve);
      this.post({ type: 'task', id, runId, task }, transfer);
    });
  }

  /** Asks the worker to stop its current task at the next batch boundary. */
  cancel(): void {
    Atomics.store(this.control, CANCEL_FLAG, 1);
  }

  /** Stops the thread. In-flight tasks settle as `lost`. */
  async terminate(): Promise<void> {
    this.died(0, 'terminated');
    this.port.close();
    await Thread.terminate(this.thread as never).catch(() => undefined);
    await this.native.terminate();
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
        settle(msg.type === 'done' ? { state: 'done', output: msg.output, metrics: msg.metrics } : { state: 'failed', error: msg.error });
        return;
      }
    }
  }

  private died(code: number, reason: string): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, reason };
    const lost: TaskOutcome = { state: 'lost', exitCode: code, reason };
    for (const settle of this.pending.values()) settle(lost);
    this.pending.clear();
    this.loadWaiter?.reject(new WorkerError(`worker ${this.index} stopped (${reason}) while loading the job`));
    this.loadWaiter = undefined;
  }
}

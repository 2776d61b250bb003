import os from 'node:os';
import { UsageError } from '../errors.js';
import type { ParamValue } from '../job/types.js';
import { WorkerHandle, type WorkerOptions } from './worker-handle.js';

/** What every worker must have loaded before it takes a run's tasks. */
export interface RunSetup {
  runId: number;
  jobUrl: string;
  params: Record<string, ParamValue>;
  table?: SharedArrayBuffer;
}

/**
 * A fixed set of worker threads. It starts them, loads a run's job into each, and replaces a worker
 * that died with a fresh one loaded for the same run. Scheduling lives in `Scheduler`, not here.
 */
export class WorkerPool {
  private workers: WorkerHandle[] = [];
  private setup?: RunSetup;
  private closed = false;
  readonly size: number;
  private readonly options: WorkerOptions;
  private starting?: Promise<void>;

  constructor(size: number, options: WorkerOptions = {}) {
    if (!Number.isSafeInteger(size) || size < 1) throw new UsageError(`--workers must be a positive integer, got ${size}`);
    this.size = size;
    this.options = options;
  }

  /** Starts the threads (idempotent); call early so thread start-up overlaps planning and bundling. */
  start(): Promise<void> {
    this.starting ??= Promise.all(Array.from({ length: this.size }, (_, i) => WorkerHandle.start(i, this.options))).then((ws) => {
      this.workers = ws;
    });
    return this.starting;
  }

  /** Loads the run's job into every live worker; a worker that died meanwhile is replaced. */
  async load(setup: RunSetup): Promise<void> {
    await this.start();
    this.setup = setup;
    await Promise.all(this.workers.map((w, i) => (w.dead ? this.replace(w) : w.load(setup.runId, setup.jobUrl, setup.params, setup.table).then(() => this.workers[i]!))));
  }

  /** Live workers loaded for the current run. */
  get ready(): WorkerHandle[] {
    const runId = this.setup?.runId;
    return this.workers.filter((w) => !w.dead && w.loadedRun === runId);
  }

  /** All workers, live or not. */
  get all(): readonly WorkerHandle[] {
    return this.workers;
  }

  /** Replaces a dead (or stuck) worker with a fresh one loaded for the current run. */
  async replace(old: WorkerHandle): Promise<WorkerHandle> {
    if (!old.dead) await old.terminate();
    if (this.closed) throw new UsageError('the engine is closed');
    const fresh = await WorkerHandle.start(old.index, this.options);
    const at = this.workers.indexOf(old);
    if (at >= 0) this.workers[at] = fresh;
    else this.workers.push(fresh);
    if (this.setup) await fresh.load(this.setup.runId, this.setup.jobUrl, this.setup.params, this.setup.table);
    return fresh;
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The default number of workers: the cores Node may use. */
export function defaultWorkers(): number {
  return os.availableParallelism();
}

import os from 'node:os';
import v8 from 'node:v8';
import { UsageError, WorkerError } from '../errors.js';
import { configureWorkerHeaps } from '../node-flags.js';
import type { ExitInfo, Pool, RunSetup } from './executor.js';
import { WorkerHandle, type WorkerOptions } from './worker-handle.js';

/** Fresh workers in a row that may fail to start (or die before finishing a task) before the pool gives up. */
const MAX_START_FAILURES = 3;

/**
 * A fixed set of worker threads. It starts them, loads a run's job into each, and replaces any worker
 * that stops (killed, crashed, out of memory, terminated by a cancel) with a fresh one loaded for the
 * same run, so the pool keeps its size without the scheduler asking. Scheduling lives in `forkJoin`.
 */
export class WorkerPool implements Pool {
  readonly size: number;
  /** The heap limit of each worker in bytes, as configured, or V8's default for this process. */
  readonly memoryLimit: number;
  /** True when the memory limit was set by the user (`--worker-memory`) rather than V8's default. */
  readonly memoryLimitSet: boolean;
  private workers: WorkerHandle[] = [];
  private setup?: RunSetup;
  private closed = false;
  private readonly options: WorkerOptions;
  private starting?: Promise<void>;
  private readonly replacements = new Set<Promise<void>>();
  private startFailures = 0;
  private brokenError?: Error;
  private readonly listeners = new Set<() => void>();

  constructor(size: number, options: WorkerOptions = {}) {
    if (!Number.isSafeInteger(size) || size < 1) throw new UsageError(`--workers must be a positive integer, got ${size}`);
    this.size = size;
    this.options = options;
    const mb = options.resourceLimits?.maxOldGenerationSizeMb;
    this.memoryLimitSet = mb !== undefined;
    this.memoryLimit = mb !== undefined ? mb * 2 ** 20 : v8.getHeapStatistics().heap_size_limit;
  }

  /** Starts the threads (idempotent); call early so thread start-up overlaps planning and bundling. */
  start(): Promise<void> {
    if (!this.starting) configureWorkerHeaps();
    this.starting ??= Promise.all(Array.from({ length: this.size }, (_, i) => WorkerHandle.start(i, this.options))).then((ws) => {
      if (this.closed) return void Promise.all(ws.map((w) => w.terminate()));
      this.workers = ws;
      for (const w of ws) this.watch(w);
    });
    return this.starting;
  }

  /** Loads the run's job into every live worker; workers that died meanwhile are replaced and loaded too. */
  async load(setup: RunSetup): Promise<void> {
    await this.start();
    this.setup = setup;
    this.brokenError = undefined;
    this.startFailures = 0;
    await this.replaced();
    // Threads terminated by a cancel were left for now; bring the pool back to strength.
    for (const w of this.workers) if (w.dead) this.spawnReplacement(w, { kind: 'terminated', code: 0, reason: 'terminated' });
    await this.replaced();
    await Promise.all(
      this.workers.map((w) =>
        w.dead || w.loadedRun === setup.runId
          ? undefined
          : w.load(setup).catch((e: unknown) => {
              // A worker that died while loading is being replaced; a job that does not load is the run's error.
              if (!(e instanceof WorkerError)) throw e;
            }),
      ),
    );
    await this.replaced();
    if (this.ready.length === 0) throw this.brokenError ?? new WorkerError('no worker could load the job');
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

  /** Workers with a task in flight. */
  get busy(): number {
    let n = 0;
    for (const w of this.workers) if (w.inFlight > 0) n++;
    return n;
  }

  /** Replacement workers still starting or loading. */
  get replacing(): number {
    return this.replacements.size;
  }

  /** Set when fresh workers keep failing to start or load: the pool cannot get back to strength. */
  get broken(): Error | undefined {
    return this.brokenError;
  }

  /** Calls `fn` whenever a replacement worker is ready or fails; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops every thread, including replacements still starting. */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    await this.replaced();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Resolves once no replacement is under way. */
  private async replaced(): Promise<void> {
    while (this.replacements.size > 0) await Promise.allSettled([...this.replacements]);
  }

  private watch(w: WorkerHandle): void {
    const onDeath = (info: ExitInfo) => {
      // A thread terminated on purpose (a cancel) is replaced by the next `load`, not now: the run is
      // ending, and starting a thread only to stop it would delay the exit.
      if (!this.closed && info.kind !== 'terminated') this.replace(w, info);
    };
    if (w.exit) onDeath(w.exit);
    else w.onDeath = onDeath;
  }

  private replace(old: WorkerHandle, info: ExitInfo): void {
    // Deaths caused by a task are bounded by the scheduler's attempts; a thread that stops with no task
    // in flight and none done (it could not even load the job) means fresh threads will not help.
    if (old.completed === 0 && old.lostTasks === 0) this.startFailures++;
    this.spawnReplacement(old, info);
  }

  private spawnReplacement(old: WorkerHandle, info: ExitInfo): void {
    if (this.startFailures > MAX_START_FAILURES) {
      this.brokenError ??= new WorkerError(
        `fresh workers keep stopping before they take a task (last: ${info.reason}); giving up on starting more`,
      );
      this.notify();
      return;
    }
    const job = (async () => {
      await untilGone(old);
      const fresh = await WorkerHandle.start(old.index, this.options);
      if (this.closed) return void (await fresh.terminate());
      const setup = this.setup;
      if (setup) await fresh.load(setup);
      // If the run changed while this one loaded, `load` brings it up to date.
      const at = this.workers.indexOf(old);
      if (at >= 0) this.workers[at] = fresh;
      else this.workers.push(fresh);
      this.watch(fresh);
      if (this.closed) await fresh.terminate();
    })().catch((e: unknown) => {
      this.startFailures++;
      const reason = e instanceof Error ? e.message : `the job does not load: ${(e as { message?: string }).message ?? String(e)}`;
      if (!this.closed) this.spawnReplacement(old, { kind: 'crash', code: 1, reason });
    });
    const tracked: Promise<void> = job.finally(() => {
      this.replacements.delete(tracked);
      this.notify();
    });
    this.replacements.add(tracked);
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }
}

/** How long a replacement waits for the thread it replaces to end (see `untilGone`). */
const GONE_WAIT_MS = 2000;

/**
 * Resolves when `old`'s thread has ended, or after GONE_WAIT_MS if it has not (a thread blocked in a
 * system call cannot be stopped; the pool must not wait on it for ever).
 *
 * Why wait at all: glibc's malloc gives each new thread an arena of its own, and hands the arena of a
 * thread that ended, with all the memory that thread freed (kept, not returned to the system), to the
 * next thread that starts. A replacement started while the old thread still runs (it stops at its next
 * interrupt check, after the handle gave up on it) gets a fresh arena instead, and the old arena's
 * memory stays in the process, unused, until some later thread happens to take it: six converts of a
 * 40,000-column CSV, each cancelled by the watchdog, took RSS from 0.7 to 12.4 GB that way
 * (bench/soak-wide-cancel.mjs). Started after the old thread ended, the replacement reuses that memory.
 */
async function untilGone(old: WorkerHandle): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, GONE_WAIT_MS)));
  await Promise.race([old.gone, late]);
  clearTimeout(timer);
}

/** The default number of workers: the cores Node may use. */
export function defaultWorkers(): number {
  return os.availableParallelism();
}

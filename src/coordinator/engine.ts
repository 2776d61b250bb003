import { UsageError } from '../errors.js';
import { WorkerPool, defaultWorkers } from '../executor/pool.js';
import { takePrestartedPool } from '../executor/prestart.js';
import { PoolRunner } from '../executor/runner.js';
import { loadJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type { Job } from '../job/types.js';
import { parseSize } from '../util/size.js';
import { runJob } from './pipeline.js';
import { solveRecursive } from './recursion.js';
import type { StepReport } from './report-types.js';
import type { EngineOptions, RunOptions, RunResult } from './run-options.js';
import { jobPath } from './run-steps.js';

/**
 * A set of worker threads that runs jobs. Keep one engine for many runs to pay thread start-up once.
 *
 * @example
 * const engine = new Engine({ workers: 4 });
 * const { table, report } = await engine.run('jobs/wordcount.ts', { input: 'corpus/' });
 * await engine.close();
 */
export class Engine {
  readonly workers: number;
  private readonly runner: PoolRunner;

  constructor(options: EngineOptions = {}) {
    this.workers = options.workers ?? defaultWorkers();
    if (!Number.isSafeInteger(this.workers) || this.workers < 1)
      throw new UsageError(`--workers must be a positive integer, got ${options.workers}`);
    const mem = options.workerMemory === undefined ? undefined : parseSize(options.workerMemory, '--worker-memory');
    const stall = options.stallTimeoutMs;
    if (stall !== undefined && !(stall > 0))
      throw new UsageError(`stallTimeoutMs must be a positive number of milliseconds (or Infinity), got ${stall}`);
    const pool =
      takePrestartedPool(this.workers, mem !== undefined || stall !== undefined) ??
      new WorkerPool(this.workers, {
        ...(mem ? { resourceLimits: { maxOldGenerationSizeMb: Math.max(16, Math.round(mem / 2 ** 20)) } } : {}),
        stallMs: stall,
      });
    this.runner = new PoolRunner(pool);
    // Start threads now so their start-up overlaps bundling and planning; errors surface at load().
    this.runner.start().catch(() => undefined);
  }

  /** Waits until every worker thread has started. */
  async ready(): Promise<void> {
    await this.runner.start();
  }

  /** Runs a job (a file path, a built-in job name, a file URL, or a job object from defineJob) over the input. */
  run(jobSpec: string | URL | Job, options: RunOptions): Promise<RunResult> {
    return runJob(this.runner, jobSpec, options);
  }

  /**
   * Runs a recursive job from `problem`: each problem is a task that divides it or conquers it, and
   * results are combined in this thread as they finish (see docs/fork-join.md).
   *
   * @example
   * const { result } = await engine.forkJoin('jobs/fib.ts', 30);
   */
  async forkJoin(
    jobSpec: string | URL | Job,
    problem: unknown,
    options: { params?: Record<string, unknown>; signal?: AbortSignal } = {},
  ): Promise<{ result: unknown; report: StepReport }> {
    const loaded = await loadJob(jobPath(jobSpec));
    if (loaded.job.kind !== 'recursive')
      throw new UsageError(
        `engine.forkJoin runs recursive jobs (with divide/conquer/combine); "${loaded.job.name}" is a ${loaded.job.kind} job: use ` +
          `engine.run`,
      );
    return solveRecursive(
      this.runner,
      loaded,
      resolveParams(loaded.job.name, loaded.job.params, options.params ?? {}),
      problem,
      options.signal,
    );
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.runner.close();
  }
}

/**
 * Runs a job once on fresh workers, then stops them.
 *
 * @example
 * const { table, report } = await run('jobs/wordcount.ts', { input: 'corpus/', workers: 4 });
 */
export async function run(job: string | URL | Job, options: RunOptions & EngineOptions): Promise<RunResult> {
  const engine = new Engine(options);
  try {
    return await engine.run(job, options);
  } finally {
    await engine.close();
  }
}

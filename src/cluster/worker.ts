import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { WorkerError } from '../errors.js';
import { serializeError } from '../worker/serialize-error.js';
import type { SerializedError } from '../worker/protocol.js';
import { TaskExecutor } from './execute.js';
import { connectionOptions, connectRedis, PREFIX, runKey, TASK_QUEUE, taskLockKey, workerKey } from './redis.js';
import { openStore } from './open-store.js';
import type { Store } from './store.js';
import { planFromBytes, stageKey, type ClusterTask, type StagePlan, type TaskFailure, type TaskResult } from './task.js';
import { QUIVER_VERSION } from './version.js';

/** Options of a `quiver worker` process. */
export interface ClusterWorkerOptions {
  /** Redis URL (`--cluster`). */
  cluster: string;
  /** Store URL (`--store`). */
  store: string;
  /** Worker threads, each running one task at a time. @default os.availableParallelism() */
  threads?: number;
  /** How long a task's lock lasts without renewal; a worker frozen longer loses its task. @default 30000 */
  lockDurationMs?: number;
  /** How often this worker looks for tasks whose lock expired (a dead or frozen worker's). @default lockDurationMs / 2 */
  stalledIntervalMs?: number;
  /** Where to write one line per task taken, finished or rejected. @default none */
  log?: (line: string) => void;
}

/** Sets a field of a run's hash only while the run exists (a late worker must not bring a finished run's key back). */
const IF_RUN = `if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[1] == 'incr' then return redis.call('HINCRBY', KEYS[1], ARGV[2], 1) end
  return redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
end
return -1`;

/**
 * A `quiver worker` process: takes tasks from the cluster's task queue (BullMQ, `concurrency` =
 * threads), runs each on one of its threads (TaskExecutor), and returns the output's store key, which
 * BullMQ commits into the stage's parent job only while this worker still holds the task's lock.
 *
 * - A task whose run was cancelled (or whose coordinator stopped renewing the run's lease) is stopped
 *   at its next batch; a task of a run that is gone is refused.
 * - Before returning, the worker checks it still holds the lock: one that froze (SIGSTOP, a long GC,
 *   a network partition) past the lock has had its task moved back to the queue and run elsewhere, so
 *   its result is dropped, its output deleted, and the rejection counted in the run.
 * - A user error fails the task for good (no retry: the same code on the same split throws again) and
 *   is written to the run's hash, where the coordinator picks it up at once.
 *
 * @example
 * const w = await ClusterWorker.start({ cluster: 'redis://10.0.0.1:6379', store: 'file:///mnt/q', threads: 8 });
 * await w.close();
 */
export class ClusterWorker {
  readonly id: string;
  private readonly active = new Map<string, { run: string; controller: AbortController; lockLost: boolean }>();
  private readonly plans = new Map<string, Promise<StagePlan>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private done = 0;
  /** Heartbeat period: often enough for status to be current, a few a second at most for short test locks. */
  private get beatMs(): number {
    return Math.max(200, Math.min(2000, this.options.lockDurationMs / 3));
  }
  private bull?: Worker;

  private constructor(
    private readonly options: Required<Omit<ClusterWorkerOptions, 'log'>> & Pick<ClusterWorkerOptions, 'log'>,
    private readonly redis: Redis,
    private readonly store: Store,
    private readonly executor: TaskExecutor,
  ) {
    this.id = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Connects (failing within seconds if Redis is unreachable), starts the threads and takes tasks. */
  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const lockDurationMs = options.lockDurationMs ?? 30_000;
    const full = {
      ...options,
      threads: options.threads ?? os.availableParallelism(),
      lockDurationMs,
      stalledIntervalMs: options.stalledIntervalMs ?? Math.max(100, Math.round(lockDurationMs / 2)),
    };
    const redis = await connectRedis(full.cluster, 'worker');
    const store = await openStore(full.store);
    const executor = new TaskExecutor(store, full.threads);
    await executor.start();
    const w = new ClusterWorker(full, redis, store, executor);
    await w.heartbeat();
    w.every(w.beatMs, () => w.heartbeat());
    w.every(250, () => w.checkRuns());
    w.bull = new Worker(TASK_QUEUE, (job, token) => w.process(job, token!), {
      connection: connectionOptions(full.cluster, 'worker') as ConnectionOptions,
      prefix: PREFIX,
      concurrency: full.threads,
      lockDuration: lockDurationMs,
      stalledInterval: full.stalledIntervalMs,
      // Attempts are counted by the task itself against the run's --max-attempts (see `process`).
      maxStalledCount: 1000,
    });
    w.bull.on('error', (e) => w.log(`redis: ${e.message}`));
    // A lock this worker could not renew is lost: stop the task now, its result would be rejected anyway.
    w.bull.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) {
        const a = w.active.get(id);
        if (a) {
          a.lockLost = true;
          a.controller.abort();
        }
      }
    });
    return w;
  }

  /**
   * Stops taking tasks, lets the running ones finish for up to `graceMs`, and stops the threads. Every
   * step that talks to Redis is bounded: with Redis gone, BullMQ's close and ioredis's commands wait
   * for a reconnect that never comes. Past the grace the running tasks are stopped (their locks lapse
   * and other workers run them again) and closing goes on without waiting for Redis.
   */
  async close(graceMs = 5000): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    const bull = this.bull?.close();
    // Without Redis no result could be committed: no grace then.
    if (bull && !(await settlesWithin(bull, this.redis.status === 'ready' ? graceMs : 0))) {
      for (const a of this.active.values()) a.controller.abort();
      await settlesWithin(this.bull!.close(true), 1000);
    }
    await this.executor.close();
    if (this.redis.status === 'ready') await settlesWithin(this.redis.del(workerKey(this.id)), 1000);
    this.redis.disconnect();
    await this.store.close();
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => void fn().catch((e: Error) => this.log(`redis: ${e.message}`)), ms);
    t.unref();
    this.timers.push(t);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Tells the cluster this worker is alive, for `quiver cluster status` and for the coordinator's worker count. */
  private async heartbeat(): Promise<void> {
    const key = workerKey(this.id);
    await this.redis
      .multi()
      .hset(key, {
        host: os.hostname(),
        pid: process.pid,
        threads: this.options.threads,
        version: QUIVER_VERSION,
        busy: this.executor.busy,
        done: this.done,
        store: this.store.url,
      })
      // Three missed beats and the worker counts as gone (SIGKILL leaves no time to say goodbye).
      .pexpire(key, 3 * this.beatMs)
      .exec();
  }

  /** Stops the tasks of runs that were cancelled or whose lease ran out. */
  private async checkRuns(): Promise<void> {
    const runs = [...new Set([...this.active.values()].map((a) => a.run))];
    if (runs.length === 0) return;
    const states = await Promise.all(runs.map((r) => this.redis.hget(runKey(r), 'state')));
    const stopped = new Set(runs.filter((_, i) => states[i] !== 'running'));
    for (const a of this.active.values()) if (stopped.has(a.run)) a.controller.abort();
  }

  private plan(task: ClusterTask): Promise<StagePlan> {
    const key = stageKey(task.run, task.stage);
    let p = this.plans.get(key);
    if (!p) {
      p = this.store.get(key).then(planFromBytes);
      p.catch(() => this.plans.delete(key));
      this.plans.set(key, p);
      // A worker serves many runs: keep the plans of the last few stages only.
      if (this.plans.size > 16) this.plans.delete(this.plans.keys().next().value!);
    }
    return p;
  }

  /** Records the run's error (the first one wins) for the coordinator. */
  private async fail(task: ClusterTask, error: SerializedError, describe: string): Promise<never> {
    const failure: TaskFailure = { error, describe, stage: task.stage, index: task.index };
    await this.redis.eval(IF_RUN, 1, runKey(task.run), 'set', 'error', JSON.stringify(failure)).catch(() => undefined);
    throw new UnrecoverableError(`${describe}: ${error.message}`);
  }

  private async process(job: Job, token: string): Promise<TaskResult> {
    const task = job.data as ClusterTask;
    const attempt = job.attemptsStarted;
    const [state, runStore] = await this.redis.hmget(runKey(task.run), 'state', 'store');
    if (state !== 'running') throw new UnrecoverableError(`run ${task.run} is over (finished, cancelled, or its coordinator stopped)`);
    if (runStore !== this.store.url) {
      const e = new WorkerError(
        `a worker uses --store ${this.store.url} and the run's coordinator --store ${runStore}; every machine of a cluster must use the ` +
          `same store`,
      );
      return this.fail(task, serializeError(e, 'worker'), `task ${task.index} of stage ${task.stage}`);
    }
    const plan = await this.plan(task);
    const describe = plan.describe[task.index] ?? `task ${task.index} of stage ${task.stage}`;
    if (attempt > plan.maxAttempts) {
      const e = new WorkerError(
        `${describe} was started ${attempt - 1} times and each time its worker died or froze (--max-attempts ${plan.maxAttempts}); if ` +
          `its split needs more memory than a worker has, lower --split-size`,
      );
      return this.fail(task, serializeError(e, 'worker'), describe);
    }
    this.log(`took ${describe} of run ${task.run} (attempt ${attempt})`);
    const controller = new AbortController();
    const entry = { run: task.run, controller, lockLost: false };
    this.active.set(job.id!, entry);
    let outcome: Awaited<ReturnType<typeof this.executor.run>>;
    try {
      outcome = await this.executor.run(task, plan, `a${attempt}-${this.id}`, controller.signal);
    } finally {
      this.active.delete(job.id!);
    }
    if (outcome.state === 'failed') return this.fail(task, outcome.error, describe);
    if (outcome.state === 'lost') {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        return this.fail(
          task,
          serializeError(new WorkerError(`a worker thread died running ${describe} (${outcome.reason}), ${attempt} times`), 'worker'),
          describe,
        );
      }
      throw new Error(`the thread running it died (${outcome.reason})`);
    }
    // Still ours? If the lock moved on, the task is queued again or done elsewhere: this result must not count.
    const held = (await this.redis.get(taskLockKey(job.id!))) === token;
    if (outcome.state === 'cancelled' && !entry.lockLost && held) throw new UnrecoverableError(`run ${task.run} was cancelled`);
    if (!held || entry.lockLost) {
      if (outcome.state === 'done') await this.store.delete(outcome.result.output).catch(() => undefined);
      await this.redis.eval(IF_RUN, 1, runKey(task.run), 'incr', 'rejected').catch(() => undefined);
      this.log(
        `rejected late result of ${describe} of run ${task.run} (attempt ${attempt}): its lock expired while this worker was stopped`,
      );
      throw new Error('this attempt lost its lock; another attempt runs the task');
    }
    if (outcome.state !== 'done') throw new UnrecoverableError(`run ${task.run} was cancelled`);
    this.done++;
    this.log(`done ${describe} of run ${task.run} (attempt ${attempt})`);
    return { ...outcome.result, worker: this.id, host: os.hostname(), attempt };
  }
}

/** Whether `p` settles (resolves or rejects) within `ms`; a rejection is not thrown. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

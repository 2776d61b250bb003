import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import { InternalError, UsageError } from '../errors.js';
import type { RunSetup } from '../executor/executor.js';
import type { TaskRunner } from '../executor/runner.js';
import type { ErrorFactory, OnResult, SchedulerOptions, TaskSpec } from '../executor/scheduler.js';
import type { ParamValue } from '../job/types.js';
import type { Task, TaskOutput } from '../worker/protocol.js';
import { publishBundle } from './bundles.js';
import { pairsFromBytes } from './output-bytes.js';
import { connectRedis, runKey } from './redis.js';
import { Stages } from './stage.js';
import { listWorkers } from './status.js';
import type { Store } from './store.js';
import { openStore } from './open-store.js';
import { runFolder, type PlannedTask, type StagePlan, type TaskResult } from './task.js';
import { QUIVER_VERSION } from './version.js';
import type { ClusterSummary } from './summary.js';

/** Where a cluster is, and how long a run's lease lasts. */
export interface ClusterRunnerOptions {
  /** Redis URL of the cluster (`--cluster`). */
  cluster: string;
  /** Store URL every worker reaches (`--store`). */
  store: string;
  /** How long the run's lease lasts without renewal; workers drop a run whose coordinator stopped after this. @default 30000 */
  leaseMs?: number;
}

/** What a loaded run needs in each of its stages. */
interface StageSetup {
  bundle: string;
  jobName?: string;
  params: Record<string, ParamValue>;
}

/**
 * The cluster as a `TaskRunner` of the coordinator's one pipeline: each `forkJoin` is one stage, a
 * BullMQ flow whose children are its tasks, taken by `quiver worker` processes on any machine. A
 * runner is one cluster run (one Redis hash with a lease, one store folder) from `start` to `close`,
 * whatever number of jobs and driver steps the pipeline runs on it.
 *
 * The shuffle goes through the store: a map task's output stays there and reaches the pipeline as a
 * reference (`stored`), which the pipeline hands to the reduce tasks it makes (`ReduceTask.stored`),
 * and each reducer reads its partition of those outputs where it runs. Fold partials and reducer
 * slices are read back here, since the pipeline merges them. Only committed attempts are read.
 *
 * @example
 * const runner = new ClusterRunner({ cluster: 'redis://10.0.0.1:6379', store: 'file:///mnt/q' });
 * await runner.start();
 * try { return await runJob(runner, 'wordcount', { input: '/mnt/q/corpus.txt' }); } finally { await runner.close(); }
 */
export class ClusterRunner implements TaskRunner {
  readonly holdsResults = false;
  readonly sharedMemory = false;
  /** The cluster run's id: its Redis hash and its store folder are named by it. */
  readonly run = randomBytes(6).toString('hex');
  private starting?: Promise<void>;
  private redis?: Redis;
  private store?: Store;
  private stages?: Stages;
  private lease?: NodeJS.Timeout;
  private threads = 0;
  private running = 0;
  private nextStage = 0;
  private readonly setups = new Map<number, StageSetup>();
  private readonly bundles = new Map<string, Promise<string>>();
  /** Worker processes in order of their first committed task: a task record's `worker`. */
  private readonly processes = new Map<string, number>();
  private readonly committed: TaskResult[] = [];
  /** Bytes this coordinator read from the store (fold partials, reducer slices). */
  private readBack = 0;

  constructor(private readonly options: ClusterRunnerOptions) {}

  /** Threads of the workers alive when the run started (known after `start`). */
  get workers(): number {
    return this.threads;
  }

  get busy(): number {
    return this.running;
  }

  /** Connects, counts the live workers' threads (none is an error) and opens the run with its lease. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const { cluster, store: storeUrl } = this.options;
    this.redis = await connectRedis(cluster, 'client');
    this.store = await openStore(storeUrl);
    const alive = await listWorkers(this.redis);
    this.threads = alive.reduce((n, w) => n + w.threads, 0);
    if (this.threads === 0) {
      throw new UsageError(
        `no quiver worker is connected to ${cluster}; start one on each machine: quiver worker --cluster ${cluster} --store ${storeUrl}`,
      );
    }
    const leaseMs = this.options.leaseMs ?? 30_000;
    const run = runKey(this.run);
    await this.redis
      .multi()
      .hset(run, { state: 'running', job: '', host: os.hostname(), pid: process.pid, started: Date.now(), store: this.store.url })
      .pexpire(run, leaseMs)
      .exec();
    const redis = this.redis;
    this.lease = setInterval(() => void redis.pexpire(run, leaseMs).catch(() => undefined), Math.max(100, leaseMs / 4));
    this.lease.unref();
    this.stages = new Stages(this.redis, cluster, this.store, this.run);
  }

  /** Puts the job's bundle in the store (once per job file) and keeps the run's params for its stages. */
  async load(setup: RunSetup): Promise<void> {
    await this.start();
    if (setup.table) {
      throw new UsageError(
        'a run on a cluster reads its input from files every worker reaches (a shared filesystem): pass `input`, not an in-memory `table`',
      );
    }
    if (!setup.jobFile) throw new InternalError('a cluster run was loaded without its job file');
    const shared = sharedParam(setup.params);
    if (shared) {
      throw new UsageError(
        `job "${setup.jobName ?? 'default'}" of ${setup.jobFile} gets memory shared by all workers in its parameter "${shared}" ` +
          `(q.shared), and the workers of a cluster are processes on other machines, which share none: run it without --cluster`,
      );
    }
    const file = setup.jobFile;
    let bundle = this.bundles.get(file);
    if (!bundle) {
      bundle = publishBundle(this.store!, file).then((b) => b.key);
      bundle.catch(() => this.bundles.delete(file));
      this.bundles.set(file, bundle);
    }
    await this.redis!.hset(runKey(this.run), 'job', setup.jobName ?? file);
    this.setups.set(setup.runId, { bundle: await bundle, jobName: setup.jobName, params: setup.params });
  }

  /**
   * Runs `specs` as one stage and hands each committed result to `onResult`, in index order once the
   * stage is done: a map task's output as a `stored` reference, a fold's partial and a reducer's slice
   * as read from the store. A committed attempt after the first counts as a retry.
   */
  async forkJoin(
    runId: number,
    specs: TaskSpec[],
    onResult: OnResult,
    toError: ErrorFactory,
    options: SchedulerOptions = {},
  ): Promise<void> {
    if (specs.length === 0) return;
    const setup = this.setups.get(runId);
    if (!setup) throw new InternalError(`run ${runId} was not loaded on the cluster`);
    const solve = specs.find((s) => s.task.kind === 'solve');
    if (solve) {
      throw new UsageError(
        `${solve.describe} is a task of a recursive job (q.forkJoin), whose sub-problems join the run as they are divided; a cluster ` +
          `runs stages of known tasks: run it without --cluster`,
      );
    }
    const plan = this.planOf(specs, setup, options.maxAttempts ?? 3);
    this.running = Math.min(this.threads, specs.length);
    let results: TaskResult[];
    try {
      results = await this.stages!.run(plan, options.signal, (f) =>
        toError(f.error, f.stage === plan.stage && specs[f.index] ? specs[f.index]! : { task: { kind: 'noop' }, describe: f.describe }),
      );
    } finally {
      this.running = 0;
    }
    const outputs = await Promise.all(results.map((r, i) => this.outputOf(specs[i]!.task, r)));
    results.forEach((r, i) => {
      this.committed.push(r);
      if (r.attempt > 1) options.onRetry?.(i, r.attempt, 'its worker died, froze or lost its lock');
      let worker = this.processes.get(r.worker);
      if (worker === undefined) this.processes.set(r.worker, (worker = this.processes.size));
      if (onResult(i, outputs[i]!, r.metrics, worker)) throw new InternalError('a cluster stage cannot take tasks that join it');
    });
  }

  /** Nothing to hand over: the cluster's tasks keep nothing between them (`holdsResults` is false). */
  async broadcast(): Promise<void> {}

  /** What the cluster did for this run so far, for the run report. */
  async summary(wallMs: number): Promise<ClusterSummary> {
    const rejected = Number((await this.redis?.hget(runKey(this.run), 'rejected').catch(() => null)) ?? 0);
    const byMachine: Record<string, number> = {};
    for (const r of this.committed) byMachine[r.host] = (byMachine[r.host] ?? 0) + (r.metrics.end - r.metrics.start) / wallMs;
    const written = this.committed.reduce((n, r) => n + r.stored, 0);
    return {
      machines: Object.keys(byMachine).length,
      processes: this.processes.size,
      threads: this.threads,
      coresBusyByMachine: byMachine,
      retried: this.committed.filter((r) => r.attempt > 1).length,
      rejected,
      storeWritten: written,
      storeRead: this.committed.reduce((n, r) => n + r.loaded, 0) + this.readBack,
    };
  }

  /**
   * Ends the run, whatever happened: marks it cancelled (workers stop its tasks within a quarter
   * second), removes its stages and hash from Redis and its folder from the store, and disconnects.
   */
  async close(): Promise<void> {
    if (this.lease) clearInterval(this.lease);
    await this.starting?.catch(() => undefined);
    const redis = this.redis;
    try {
      await redis?.hset(runKey(this.run), 'state', 'cancelled');
      await this.stages?.remove();
      await redis?.del(runKey(this.run));
    } catch {
      // Redis is gone: the run's lease expires by itself, and workers drop its tasks.
    } finally {
      await this.stages?.close();
    }
    await this.store?.deletePrefix(runFolder(this.run)).catch(() => undefined);
    await this.store?.close();
    redis?.disconnect();
  }

  /** The stage plan of a fork-join: its tasks, a reducer's map outputs as indices into one list. */
  private planOf(specs: TaskSpec[], setup: StageSetup, maxAttempts: number): StagePlan {
    const outputs: string[] = [];
    const at = new Map<string, number>();
    const indexOf = (key: string) => {
      let i = at.get(key);
      if (i === undefined) at.set(key, (i = outputs.push(key) - 1));
      return i;
    };
    const tasks = specs.map(({ task }): PlannedTask => {
      if (task.kind !== 'reduce') return task;
      if (task.parts.length > 0 || task.spilled?.length)
        throw new InternalError('a cluster reduce task got partitions held in this process');
      const { parts: _parts, stored, spilled: _spilled, ...rest } = task;
      return { ...rest, from: (stored ?? []).map(indexOf) };
    });
    return {
      run: this.run,
      stage: this.nextStage++,
      version: QUIVER_VERSION,
      bundle: setup.bundle,
      jobName: setup.jobName,
      params: setup.params,
      tasks,
      describe: specs.map((s) => s.describe),
      ...(outputs.length ? { outputs } : {}),
      maxAttempts,
    };
  }

  /** A committed result as the pipeline takes it. */
  private async outputOf(task: Task, r: TaskResult): Promise<TaskOutput> {
    if (task.kind === 'map') return { kind: 'stored', ref: r.output, counts: r.counts ?? [] };
    const bytes = await this.store!.get(r.output);
    this.readBack += bytes.byteLength;
    if (task.kind === 'fold') return { kind: 'fold', acc: bytes };
    if (task.kind === 'reduce') return { kind: 'reduce', pairs: pairsFromBytes(bytes) };
    throw new InternalError(`a cluster stage ran a ${task.kind} task`);
  }
}

/** The name of a parameter holding memory shared between threads (which cannot travel to other machines), if any. */
function sharedParam(params: Record<string, unknown>): string | undefined {
  const seen = new Set<unknown>();
  const holds = (v: unknown): boolean => {
    if (v instanceof SharedArrayBuffer) return true;
    if (ArrayBuffer.isView(v)) return v.buffer instanceof SharedArrayBuffer;
    if (v === null || typeof v !== 'object' || seen.has(v)) return false;
    seen.add(v);
    return Object.values(v).some(holds);
  };
  return Object.keys(params).find((k) => holds(params[k]));
}

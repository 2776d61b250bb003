import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Table } from 'apache-arrow';
import { cancelledErrorOf, UsageError } from '../errors.js';
import type { RunOptions } from '../coordinator/run-options.js';
import { formatReport, workerImbalance } from '../coordinator/report.js';
import type { RunReport, TaskRecord } from '../coordinator/report-types.js';
import { columnsOf, foldResult, jobPath, keyedResult, planRun, taskRecordOf, userCall } from '../coordinator/run-steps.js';
import type { SortedRun } from '../coordinator/merge-sorted.js';
import { TreeMerge } from '../coordinator/tree-merge.js';
import { loadJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import type { FoldJob, Job, KeyedJob } from '../job/types.js';
import { checkOutput, outputFormatOf, writeTableFile } from '../io/sinks.js';
import { decodePairs, deserializeValue } from '../worker/partials.js';
import { now } from '../util/clock.js';
import { publishBundle } from './bundles.js';
import { pairsFromBytes } from './output-bytes.js';
import { connectRedis, runKey } from './redis.js';
import { Stages } from './stage.js';
import { listWorkers } from './status.js';
import { openStore } from './open-store.js';
import { runFolder, type StagePlan, type TaskResult } from './task.js';
import { QUIVER_VERSION } from './version.js';

/** Options of a run on a cluster: a local run's, plus where the cluster is. */
export interface ClusterRunOptions extends RunOptions {
  /** Redis URL of the cluster (`--cluster`). */
  cluster: string;
  /** Store URL every worker reaches (`--store`). */
  store: string;
  /** How long the run's lease lasts without renewal; workers drop a run whose coordinator stopped after this. @default 30000 */
  leaseMs?: number;
}

/** What a cluster run adds to the run report. */
export interface ClusterSummary {
  /** Machines (host names) and worker processes that committed at least one task. */
  machines: number;
  processes: number;
  /** Threads of the workers alive when the run started. */
  threads: number;
  /** Task time ÷ wall time, per machine. */
  coresBusyByMachine: Record<string, number>;
  /** Committed tasks that were not their task's first attempt (a worker died, froze or failed). */
  retried: number;
  /** Late results refused because their worker had lost the task's lock. */
  rejected: number;
  /** Bytes the tasks wrote to the store, and read from it (map outputs read by reducers). */
  storeWritten: number;
  storeRead: number;
}

/** A cluster run's result: the table, the fold value, and the run report with its cluster part. */
export interface ClusterRunResult {
  table: Table;
  value?: unknown;
  report: RunReport & { cluster: ClusterSummary };
}

/**
 * Runs a job on a cluster of `quiver worker` processes through BullMQ flows on Redis: a map (or fold)
 * stage of one task per split, then, for keyed jobs, a reduce stage of one task per partition that
 * reads its partition of every committed map output from the store. Fold partials are merged here in
 * the fixed tree order of a local run, and keyed slices merged as locally, so the output is the same
 * bytes as a local run's. Whatever happens, the run's Redis keys and store folder are removed.
 *
 * @example
 * const { table } = await runOnCluster('wordcount', { input: '/mnt/shared/corpus.txt', cluster: 'redis://10.0.0.1:6379', store: 'file:///mnt/shared/quiver' });
 */
export async function runOnCluster(jobSpec: string | URL | Job, options: ClusterRunOptions): Promise<ClusterRunResult> {
  const t0 = now();
  const signal = options.signal;
  if (signal?.aborted) throw cancelledErrorOf(signal.reason);
  if (options.table)
    throw new UsageError(
      'a run on a cluster reads its input from files every worker reaches (a shared filesystem): pass `input`, not an in-memory `table`',
    );
  if (options.maxBadRecords !== undefined)
    throw new UsageError('--max-bad-records is not supported with --cluster yet; run without it, or locally');
  if (options.output) await checkOutput(options.output, options.overwrite ?? false);
  const outputFormat = options.output ? outputFormatOf(options.output, options.outputFormat) : undefined;
  const redis = await connectRedis(options.cluster, 'client');
  const store = await openStore(options.store);
  const run = randomBytes(6).toString('hex');
  let stages: Stages | undefined;
  let lease: NodeJS.Timeout | undefined;
  try {
    const workers = await listWorkers(redis);
    const threads = workers.reduce((n, w) => n + w.threads, 0);
    if (threads === 0) {
      throw new UsageError(
        `no quiver worker is connected to ${options.cluster}; start one on each machine: quiver worker --cluster ${options.cluster} --store ${options.store}`,
      );
    }
    const tBundle = now();
    const loaded = await loadJob(jobPath(jobSpec));
    const job = loaded.job;
    if (job.kind === 'driver' || job.kind === 'recursive') {
      throw new UsageError(
        `job "${job.name}" is a ${job.kind} job; --cluster runs keyed (map/reduce) and fold jobs so far: run it without --cluster`,
      );
    }
    const bundle = await publishBundle(store, loaded.file);
    const bundleMs = now() - tBundle;
    const tPlan = now();
    const { plan } = await planRun(options, threads);
    const planMs = now() - tPlan;
    const params = resolveParams(job.name, job.params, options.params ?? {});
    const columns = columnsOf(job, params, options.columns);
    const leaseMs = options.leaseMs ?? 30_000;
    await redis
      .multi()
      .hset(runKey(run), { state: 'running', job: job.name, host: os.hostname(), pid: process.pid, started: Date.now(), store: store.url })
      .pexpire(runKey(run), leaseMs)
      .exec();
    lease = setInterval(() => void redis.pexpire(runKey(run), leaseMs).catch(() => undefined), Math.max(100, leaseMs / 4));
    lease.unref();
    stages = new Stages(redis, options.cluster, store, run, loaded.file);

    const base = {
      run,
      version: QUIVER_VERSION,
      bundle: bundle.key,
      params,
      reducers: plan.reducers,
      maxAttempts: options.maxAttempts ?? 3,
    };
    const records: TaskRecord[] = [];
    const committed: TaskResult[] = [];
    const take = (kind: TaskRecord['kind'], results: TaskResult[], index = (i: number) => i) => {
      results.forEach((r, i) => {
        committed.push(r);
        records.push(taskRecordOf(kind, index(i), 0, r.metrics, t0));
      });
    };
    const tMap = now();
    const phases = { setup: tMap - t0, map: 0, shuffle: 0, reduce: 0, merge: 0, write: 0 };
    const of = plan.splits.length;
    const mapPlan: StagePlan = {
      ...base,
      stage: 0,
      kind: job.kind === 'fold' ? 'fold' : 'map',
      splits: plan.splits,
      batchRows: plan.batchRows,
      columns,
    };
    const mapped = await stages.run(mapPlan, of, signal);
    take(mapPlan.kind as 'map' | 'fold', mapped);
    phases.map = now() - tMap;
    let table: Table;
    let value: unknown;
    let reduceTasks = 0;
    const tMerge = now();
    if (job.kind === 'fold') {
      const fold = job as FoldJob;
      const tree = new TreeMerge<unknown>(of, (a, b) => fold.merge(a, b));
      const partials = await Promise.all(mapped.map((r) => store.get(r.output)));
      partials.forEach((bytes, i) => {
        userCall(loaded.file, 'merge', () => tree.add(i, deserializeValue(bytes)));
      });
      committed.forEach((r, i) => {
        r.loaded += i < partials.length ? partials[i]!.byteLength : 0;
      });
      ({ value, table } = foldResult(fold, tree.result, params, of, loaded.file));
      phases.merge = now() - tMerge;
    } else {
      const tReduce = now();
      const partitions = Array.from({ length: plan.reducers }, (_, r) => r);
      const reducePlan: StagePlan = { ...base, stage: 1, kind: 'reduce', mapOutputs: mapped.map((r) => r.output), partitions };
      const reduced = await stages.run(reducePlan, partitions.length, signal);
      take('reduce', reduced, (i) => partitions[i]!);
      reduceTasks = partitions.length;
      phases.reduce = now() - tReduce;
      const t = now();
      const slices = await Promise.all(reduced.map((r) => store.get(r.output)));
      const runs = slices.map((b) => decodePairs(pairsFromBytes(b)) as SortedRun);
      table = keyedResult(job as KeyedJob, params, runs);
      phases.merge = now() - t;
    }
    if (options.output && outputFormat) {
      if (signal?.aborted) throw cancelledErrorOf(signal.reason);
      const tWrite = now();
      await writeTableFile(table, options.output, outputFormat, signal);
      phases.write = now() - tWrite;
    }
    const rejected = Number((await redis.hget(runKey(run), 'rejected')) ?? 0);
    const report = reportOf(
      job,
      loaded.file,
      plan,
      table,
      options.output,
      t0,
      phases,
      { planMs, bundleMs, workersMs: 0 },
      records,
      committed,
      threads,
      reduceTasks,
      rejected,
    );
    return { table, value, report };
  } finally {
    if (lease) clearInterval(lease);
    await cleanUp(redis, run, stages);
    await store.deletePrefix(runFolder(run)).catch(() => undefined);
    await store.close();
    redis.disconnect();
  }
}

/** Stops the run's tasks everywhere and removes its keys: workers see `cancelled` within a quarter second. */
async function cleanUp(redis: Awaited<ReturnType<typeof connectRedis>>, run: string, stages: Stages | undefined): Promise<void> {
  try {
    await redis.hset(runKey(run), 'state', 'cancelled');
    await stages?.remove();
    await redis.del(runKey(run));
  } catch {
    // Redis is gone: the run's lease expires by itself, and workers drop its tasks.
  } finally {
    await stages?.close();
  }
}

function reportOf(
  job: Job,
  jobFile: string,
  plan: Awaited<ReturnType<typeof planRun>>['plan'],
  table: Table,
  output: string | undefined,
  t0: number,
  phases: RunReport['phases'],
  setupDetail: RunReport['setupDetail'],
  records: TaskRecord[],
  committed: TaskResult[],
  threads: number,
  reduceTasks: number,
  rejected: number,
): RunReport & { cluster: ClusterSummary } {
  const wallMs = now() - t0;
  const busyMs = records.reduce((n, r) => n + (r.end - r.start), 0);
  const mapRecords = records.filter((r) => r.kind !== 'reduce');
  const counters: Record<string, number> = {};
  for (const r of committed) for (const [k, v] of Object.entries(r.metrics.counters)) counters[k] = (counters[k] ?? 0) + v;
  const byMachine: Record<string, number> = {};
  for (const r of committed) byMachine[r.host] = (byMachine[r.host] ?? 0) + (r.metrics.end - r.metrics.start) / wallMs;
  // Task records name their worker process by its order of first appearance, for the imbalance measure.
  const processes = [...new Set(committed.map((r) => r.worker))];
  records.forEach((rec, i) => {
    rec.worker = processes.indexOf(committed[i]!.worker);
  });
  return {
    job: job.name,
    jobFile,
    kind: job.kind as 'keyed' | 'fold',
    workers: threads,
    reducers: job.kind === 'keyed' ? plan.reducers : 0,
    cores: os.availableParallelism(),
    input: {
      files: plan.files.length,
      bytes: plan.totalBytes,
      rows: plan.totalRows ?? mapRecords.reduce((n, r) => n + r.rowsIn, 0),
      splits: plan.splits.length,
    },
    output: { rows: table.numRows, path: output },
    wallMs,
    phases,
    setupDetail,
    busyMs,
    coresBusy: wallMs > 0 ? busyMs / wallMs : 0,
    mapCoresBusy: phases.map > 0 ? mapRecords.reduce((n, r) => n + (r.end - r.start), 0) / phases.map : 0,
    imbalance: workerImbalance(mapRecords, processes.length),
    bytesMoved: committed.reduce((n, r) => n + r.stored + r.loaded, 0),
    spilledBytes: 0,
    tasks: { map: plan.splits.length, reduce: reduceTasks, retried: committed.filter((r) => r.attempt > 1).length },
    counters,
    taskRecords: records.sort((a, b) => a.start - b.start),
    cluster: {
      machines: Object.keys(byMachine).length,
      processes: processes.length,
      threads,
      coresBusyByMachine: byMachine,
      retried: committed.filter((r) => r.attempt > 1).length,
      rejected,
      storeWritten: committed.reduce((n, r) => n + r.stored, 0),
      storeRead: committed.reduce((n, r) => n + r.loaded, 0),
    },
  };
}

/** The run report of a cluster run as text: the local report's lines, then the cluster's. */
export function formatClusterReport(r: ClusterRunResult['report']): string {
  const c = r.cluster;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  const busy = Object.entries(c.coresBusyByMachine)
    .map(([h, v]) => `${h} ${v.toFixed(1)}`)
    .join(', ');
  return [
    formatReport(r),
    `  cluster: ${c.machines} machine${c.machines === 1 ? '' : 's'}, ${c.processes} worker process${c.processes === 1 ? '' : 'es'}, ${c.threads} threads; cores busy per machine: ${busy}`,
    `  attempts: ${c.retried} task${c.retried === 1 ? '' : 's'} retried, ${c.rejected} late result${c.rejected === 1 ? '' : 's'} rejected; store: ${mb(c.storeWritten)} written, ${mb(c.storeRead)} read`,
  ].join('\n');
}

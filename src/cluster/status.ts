import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, PREFIX, TASK_QUEUE } from './redis.js';

/** A `quiver worker` process that renewed its heartbeat within the last few seconds. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  threads: number;
  version: string;
  /** Threads running a task now. */
  busy: number;
  /** Tasks it has completed since it started. */
  done: number;
}

/** A run that is going on (its coordinator renews its lease). */
export interface RunInfo {
  id: string;
  job: string;
  host: string;
  pid: number;
  started: number;
  state: string;
}

/** What `quiver cluster status` shows. */
export interface ClusterStatus {
  workers: WorkerInfo[];
  tasks: { waiting: number; active: number; delayed: number };
  runs: RunInfo[];
}

/** Every hash under a key pattern, with the part of the key after its last `:` as id. */
async function hashes(redis: Redis, pattern: string): Promise<Array<Record<string, string> & { id: string }>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const values = await Promise.all(keys.map((k) => redis.hgetall(k)));
  return values.map((v, i) => ({ ...v, id: keys[i]!.slice(keys[i]!.lastIndexOf(':') + 1) })).filter((v) => Object.keys(v).length > 1);
}

/** The live workers of a cluster. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  return (await hashes(redis, `${PREFIX}:worker:*`)).map((h) => ({
    id: h.id,
    host: h.host ?? '?',
    pid: Number(h.pid),
    threads: Number(h.threads),
    version: h.version ?? '?',
    busy: Number(h.busy ?? 0),
    done: Number(h.done ?? 0),
  }));
}

/**
 * The cluster's workers, tasks and runs, read from Redis.
 *
 * @example
 * const s = await clusterStatus('redis://10.0.0.1:6379');
 * console.log(s.workers.length, s.tasks.waiting);
 */
export async function clusterStatus(url: string): Promise<ClusterStatus> {
  const redis = await connectRedis(url, 'client');
  const queue = new Queue(TASK_QUEUE, { connection: redis as unknown as ConnectionOptions, prefix: PREFIX });
  queue.on('error', () => undefined);
  try {
    const [workers, counts, runs] = await Promise.all([
      listWorkers(redis),
      queue.getJobCounts('waiting', 'active', 'delayed'),
      hashes(redis, `${PREFIX}:run:*`),
    ]);
    return {
      workers: workers.sort((a, b) => (a.host === b.host ? a.pid - b.pid : a.host < b.host ? -1 : 1)),
      tasks: { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 },
      runs: runs.map((h) => ({
        id: h.id,
        job: h.job ?? '?',
        host: h.host ?? '?',
        pid: Number(h.pid),
        started: Number(h.started),
        state: h.state ?? '?',
      })),
    };
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startWorkers, stopWorkers, type WorkerProcess } from './cluster-workers.js';
import { startRedis, type LocalRedis } from './redis.js';
import { tempDir } from './tmp.js';

/**
 * A cluster on this machine for one test file: a redis-server on a unix socket, `quiver worker`
 * processes of one thread each and a file:// store in the file's temp folder. `redis` and `workers` are
 * set once the file's `beforeAll` has run; `args()` gives the CLI options that send a run to it.
 */
export interface LocalCluster {
  readonly dir: string;
  readonly storeDir: string;
  /** The store URL: file:// in `storeDir`, or what `options.store` gave (set once `beforeAll` has run). */
  store: string;
  redis: LocalRedis;
  workers: WorkerProcess[];
  args(): string[];
  /** Stops the workers and starts `n` new ones whose task locks last `lockMs` (a test that kills one wants a short lock). */
  restartWorkers(n: number, lockMs: number): Promise<void>;
}

/**
 * Registers the cluster's start (`beforeAll`, after `setUp` if given, e.g. writing the test's input or
 * starting an S3 server) and its stop (`afterAll`, before `tearDown`). `store`, called after `setUp`,
 * gives a store other than the temp folder (an s3:// bucket). Tests that never freeze a worker use long
 * locks: on a loaded machine a 1 s lock can lapse under a busy worker.
 */
export function useLocalCluster(
  prefix: string,
  options: { workers: number; lockMs?: number; setUp?: () => Promise<void>; tearDown?: () => Promise<void>; store?: () => string },
): LocalCluster {
  const dir = tempDir(prefix);
  const storeDir = path.join(dir, 'store');
  const cluster: LocalCluster = {
    dir,
    storeDir,
    store: pathToFileURL(storeDir).href,
    redis: undefined as unknown as LocalRedis,
    workers: [],
    args: () => ['--cluster', cluster.redis.url, '--store', cluster.store],
    async restartWorkers(n, lockMs) {
      await stopWorkers(cluster.workers);
      cluster.workers = await startWorkers(n, cluster.redis.url, cluster.store, lockMs);
    },
  };
  beforeAll(async () => {
    await options.setUp?.();
    if (options.store) cluster.store = options.store();
    cluster.redis = await startRedis();
    cluster.workers = await startWorkers(options.workers, cluster.redis.url, cluster.store, options.lockMs);
  }, 60_000);
  afterAll(async () => {
    await stopWorkers(cluster.workers);
    await cluster.redis?.stop();
    await options.tearDown?.();
  });
  return cluster;
}

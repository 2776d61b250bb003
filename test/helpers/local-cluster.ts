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
  readonly store: string;
  redis: LocalRedis;
  workers: WorkerProcess[];
  args(): string[];
  /** Stops the workers and starts `n` new ones whose task locks last `lockMs` (a test that kills one wants a short lock). */
  restartWorkers(n: number, lockMs: number): Promise<void>;
}

/**
 * Registers the cluster's start (`beforeAll`, after `setUp` if given, e.g. writing the test's input) and
 * its stop (`afterAll`). Tests that never freeze a worker use long locks: on a loaded machine a 1 s lock
 * can lapse under a busy worker.
 */
export function useLocalCluster(prefix: string, options: { workers: number; lockMs?: number; setUp?: () => Promise<void> }): LocalCluster {
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
    cluster.redis = await startRedis();
    cluster.workers = await startWorkers(options.workers, cluster.redis.url, cluster.store, options.lockMs);
  }, 60_000);
  afterAll(async () => {
    await stopWorkers(cluster.workers);
    await cluster.redis?.stop();
  });
  return cluster;
}

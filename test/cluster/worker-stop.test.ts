import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type LocalRedis } from '../helpers/redis.js';
import { startWorkers, stopWorkers, type WorkerProcess } from '../helpers/cluster-workers.js';
import { tempDir } from '../helpers/tmp.js';

// `quiver worker` told to stop (SIGTERM) always stops within a few seconds, whether its Redis is up
// (it closes cleanly, removing its heartbeat) or gone (BullMQ and ioredis would wait for a reconnect
// forever; the worker closes what it can without them and exits).
const dir = tempDir('quiver-worker-stop-');
const store = pathToFileURL(path.join(dir, 'store')).href;
let redis: LocalRedis | undefined;
let workers: WorkerProcess[] = [];

afterEach(async () => {
  await stopWorkers(workers);
  await redis?.stop();
  redis = undefined;
});

/** The exit code of `w`, or 'still running' if it has not exited within `ms`. */
const exitWithin = (w: WorkerProcess, ms: number) =>
  Promise.race([w.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms))]);

describe('quiver worker on SIGTERM', () => {
  // Sent as soon as the worker says it takes tasks: its listener must already be there (it once came
  // just after that line, and a signal in between killed the process without closing).
  it('with Redis up: exits 0 and removes its heartbeat', async () => {
    redis = await startRedis();
    workers = await startWorkers(1, redis.url, store, 10_000);
    const [w] = workers as [WorkerProcess];
    expect((await redis.client.keys('quiver:worker:*')).length).toBe(1);
    process.kill(w.pid, 'SIGTERM');
    expect(await exitWithin(w, 10_000), w.lines.join('\n')).toBe(0);
    expect(await redis.client.keys('quiver:worker:*')).toEqual([]);
  }, 30_000);

  it('with Redis gone: still exits within a few seconds', async () => {
    redis = await startRedis();
    workers = await startWorkers(1, redis.url, store, 10_000);
    const [w] = workers as [WorkerProcess];
    await redis.stop();
    redis = undefined;
    process.kill(w.pid, 'SIGTERM');
    // A number: the worker exited itself (null would be a death by the signal, without closing anything).
    const code = await exitWithin(w, 12_000);
    expect(typeof code, `exit: ${code}\n${w.lines.join('\n')}`).toBe('number');
    expect(w.lines).toContain('quiver worker: stopping');
  }, 30_000);
});

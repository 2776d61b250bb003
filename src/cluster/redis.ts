import { Redis, type RedisOptions } from 'ioredis';
import { UsageError, WorkerError } from '../errors.js';

/**
 * Connecting to the cluster's Redis, and the names of what quiver keeps there. ioredis retries a lost
 * connection forever by default and queues commands meanwhile, so a wrong `--cluster` URL would hang
 * a run; here every connection is bounded: the first contact must answer within seconds, and the
 * coordinator and `quiver cluster status` give up after a few reconnection attempts. Only `quiver
 * worker`, a long-lived process, keeps reconnecting (BullMQ requires it of its blocking connection).
 */

/** BullMQ's key prefix for quiver's queues: `quiver:tasks:*`, `quiver:stages:*`. */
export const PREFIX = 'quiver';
/** The queue every worker takes tasks from. */
export const TASK_QUEUE = 'tasks';
/** The queue holding each stage's parent job; no worker takes from it: the coordinator watches it. */
export const STAGE_QUEUE = 'stages';

/** The hash describing a run while it lasts (with a lease the coordinator renews). */
export const runKey = (run: string): string => `${PREFIX}:run:${run}`;
/** The hash a worker process keeps alive while it runs (with a TTL it renews). */
export const workerKey = (id: string): string => `${PREFIX}:worker:${id}`;
/** BullMQ's lock of a job of the task queue: held by the worker running it, with its token. */
export const taskLockKey = (jobId: string): string => `${PREFIX}:${TASK_QUEUE}:${jobId}:lock`;

/** How long a first contact with Redis may take before the URL is reported unreachable. */
const CONNECT_MS = 3000;

/**
 * ioredis options for a `--cluster` URL: `redis://[user:password@]host:port[/db]`, `rediss://` (TLS),
 * or `unix:///path/to/redis.sock[?db=n]`.
 */
export function redisOptionsOf(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new UsageError(`--cluster ${url} is not a URL; write redis://host:6379 (or rediss://, unix:///path/redis.sock)`, { cause: e });
  }
  const auth = {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
  if (u.protocol === 'unix:') return { path: u.pathname, db: Number(u.searchParams.get('db') ?? 0), ...auth };
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new UsageError(`--cluster must be a redis://, rediss:// or unix:// URL, got "${url}"`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`--cluster ${url}: the database number after the port must be an integer`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...auth,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Who holds a connection: a short-lived client gives up on a lost Redis, a worker keeps trying. */
export type ConnectionRole = 'client' | 'worker';

/** Connection options for a role: bounded retries for clients, BullMQ's required `null` for workers. */
export function connectionOptions(url: string, role: ConnectionRole): RedisOptions {
  return {
    ...redisOptionsOf(url),
    connectTimeout: CONNECT_MS,
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    // A client stops after ~5 s of failed reconnections, so its pending commands fail instead of waiting forever.
    retryStrategy: (times) => (role === 'client' && times > 5 ? null : Math.min(times * 200, 2000)),
  };
}

/**
 * Connects and checks that Redis answers (and is new enough for BullMQ), or throws an error naming
 * the URL within seconds.
 *
 * @example
 * const redis = await connectRedis('redis://127.0.0.1:6379', 'client');
 */
export async function connectRedis(url: string, role: ConnectionRole): Promise<Redis> {
  const redis = new Redis({ ...connectionOptions(url, role), retryStrategy: () => null });
  // Errors also reach the awaited calls below; this keeps ioredis from printing them as unhandled.
  redis.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_MS / 1000} s`)), CONNECT_MS);
    });
    await Promise.race([redis.connect(), deadline]);
    const info = await Promise.race([redis.info('server'), deadline]);
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version && (Number(version[1]) < 6 || (Number(version[1]) === 6 && Number(version[2]) < 2))) {
      throw new UsageError(`Redis at ${url} is version ${version[1]}.${version[2]}; quiver's queues (BullMQ) need Redis 6.2 or newer`);
    }
  } catch (e) {
    redis.disconnect();
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `cannot reach Redis at ${url}: ${(e as Error).message}. Check --cluster, and that redis-server runs there and accepts connections ` +
        `from this machine`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
  }
  // Connected: from now on, reconnect as the role says.
  redis.options.retryStrategy = connectionOptions(url, role).retryStrategy;
  return redis;
}

/** The error a run gets when Redis goes away under it. */
export function redisLostError(url: string, cause: unknown): WorkerError {
  return new WorkerError(
    `lost the connection to Redis at ${url} (${(cause as Error).message ?? String(cause)}); the run stops. Check that redis-server is up`,
    { cause },
  );
}

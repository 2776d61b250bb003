import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { programPath } from './programs.js';

/** A redis-server the test started, on a unix socket in its own temp folder. */
export interface LocalRedis {
  /** `unix:///…/redis.sock`, the form `--cluster` takes. */
  url: string;
  socket: string;
  pid: number;
  /** A client for the test's own checks. */
  client: Redis;
  /** Stops the server by its pid and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a redis-server with no TCP port, no persistence, on a unix socket in a temp folder, and waits
 * until it answers.
 */
export async function startRedis(): Promise<LocalRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-redis-'));
  const socket = path.join(dir, 'redis.sock');
  const child: ChildProcess = spawn(
    programPath('Redis'),
    ['--port', '0', '--save', '', '--appendonly', 'no', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir],
    { stdio: 'ignore' },
  );
  const client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (e) {
      if (Date.now() > until || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on ${socket}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `unix://${socket}`,
    socket,
    pid: child.pid!,
    client,
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Nothing of a cluster's finished runs is left: no run hash, no stage or task job in Redis, no run folder in the store. */
export async function expectClusterClean(redis: LocalRedis, storeDir: string): Promise<void> {
  const keys = await redis.client.keys('quiver:*');
  expect(keys.filter((k) => /^quiver:run:|^quiver:(tasks|stages):[0-9a-f]{12}-s/.test(k))).toEqual([]);
  const runs = path.join(storeDir, 'runs');
  expect(existsSync(runs) ? readdirSync(runs, { recursive: true }) : []).toEqual([]);
}

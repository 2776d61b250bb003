import { threadId } from 'node:worker_threads';
import { defineJob } from 'quiver-engine';

/**
 * Reports each worker thread's own memory (its V8 heap after a full GC when --expose-gc is on, and its
 * external and ArrayBuffer memory), once per task: for bench/soak-corrupt.mjs, whose RSS covers the
 * coordinator and every worker thread at once.
 */
type Probe = Record<number, { heapUsed: number; external: number; arrayBuffers: number }>;

export default defineJob({
  name: 'heap-probe',
  identity: (): Probe => ({}),
  fold(acc: Probe) {
    (globalThis as { gc?: () => void }).gc?.();
    const { heapUsed, external, arrayBuffers } = process.memoryUsage();
    acc[threadId] = { heapUsed, external, arrayBuffers };
    return acc;
  },
  merge: (a: Probe, b: Probe): Probe => ({ ...a, ...b }),
});

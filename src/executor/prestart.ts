import { WorkerPool } from './pool.js';

/**
 * A pool started before the rest of the program is even imported. `quiver run` starts its workers
 * first thing, so their start-up (each imports Arrow and the engine's worker code) overlaps the main
 * thread's own imports; the engine then adopts the pool instead of starting another.
 */
let early: WorkerPool | undefined;

/** Starts `size` workers with default options, to be taken by the next engine of that size. */
export function prestartPool(size: number): void {
  if (early) return;
  early = new WorkerPool(size);
  early.start().catch(() => undefined);
}

/** The prestarted pool if it fits (same size, default options); a pool that does not fit is closed. */
export function takePrestartedPool(size: number, hasOptions: boolean): WorkerPool | undefined {
  const pool = early;
  early = undefined;
  if (!pool) return undefined;
  if (pool.size === size && !hasOptions) return pool;
  void pool.close();
  return undefined;
}

/** Closes a prestarted pool nobody took (the command failed before running), so the process can exit. */
export async function releasePrestartedPool(): Promise<void> {
  const pool = early;
  early = undefined;
  await pool?.close();
}

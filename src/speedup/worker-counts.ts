import os from 'node:os';
import { UsageError } from '../errors.js';

/**
 * The default worker counts of a sweep: 1, 2, 4, … up to the core count, plus the core count itself.
 *
 * @example
 * defaultWorkerCounts(6) // [1, 2, 4, 6]
 */
export function defaultWorkerCounts(cores = os.availableParallelism()): number[] {
  const counts: number[] = [];
  for (let p = 1; p <= cores; p *= 2) counts.push(p);
  if (counts.at(-1) !== cores) counts.push(cores);
  return counts;
}

/** Sorts and de-duplicates worker counts, and adds 1 (speedup is measured against T(1)); says when it did. */
export function normalizeWorkerCounts(counts: readonly number[]): { counts: number[]; addedOne: boolean } {
  for (const p of counts) {
    if (!Number.isSafeInteger(p) || p < 1) throw new UsageError(`--workers must be positive integers such as 1,2,4, got ${p}`);
  }
  const set = new Set(counts);
  const addedOne = !set.has(1);
  set.add(1);
  return { counts: [...set].sort((a, b) => a - b), addedOne };
}

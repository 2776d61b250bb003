import { workerImbalance } from '../coordinator/report.js';
import type { TaskRecord } from '../coordinator/report-types.js';

/** How evenly the map (or fold) tasks kept the workers busy. */
export interface LoadBalance {
  /** The busiest worker's map-task time ÷ the mean over the workers (1 is perfect). */
  imbalance: number;
  /** How long the first worker to run out of map tasks waited for the slowest one to finish. */
  waitForSlowestMs: number;
  /** Worker time in the map phase not spent in a task, summed over workers (start-up gaps, dispatch, the tail). */
  idleMs: number;
}

/**
 * Load balance of the map phase of a run on `workers` workers. `mapStart` and `mapEnd` bound the map
 * phase (ms from the run's start, like the records).
 */
export function loadBalanceOf(records: readonly TaskRecord[], workers: number, mapStart: number, mapEnd: number): LoadBalance {
  const maps = records.filter((r) => r.kind !== 'reduce');
  if (maps.length === 0) return { imbalance: 1, waitForSlowestMs: 0, idleMs: 0 };
  const lastEnd = new Array<number>(workers).fill(mapStart);
  let busy = 0;
  for (const r of maps) {
    if (r.worker < workers) lastEnd[r.worker] = Math.max(lastEnd[r.worker]!, r.end);
    busy += r.end - r.start;
  }
  const slowest = Math.max(...lastEnd);
  return {
    imbalance: workerImbalance(maps, workers),
    waitForSlowestMs: slowest - Math.min(...lastEnd),
    idleMs: Math.max(0, workers * (mapEnd - mapStart) - busy),
  };
}

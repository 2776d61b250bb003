import type { PhaseTimes, TaskRecord } from '../coordinator/report-types.js';

/**
 * Where a run's wall time went, as consecutive segments that add up to it. The map phase is divided
 * into reading + decoding input and running map (with its map-side combine) in the proportion the map
 * tasks spent on each; the reduce phase holds the reduce-side combine and `reduce`.
 */
export interface PhaseBreakdown {
  /** Bundling the job, planning, starting workers (overlapped). */
  setup: number;
  /** Reading and decoding input splits (a share of the map phase). */
  read: number;
  /** `map` or `fold` with the map-side combiner (the rest of the map phase). */
  map: number;
  shuffle: number;
  reduce: number;
  merge: number;
  write: number;
}

/** The phases in the order they run; charts and tables use it. */
export const PHASES = ['setup', 'read', 'map', 'shuffle', 'reduce', 'merge', 'write'] as const;

/** Labels of the phases for people. */
export const PHASE_LABELS: Record<keyof PhaseBreakdown, string> = {
  setup: 'setup',
  read: 'read+decode',
  map: 'map+combine',
  shuffle: 'shuffle',
  reduce: 'reduce',
  merge: 'merge',
  write: 'write',
};

/** Splits a run's phase times into the breakdown, using its task records for the read share of the map phase. */
export function phaseBreakdown(phases: PhaseTimes, records: readonly TaskRecord[]): PhaseBreakdown {
  let readMs = 0;
  let taskMs = 0;
  for (const r of records) {
    if (r.kind === 'reduce') continue;
    readMs += r.readMs;
    taskMs += r.end - r.start;
  }
  const readShare = taskMs > 0 ? Math.min(1, readMs / taskMs) : 0;
  return {
    setup: phases.setup,
    read: phases.map * readShare,
    map: phases.map * (1 - readShare),
    shuffle: phases.shuffle,
    reduce: phases.reduce,
    merge: phases.merge,
    write: phases.write,
  };
}

/** Sum of the phase segments. */
export function phaseSum(b: PhaseBreakdown): number {
  return PHASES.reduce((n, k) => n + b[k], 0);
}

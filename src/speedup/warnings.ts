import type { PointResult, SettingResult } from './report.js';
import type { Sweep } from './sweep.js';

/** Below this share of their time on a CPU, tasks were waiting for one: the machine was busy. */
const MIN_CPU_SHARE = 0.8;
/** Above this relative spread of repeats, a median is shaky. */
const MAX_SPREAD = 0.2;

/**
 * What makes the measurements less trustworthy: oversubscription, other load on the machine (a load
 * average before the sweep; tasks that got less CPU time than their wall time), noisy repeats.
 */
export function sweepWarnings(sweep: Sweep, points: PointResult[], sequential: SettingResult | undefined): string[] {
  const out: string[] = [];
  const cores = sweep.cores;
  if (sweep.addedOne) out.push('added 1 worker to the sweep: speedup is measured against T(1)');
  const over = points.filter((p) => p.oversubscribed).map((p) => p.workers);
  if (over.length) {
    out.push(
      `${over.join(', ')} worker${over.length > 1 || over[0] !== 1 ? 's' : ''} exceed the ${cores} cores (oversubscription): those ` +
        `threads take turns on the cores, so their times measure time-slicing, not parallel speedup`,
    );
  }
  const load = sweep.loadBefore[0] ?? 0;
  if (load >= 0.5 * cores) {
    out.push(
      `the machine was busy before the sweep (1-minute load average ${load.toFixed(2)} on ${cores} cores): other processes compete for ` +
        `the cores, so times are inflated and noisy; measure on a quiet machine`,
    );
  }
  const settings: Array<[string, SettingResult]> = [
    ...(sequential ? [['the sequential run', sequential] as [string, SettingResult]] : []),
    ...points
      .filter((p) => !p.oversubscribed)
      .map((p) => [`${p.workers} worker${p.workers === 1 ? '' : 's'}`, p] as [string, SettingResult]),
  ];
  for (const [label, s] of settings) {
    const share = s.busyMs > 0 ? s.cpuMs / s.busyMs : 1;
    if (share < MIN_CPU_SHARE) {
      out.push(
        `at ${label}, the process used ${Math.round(100 * share)}% as much CPU time as its tasks took: the tasks waited for a core ` +
          `(another process was running) or for a slow disk, so T is inflated`,
      );
    }
    if (s.wallMs.spread > MAX_SPREAD) {
      out.push(
        `at ${label}, the repeats spread over ${Math.round(100 * s.wallMs.spread)}% of the median time: use more --repeat or a quieter ` +
          `machine`,
      );
    }
  }
  return out;
}

import type { RunReport, SequentialReport } from '../coordinator/report-types.js';
import { loadBalanceOf, type LoadBalance } from './load-balance.js';
import { phaseBreakdown, type PhaseBreakdown } from './phases.js';

/** What one timed run measured. */
export interface RunSample {
  /** Wall time of the run call, timed by the sweep around it (the phases are the run's own account of it). */
  wallMs: number;
  /** CPU time of the whole process (all threads, user + system) during the run. */
  cpuMs: number;
  phases: PhaseBreakdown;
  /** Plan, bundle and worker start-up times, which overlap inside `setup` (no workers for the sequential run). */
  setupDetail: { planMs: number; bundleMs: number; workersMs: number } | null;
  /** Sum of task times. */
  busyMs: number;
  /** busyMs ÷ wallMs. */
  coresBusy: number;
  /** Null for the sequential run, which has no workers to balance. */
  loadBalance: LoadBalance | null;
  tasks: { map: number; reduce: number; retried: number };
  /** Bytes of task outputs moved between threads (0 for the sequential run). */
  bytesMoved: number;
  splits: number;
}

/** The sample of an engine run that took `wallMs` as timed by the caller. */
export function sampleOfRun(r: RunReport, wallMs: number, cpuMs: number): RunSample {
  const mapEnd = Math.max(r.phases.setup + r.phases.map, ...r.taskRecords.filter((t) => t.kind !== 'reduce').map((t) => t.end));
  return {
    wallMs,
    cpuMs,
    phases: phaseBreakdown(r.phases, r.taskRecords),
    setupDetail: r.setupDetail,
    busyMs: r.busyMs,
    coresBusy: wallMs > 0 ? r.busyMs / wallMs : 0,
    // Drains (each worker handing over its held map results) are not tasks to balance.
    loadBalance: loadBalanceOf(
      r.taskRecords.filter((t) => t.kind !== 'drain'),
      r.workers,
      r.phases.setup,
      mapEnd,
    ),
    tasks: r.tasks,
    bytesMoved: r.bytesMoved,
    splits: r.input.splits,
  };
}

/** The sample of a sequential run that took `wallMs` as timed by the caller. */
export function sampleOfSequential(r: SequentialReport, wallMs: number, cpuMs: number): RunSample {
  return {
    wallMs,
    cpuMs,
    phases: phaseBreakdown(r.phases, r.taskRecords),
    setupDetail: null,
    busyMs: r.busyMs,
    coresBusy: wallMs > 0 ? r.busyMs / wallMs : 0,
    loadBalance: null,
    tasks: { ...r.tasks, retried: 0 },
    bytesMoved: 0,
    splits: r.input.splits,
  };
}

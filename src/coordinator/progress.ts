import { now } from '../util/clock.js';
import type { TaskMetrics } from '../worker/protocol.js';

/** The stage a run is in, as progress events report it. */
export type ProgressPhase = 'map' | 'reduce' | 'write' | 'done';

/**
 * Progress of a run. Emitted when a task starts or ends, when a task is retried and when the phase
 * changes; counts only grow. `bytesTotal` is the input size; `rowsTotal` is known only for formats
 * that record it (Arrow).
 */
export interface RunProgress {
  phase: ProgressPhase;
  /** Tasks of the current phase done, and in all. */
  tasksDone: number;
  tasksTotal: number;
  /** Input rows and bytes read so far (map phase counts; they stay put during reduce). */
  rowsDone: number;
  rowsTotal?: number;
  bytesDone: number;
  bytesTotal: number;
  /** Workers with a task in flight, and the pool size. */
  workersBusy: number;
  workers: number;
  /** Tasks sent again after their worker died. */
  retried: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

/** What the tracker asks of the runner. */
export interface BusyCounter {
  readonly busy: number;
  readonly workers: number;
}

/** Keeps the counts of a run and turns each change into a `RunProgress` event. */
export class ProgressTracker {
  private readonly state: RunProgress;
  private readonly t0: number;
  /** Map-side tasks counted so far, by index: a task run again (its worker died) replaces its first count. */
  private readonly counted = new Map<number, TaskMetrics>();

  constructor(
    private readonly onProgress: ((p: RunProgress) => void) | undefined,
    private readonly runner: BusyCounter,
    totals: { tasks: number; bytes: number; rows?: number },
    t0 = now(),
  ) {
    this.t0 = t0;
    this.state = {
      phase: 'map',
      tasksDone: 0,
      tasksTotal: totals.tasks,
      rowsDone: 0,
      rowsTotal: totals.rows,
      bytesDone: 0,
      bytesTotal: totals.bytes,
      workersBusy: 0,
      workers: runner.workers,
      retried: 0,
      elapsedMs: 0,
    };
  }

  /** Enters a phase with `tasks` tasks. */
  phase(phase: ProgressPhase, tasks = 0): void {
    this.counted.clear();
    // The last event carries the real totals: the rows read, where the plan had only an estimate (CSV, NDJSON, text).
    if (phase === 'done') this.state.rowsTotal = this.state.rowsDone;
    this.state.phase = phase;
    this.state.tasksDone = 0;
    this.state.tasksTotal = tasks;
    this.emit();
  }

  /** A task was handed to a worker. */
  started(): void {
    this.emit();
  }

  /** Task `index` finished; map-side tasks add their input rows and bytes (once per index). */
  finished(m: TaskMetrics, index?: number): void {
    const before = index === undefined ? undefined : this.counted.get(index);
    if (index !== undefined) this.counted.set(index, m);
    if (!before) this.state.tasksDone++;
    if (this.state.phase === 'map') {
      this.state.rowsDone += m.rowsIn - (before?.rowsIn ?? 0);
      this.state.bytesDone += m.bytesIn - (before?.bytesIn ?? 0);
    }
    this.emit();
  }

  /** A task was queued again. */
  retried(): void {
    this.state.retried++;
    this.emit();
  }

  private emit(): void {
    if (!this.onProgress) return;
    this.state.workersBusy = this.runner.busy;
    this.state.elapsedMs = now() - this.t0;
    this.onProgress({ ...this.state });
  }
}

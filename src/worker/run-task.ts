import type { NoopTask, Task, TaskMetrics, TaskOutput } from './protocol.js';
import { runSolveTask } from './solve.js';
import { runFormatTask } from './format-task.js';
import { runDrainTask, runFoldTask, runMapTask, runReduceTask, type RunState } from './tasks.js';

/** The metrics of a no-op task (a worker's warm-up): nothing read, nothing made. */
export const NOOP_METRICS: TaskMetrics = { start: 0, end: 0, readMs: 0, rowsIn: 0, bytesIn: 0, bytesOut: 0, pairsOut: 0, counters: {} };

/**
 * Runs one task of a loaded run by its kind: what a worker thread (entry.ts) and the inline executor
 * of the sequential baseline (executor/inline-pool.ts) both do with each task they are given.
 */
export function runTaskOfKind(
  run: RunState,
  task: Exclude<Task, NoopTask>,
): Promise<{ output: TaskOutput; metrics: TaskMetrics; transfer?: ArrayBuffer[] }> {
  switch (task.kind) {
    case 'solve':
      return runSolveTask(run, task);
    case 'map':
      return runMapTask(run, task);
    case 'drain':
      return runDrainTask(run, task);
    case 'fold':
      return runFoldTask(run, task);
    case 'reduce':
      return runReduceTask(run, task);
    case 'format':
      return Promise.resolve(runFormatTask(task));
  }
}

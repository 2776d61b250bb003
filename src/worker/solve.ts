import { JobError } from '../errors.js';
import type { ForkContext, RecursiveJob } from '../job/types.js';
import { now } from '../util/clock.js';
import type { SolveTask, TaskMetrics, TaskOutput } from './protocol.js';
import { collectTransfers, UserCodeError, type RunState } from './tasks.js';

/** How deep `divide` may recurse before quiver calls it a runaway recursion. */
export const MAX_DEPTH = 64;

/**
 * Runs one problem of a recursive job: `divide` it (its sub-problems go back to the coordinator, which
 * schedules them on any worker), or, when `divide` returns nothing, `conquer` it here. Buffers the job
 * passed to `ctx.transfer` move with the result instead of being copied.
 */
export async function runSolveTask(
  run: RunState,
  task: SolveTask,
): Promise<{ output: TaskOutput; metrics: TaskMetrics; transfer: ArrayBuffer[] }> {
  const start = now();
  const job = run.job as RecursiveJob;
  const counters: Record<string, number> = {};
  const transfer: ArrayBuffer[] = [];
  const ctx: ForkContext = {
    params: run.params,
    depth: task.depth,
    count(name, n = 1) {
      counters[name] = (counters[name] ?? 0) + n;
    },
    log(...args) {
      console.error(`[${task.describe}]`, ...args);
    },
    transfer: (...arrays) => collectTransfers(transfer, arrays),
  };
  const user = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new UserCodeError('map', e);
    }
  };
  const divided = job.divide ? await user(() => job.divide!(task.problem, ctx)) : undefined;
  const metrics = (): TaskMetrics => ({ start, end: now(), readMs: 0, rowsIn: 0, bytesIn: 0, bytesOut: 0, pairsOut: 1, counters });
  if (divided !== undefined && divided !== null) {
    if (!Array.isArray(divided) || divided.length < 2) {
      const got = Array.isArray(divided) ? `${divided.length} sub-problem${divided.length === 1 ? '' : 's'}` : typeof divided;
      throw new UserCodeError(
        'map',
        new JobError(
          `divide returned ${got} for ${task.describe}; return an array of 2 or more sub-problems, or nothing (undefined) when the ` +
            `problem is small enough to conquer`,
        ),
      );
    }
    if (task.depth >= MAX_DEPTH) {
      throw new UserCodeError(
        'map',
        new JobError(
          `divide is still dividing at depth ${MAX_DEPTH} (${task.describe}); make it return nothing once a problem is small enough`,
        ),
      );
    }
    return { output: { kind: 'forked', problems: divided }, metrics: { ...metrics(), pairsOut: divided.length }, transfer: [] };
  }
  const result = await user(() => job.conquer(task.problem, ctx));
  return { output: { kind: 'solved', result }, metrics: metrics(), transfer };
}

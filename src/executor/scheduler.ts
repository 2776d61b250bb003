import { cancelledErrorOf, WorkerError } from '../errors.js';
import { formatSize } from '../util/size.js';
import type { Task, TaskMetrics, TaskOutput, SerializedError } from '../worker/protocol.js';
import type { Executor, Executors, ExitInfo } from './executor.js';

/** One task of a fork-join, with what is needed to say which input it was about. */
export interface TaskSpec {
  task: Task;
  /**
   * Buffers moved (not copied) to the worker. A task with transfers cannot be retried after a worker
   * death, since its input went with the worker; prefer shared memory or files for retryable tasks.
   */
  transfer?: ArrayBuffer[];
  /** E.g. `split 3 of 12 of data.txt, bytes …`, used in errors. */
  describe: string;
  /** What to tell the user to change when this task runs out of memory. @default 'lower --split-size or raise --worker-memory' */
  memoryFix?: string;
}

/**
 * Called as each task completes, once per task, in completion order. A throw fails the fork-join.
 * Tasks it returns join the fork-join (a recursive job's sub-problems) with the next indices (appended
 * to `specs`), ahead of the tasks still queued.
 */
export type OnResult = (index: number, output: TaskOutput, metrics: TaskMetrics, worker: number) => void | TaskSpec[];

/** Turns a worker's serialized error into the error the run rejects with. */
export type ErrorFactory = (error: SerializedError, spec: TaskSpec) => Error;

export interface SchedulerOptions {
  /** Attempts per task when its worker dies (or, with `retryUserErrors`, when user code throws). @default 3 */
  maxAttempts?: number;
  /** Retry a task whose user code threw, up to `maxAttempts`; thrown errors are usually deterministic. @default false */
  retryUserErrors?: boolean;
  /**
   * Tasks handed to one worker at once: the one it runs and the ones waiting in its queue. @default 2:
   * the next task is already there when a worker finishes one, so it does not sit idle for the
   * round trip to the coordinator (0.3-0.5 ms a task; 10M-row Arrow scan, 22 tasks on 2 workers:
   * 66-67 -> 59-62 ms, 1 worker 81-83 -> 76-78 ms). Only while more tasks wait than there are
   * workers: the last ones go to idle workers only, so no worker ends up waiting on another's queue.
   */
  maxInFlight?: number;
  /** Time in-flight tasks get to stop at a batch boundary after a failure, before their threads are terminated. @default 250 */
  graceMs?: number;
  /** The same after an abort of `signal`: a user waiting on Ctrl-C wants it short. @default 100 */
  abortGraceMs?: number;
  signal?: AbortSignal;
  /** Called when a task is queued again after its worker died (or its user code threw, with `retryUserErrors`). */
  onRetry?: (index: number, attempt: number, why: string) => void;
  /** Called when a task is handed to a worker. */
  onDispatch?: (index: number, worker: number) => void;
}

/** Picks the live, loaded worker with the fewest tasks in flight, or undefined if all are full. A pure choice. */
export function pickWorker(workers: readonly Executor[], maxInFlight: number): Executor | undefined {
  let best: Executor | undefined;
  for (const w of workers) if (w.inFlight < maxInFlight && (!best || w.inFlight < best.inFlight)) best = w;
  return best;
}

/**
 * How many tasks a worker may hold now: `maxInFlight` while more tasks wait than there are workers,
 * else 1, so the last tasks go to idle workers only and none waits in a busy worker's queue while
 * another worker has nothing to do. A pure choice.
 */
export function inFlightLimit(queued: number, workers: number, maxInFlight: number): number {
  return queued > workers ? maxInFlight : 1;
}

export { cancelledErrorOf };

/** The error for a task whose thread stopped and that may not be retried again. */
function lostError(spec: TaskSpec, exit: ExitInfo, attempts: number, pool: Executors): Error {
  if (exit.kind === 'out-of-memory') {
    const limit = formatSize(pool.memoryLimit).replace(/\.0 /, ' ');
    const fix = spec.memoryFix ?? 'lower --split-size or raise --worker-memory';
    return new WorkerError(`the job used more than ${limit} in one task on ${spec.describe}; ${fix}`);
  }
  if (exit.kind === 'stalled') {
    return new WorkerError(
      `${spec.describe}: ${exit.reason}, so the task was cancelled and its worker replaced; the file may be corrupt (a reader that ` +
        `never finishes) or on a filesystem that stopped answering`,
    );
  }
  const times = `${attempts} time${attempts === 1 ? '' : 's'}`;
  if (spec.transfer?.length)
    return new WorkerError(
      `${spec.describe} killed its worker (${exit.reason}); its input had been moved to the worker, so it cannot be retried`,
    );
  return new WorkerError(`${spec.describe} killed its worker ${times} (last: ${exit.reason}); gave up after --max-attempts ${attempts}`);
}

/**
 * Runs tasks on a pool until all have settled: the fork-join primitive. The failure rule: a task
 * failure fails its task; a worker death fails its in-flight task, which is retried on another worker
 * (up to `maxAttempts`; out of memory is not retried, the same split would need the same memory); the
 * first unrecoverable error or an abort cancels the rest, waits for them to settle (terminating
 * threads that do not stop within `graceMs`), then rejects with that error. Each task's result is
 * handed to `onResult` exactly once.
 */
export function forkJoin(
  pool: Executors,
  runId: number,
  specs: TaskSpec[],
  onResult: OnResult,
  toError: ErrorFactory,
  options: SchedulerOptions = {},
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 3;
  const maxInFlight = options.maxInFlight ?? 2;
  const graceMs = options.graceMs ?? 250;
  const queue = specs.map((_, i) => i);
  const attempts = new Array<number>(specs.length).fill(0);
  const done = new Array<boolean>(specs.length).fill(false);
  const running = new Map<Executor, number>();
  let inFlight = 0;
  let failure: Error | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let settled = false;

  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      if (failure) reject(failure);
      else resolve();
    };
    const pump = () => {
      if (settled) return;
      if (failure) {
        if (inFlight === 0) finish();
        return;
      }
      if (queue.length === 0 && inFlight === 0) return finish();
      while (queue.length > 0) {
        const w = pickWorker(pool.ready, inFlightLimit(queue.length, pool.ready.length, maxInFlight));
        if (!w) break;
        dispatch(w, queue.shift()!);
      }
      if (queue.length > 0 && inFlight === 0 && pool.ready.length === 0 && pool.replacing === 0) {
        fail(pool.broken ?? new WorkerError('no worker is left to run the remaining tasks'));
      }
    };
    const fail = (e: Error, grace = graceMs) => {
      if (failure) return;
      failure = e;
      queue.length = 0;
      for (const w of running.keys()) w.cancel();
      // User code stuck in a loop never reaches a batch boundary: stop its thread (the pool replaces it).
      killTimer = setTimeout(() => {
        for (const w of running.keys()) void w.terminate();
      }, grace);
      pump();
    };
    const onAbort = () => fail(cancelledErrorOf(options.signal?.reason), options.abortGraceMs ?? 100);
    const unsubscribe = pool.onChange(pump);
    if (options.signal?.aborted) {
      failure = cancelledErrorOf(options.signal.reason);
      return finish();
    }
    options.signal?.addEventListener('abort', onAbort);

    const retry = (i: number, why: string): boolean => {
      if (attempts[i]! >= maxAttempts) return false;
      queue.unshift(i);
      options.onRetry?.(i, attempts[i]!, why);
      return true;
    };

    const dispatch = (w: Executor, i: number) => {
      const spec = specs[i]!;
      inFlight++;
      attempts[i]!++;
      running.set(w, (running.get(w) ?? 0) + 1);
      const sent = w.send(runId, spec.task, spec.transfer);
      options.onDispatch?.(i, w.index);
      void sent.then((outcome) => {
        inFlight--;
        const left = running.get(w)! - 1;
        if (left === 0) running.delete(w);
        else running.set(w, left);
        if (failure) return pump();
        switch (outcome.state) {
          case 'done':
            if (done[i]) break;
            done[i] = true;
            try {
              const forked = onResult(i, outcome.output, outcome.metrics, w.index);
              // Sub-problems go to the front, first one first: depth-first, as a work-stealing
              // deque's owner runs them, which keeps the frontier of problems small.
              if (forked) {
                queue.unshift(...forked.map((_, j) => specs.length + j));
                for (const spec of forked) {
                  specs.push(spec);
                  attempts.push(0);
                  done.push(false);
                }
              }
            } catch (e) {
              fail(e as Error);
            }
            break;
          case 'failed':
            if (!(outcome.error.user && options.retryUserErrors && retry(i, `${outcome.error.name}: ${outcome.error.message}`))) {
              fail(toError(outcome.error, spec));
            }
            break;
          case 'lost': {
            const { exit } = outcome;
            // A stalled reader would stall again on the same input, as out of memory would recur.
            const retryable = exit.kind !== 'out-of-memory' && exit.kind !== 'stalled' && !spec.transfer?.length;
            if (!(retryable && retry(i, exit.reason))) fail(lostError(spec, exit, attempts[i]!, pool));
            break;
          }
        }
        pump();
      });
    };
    pump();
  });
}

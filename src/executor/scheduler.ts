import { CancelledError, WorkerError } from '../errors.js';
import type { Task, TaskMetrics, TaskOutput, SerializedError } from '../worker/protocol.js';
import type { WorkerPool } from './pool.js';
import type { WorkerHandle } from './worker-handle.js';

/** One task of a fork-join, with what is needed to say which input it was about. */
export interface TaskSpec {
  task: Task;
  /** Buffers moved (not copied) to the worker. A task with transfers cannot be retried after a worker death. */
  transfer?: ArrayBuffer[];
  /** E.g. `split 3 of 12 of data.txt, bytes …`, used in errors. */
  describe: string;
}

/** Called as each task completes, in completion order. A throw fails the fork-join. */
export type OnResult = (index: number, output: TaskOutput, metrics: TaskMetrics, worker: number) => void;

/** Turns a worker's serialized error into the error the run rejects with. */
export type ErrorFactory = (error: SerializedError, spec: TaskSpec) => Error;

export interface SchedulerOptions {
  /** Attempts per task when its worker dies. @default 3 */
  maxAttempts?: number;
  /** Tasks queued on one worker at once. @default 1 (best balance; tasks are coarse) */
  maxInFlight?: number;
  /** Time in-flight tasks get to stop after a failure or cancel before their workers are terminated. @default 1000 */
  graceMs?: number;
  signal?: AbortSignal;
  /** Called when a task is queued again after its worker died. */
  onRetry?: (index: number, attempt: number) => void;
}

/** Picks the live, loaded worker with the fewest tasks in flight, or undefined if all are full. A pure choice. */
export function pickWorker(workers: readonly WorkerHandle[], maxInFlight: number): WorkerHandle | undefined {
  let best: WorkerHandle | undefined;
  for (const w of workers) if (w.inFlight < maxInFlight && (!best || w.inFlight < best.inFlight)) best = w;
  return best;
}

/**
 * Runs tasks on a pool until all have settled: the fork-join primitive. The failure rule: a task
 * failure fails its task; a worker death fails its in-flight task, which is retried on a fresh worker
 * (up to `maxAttempts`); the first unrecoverable error cancels the rest, waits for them to settle,
 * then rejects with that error.
 */
export function forkJoin(pool: WorkerPool, runId: number, specs: TaskSpec[], onResult: OnResult, toError: ErrorFactory, options: SchedulerOptions = {}): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 3;
  const maxInFlight = options.maxInFlight ?? 1;
  const graceMs = options.graceMs ?? 1000;
  const queue = specs.map((_, i) => i);
  const attempts = new Array<number>(specs.length).fill(0);
  const running = new Map<WorkerHandle, number>();
  let inFlight = 0;
  let replacing = 0;
  let failure: Error | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else resolve();
    };
    const pump = () => {
      if (failure) {
        if (inFlight === 0) finish();
        return;
      }
      if (queue.length === 0 && inFlight === 0) return finish();
      for (;;) {
        if (queue.length === 0) break;
        const w = pickWorker(pool.ready, maxInFlight);
        if (!w) break;
        dispatch(w, queue.shift()!);
      }
      if (inFlight === 0 && replacing === 0 && queue.length > 0) fail(new WorkerError('no worker is left to run the remaining tasks'));
    };
    const fail = (e: Error) => {
      if (failure) return;
      failure = e;
      queue.length = 0;
      for (const w of running.keys()) w.cancel();
      // User code stuck in a loop never reaches a batch boundary: stop its thread.
      killTimer = setTimeout(() => {
        for (const w of running.keys()) void pool.replace(w).catch(() => undefined);
      }, graceMs);
      pump();
    };
    const onAbort = () => fail(options.signal?.reason instanceof Error ? options.signal.reason : new CancelledError());
    if (options.signal?.aborted) return reject(options.signal.reason instanceof Error ? options.signal.reason : new CancelledError());
    options.signal?.addEventListener('abort', onAbort);

    const dispatch = (w: WorkerHandle, i: number) => {
      const spec = specs[i]!;
      inFlight++;
      attempts[i]!++;
      running.set(w, (running.get(w) ?? 0) + 1);
      void w.send(runId, spec.task, spec.transfer).then((outcome) => {
        inFlight--;
        const left = running.get(w)! - 1;
        if (left === 0) running.delete(w);
        else running.set(w, left);
        if (failure) return pump();
        switch (outcome.state) {
          case 'done':
            try {
              onResult(i, outcome.output, outcome.metrics, w.index);
            } catch (e) {
              fail(e as Error);
            }
            break;
          case 'failed':
            fail(toError(outcome.error, spec));
            break;
          case 'lost': {
            const retryable = !spec.transfer?.length && attempts[i]! < maxAttempts;
            if (retryable) {
              queue.unshift(i);
              options.onRetry?.(i, attempts[i]!);
            }
            else {
              fail(
                new WorkerError(
                  `${spec.describe} killed its worker ${attempts[i]} time${attempts[i] === 1 ? '' : 's'} (last: ${outcome.reason})` +
                    (spec.transfer?.length ? '; its input had been moved to the worker, so it cannot be retried' : `; giving up after ${maxAttempts} attempts`) +
                    '. If the job ran out of memory, lower --split-size or raise --worker-memory',
                ),
              );
            }
            replacing++;
            pool.replace(w).then(
              () => {
                replacing--;
                pump();
              },
              (e: Error) => {
                replacing--;
                fail(e);
              },
            );
            break;
          }
        }
        pump();
      });
    };
    pump();
  });
}

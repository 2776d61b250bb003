import { InternalError, WorkerError } from '../errors.js';
import type { TaskRunner } from '../executor/runner.js';
import type { ErrorFactory, SchedulerOptions, TaskSpec } from '../executor/scheduler.js';
import type { EncodedPairs } from '../worker/partials.js';
import type { TaskMetrics, TaskOutput } from '../worker/protocol.js';

/** Called for every map task and every drain that completes, for metrics and progress. */
export type OnTaskDone = (kind: 'map' | 'drain', index: number, metrics: TaskMetrics, worker: number) => void;

/**
 * The map phase of a keyed job with per-worker combining: map tasks keep their results in their
 * worker, combined across tasks (as Phoenix++ keeps one container per thread), and each worker hands
 * over one partitioned result when all tasks are done. With high-cardinality keys this cuts the
 * shuffle from (tasks × keys) pairs to (workers × keys).
 *
 * The failure rule stays the scheduler's: a task on a worker that dies is retried. In addition, a worker
 * that dies after completing tasks loses what it held, so those tasks run again in another round; a
 * result is only counted once it has been drained, so none is counted twice.
 *
 * Returns partition r of every drained worker in `parts[r]`. A runner whose map tasks leave their
 * output in a store (a cluster) hands back references instead, which go to `keepStored`.
 */
export async function runKeyedMapPhase(
  runner: TaskRunner,
  runId: number,
  specs: TaskSpec[],
  reducers: number,
  onDone: OnTaskDone,
  toError: ErrorFactory,
  options: SchedulerOptions & {
    maxRounds?: number;
    keep?: (r: number, p: EncodedPairs) => void;
    /** Takes map task i's output left in the runner's store (a cluster's), by reference. */
    keepStored?: (i: number, ref: string, counts: number[]) => void;
  },
): Promise<EncodedPairs[][]> {
  const parts: EncodedPairs[][] = Array.from({ length: reducers }, () => []);
  // `keep` (the spilling shuffle store) takes each partition as it arrives; else they gather in `parts`.
  const keep = options.keep ?? ((r: number, p: EncodedPairs) => void parts[r]!.push(p));
  const maxRounds = options.maxRounds ?? options.maxAttempts ?? 3;
  let pending = specs.map((_, i) => i);
  let drains = 0;
  for (let round = 1; pending.length > 0; round++) {
    if (round > maxRounds) {
      throw new WorkerError(
        `workers holding map results died in ${maxRounds} rounds in a row (${pending.length} task(s) lost each time); giving up. If the ` +
          `job ran out of memory, lower --split-size or raise --worker-memory`,
      );
    }
    const held = new Map<number, number[]>();
    const batch = pending;
    await runner.forkJoin(
      runId,
      batch.map((i) => specs[i]!),
      (j, out: TaskOutput, m, w) => {
        const i = batch[j]!;
        onDone('map', i, m, w);
        if (out.kind === 'held') {
          const tasks = held.get(out.holder);
          if (tasks) tasks.push(i);
          else held.set(out.holder, [i]);
        } else if (out.kind === 'map')
          out.partitions.forEach((p, r) => {
            keep(r, p);
          });
        else if (out.kind === 'stored') {
          if (!options.keepStored) throw new InternalError('a map task left its output in a store, and this shuffle takes none');
          options.keepStored(i, out.ref, out.counts);
        }
      },
      toError,
      options,
    );
    const drained = new Set<number>();
    const failures: Error[] = [];
    await runner.broadcast(runId, { kind: 'drain', reducers }, (executor, outcome) => {
      if (outcome.state === 'done' && outcome.output.kind === 'drained') {
        drained.add(outcome.output.holder);
        outcome.output.partitions.forEach((p, r) => {
          keep(r, p);
        });
        onDone('drain', specs.length + drains++, outcome.metrics, executor);
      } else if (outcome.state === 'failed') {
        failures.push(
          toError(outcome.error, {
            task: { kind: 'drain', reducers },
            describe: `handing over the map results held by worker ${executor}`,
          }),
        );
      }
    });
    if (failures.length > 0) throw failures[0]!;
    pending = [...held].filter(([holder]) => !drained.has(holder)).flatMap(([, tasks]) => tasks);
    for (const i of pending) options.onRetry?.(i, round + 1, 'the worker holding its result died before handing it over');
  }
  return parts;
}

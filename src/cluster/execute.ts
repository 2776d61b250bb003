import { WorkerHandle } from '../executor/worker-handle.js';
import { configureWorkerHeaps } from '../node-flags.js';
import { serializeValue, type EncodedPairs } from '../worker/partials.js';
import { serializeError } from '../worker/serialize-error.js';
import { withSourceStacks } from '../job/source-map.js';
import { JobError } from '../errors.js';
import { QUIVER_VERSION } from './version.js';
import type { Task, TaskOutput } from '../worker/protocol.js';
import { bundleUrlOf } from './bundles.js';
import { HEAD_GUESS, mapOutputIndex, mapOutputToChunks, pairsFromBytes, pairsToChunks } from './output-bytes.js';
import { byteLengthOf, type Store } from './store.js';
import type { ClusterTask, StagePlan, TaskOutcome } from './task.js';

/**
 * Runs cluster tasks inside one `quiver worker` process, on its own worker threads (the engine's
 * WorkerHandle, one task per thread at a time), with nothing of Redis: given a task and its stage's
 * plan, it loads the job's bundle from the store into a thread, runs the task there, and writes the
 * attempt's output to the store under a name of its own. Whether that attempt counts is decided
 * afterwards, by BullMQ's lock (see worker.ts); an output that does not count is deleted there.
 */
export class TaskExecutor {
  private readonly free: WorkerHandle[] = [];
  private readonly waiting: Array<(w: WorkerHandle) => void> = [];
  private readonly all = new Set<WorkerHandle>();
  /** Thread-side run numbers, one per stage served (a thread loads a stage's job once). */
  private readonly setups = new Map<string, number>();
  private nextSetup = 1;

  constructor(
    private readonly store: Store,
    readonly threads: number,
  ) {}

  /** Starts the threads. */
  async start(): Promise<void> {
    configureWorkerHeaps();
    const handles = await Promise.all(Array.from({ length: this.threads }, (_, i) => WorkerHandle.start(i)));
    for (const h of handles) this.release(h);
  }

  /** Threads running a task now. */
  get busy(): number {
    return this.all.size - this.free.length;
  }

  /**
   * Runs task `task.index` of `plan` and writes its output as `runs/<run>/s<stage>/t<index>-<attempt>.bin`.
   * `signal` stops it at the next batch (the run was cancelled, or the attempt lost its lock).
   */
  async run(task: ClusterTask, plan: StagePlan, attempt: string, signal?: AbortSignal): Promise<TaskOutcome> {
    if (plan.version !== QUIVER_VERSION) {
      const e = new JobError(
        `this worker runs quiver ${QUIVER_VERSION} and the run's coordinator quiver ${plan.version}; install the same version on every ` +
          `machine of the cluster`,
      );
      return { state: 'failed', error: serializeError(e, 'load-job'), retry: false };
    }
    const thread = await this.acquire();
    const onAbort = () => thread.cancel();
    signal?.addEventListener('abort', onAbort);
    try {
      const setup = `${plan.run}/${plan.stage}`;
      let runId = this.setups.get(setup);
      if (runId === undefined) this.setups.set(setup, (runId = this.nextSetup++));
      if (thread.loadedRun !== runId) {
        const jobUrl = await bundleUrlOf(this.store, plan.bundle);
        try {
          await thread.load({ runId, jobUrl, jobName: plan.jobName, params: plan.params });
        } catch (e) {
          if (thread.dead) return { state: 'lost', reason: `the thread stopped while loading the job (${thread.exit?.reason})` };
          return { state: 'failed', error: e instanceof Error ? serializeError(e, 'load-job') : (e as never), retry: false };
        }
      }
      const { body, loaded } = await this.threadTask(task, plan);
      if (signal?.aborted) return { state: 'cancelled' };
      const outcome = await thread.send(runId, body);
      if (outcome.state === 'lost') return { state: 'lost', reason: outcome.exit.reason };
      if (outcome.state === 'failed') {
        if (signal?.aborted && outcome.error.name === 'CancelledError') return { state: 'cancelled' };
        // Mapped here, where the job bundle is: the coordinator may run on a machine without this worker's copy.
        return { state: 'failed', error: withSourceStacks(outcome.error), retry: false };
      }
      const out = outcome.output;
      const chunks = outputChunks(out);
      const output = `runs/${plan.run}/s${plan.stage}/t${task.index}-${attempt}.bin`;
      await this.store.put(output, chunks);
      const counts = out.kind === 'map' ? out.partitions.map((p) => p.count) : undefined;
      const result = { output, counts, stored: byteLengthOf(chunks), loaded, metrics: outcome.metrics, thread: thread.index };
      return { state: 'done', result };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A cancel leaves the thread's cancel flag up; only a load lowers it, so the next task loads afresh.
      if (signal?.aborted) thread.loadedRun = -1;
      this.release(thread.dead ? await WorkerHandle.start(thread.index) : thread);
    }
  }

  /** The engine's task for a cluster task; a reduce task's input is read from the map outputs here. */
  private async threadTask(task: ClusterTask, plan: StagePlan): Promise<{ body: Task; loaded: number }> {
    const planned = plan.tasks[task.index]!;
    if (planned.kind !== 'reduce') return { body: planned, loaded: 0 };
    const { from, ...reduce } = planned;
    const parts = await Promise.all(from.map((o) => readPartition(this.store, plan.outputs![o]!, reduce.partition)));
    const loaded = parts.reduce((n, p) => n + p.bytes, 0);
    return { body: { ...reduce, parts: parts.map((p) => p.pairs).filter((p) => p.count > 0) }, loaded };
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
  }

  private acquire(): Promise<WorkerHandle> {
    const w = this.free.pop();
    if (w) return Promise.resolve(w);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: WorkerHandle): void {
    this.all.add(w);
    for (const old of this.all) if (old.dead && old !== w) this.all.delete(old);
    const next = this.waiting.shift();
    if (next) next(w);
    else this.free.push(w);
  }
}

/** A task's output as the chunks of its store object. */
function outputChunks(out: TaskOutput): Uint8Array[] {
  switch (out.kind) {
    case 'map':
      return mapOutputToChunks(out.partitions);
    case 'reduce':
      return pairsToChunks(out.pairs);
    case 'fold':
      return [out.acc ?? serializeValue(out.value)];
    default:
      throw new Error(`a cluster task gave a ${out.kind} output`);
  }
}

/**
 * Offset indexes of map outputs this process has read, by key: each reducer of a process reads the
 * same outputs, so after the first the head costs no request. Objects never change once written.
 */
const indexes = new Map<string, Array<[number, number]>>();
const MAX_INDEXES = 100_000;

/** Partition `r` of a map output: its head (the offset index, unless cached), then one ranged read of the partition. */
export async function readPartition(store: Store, key: string, r: number): Promise<{ pairs: EncodedPairs; bytes: number }> {
  let parts = indexes.get(key);
  let bytes = 0;
  let first: Uint8Array | undefined;
  if (!parts) {
    first = await store.getRange(key, 0, HEAD_GUESS);
    bytes += first.byteLength;
    let index = mapOutputIndex(first, key);
    if (index.headEnd > first.byteLength) {
      first = await store.getRange(key, 0, index.headEnd);
      bytes += first.byteLength;
      index = mapOutputIndex(first, key);
    }
    parts = index.parts;
    if (indexes.size >= MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
    indexes.set(key, parts);
  }
  const [offset, length] = parts[r]!;
  let part: Uint8Array;
  if (first && offset + length <= first.byteLength) part = first.subarray(offset, offset + length);
  else {
    part = await store.getRange(key, offset, offset + length);
    bytes += part.byteLength;
  }
  return { pairs: pairsFromBytes(part), bytes };
}

import { FlowProducer, Job, Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { cancelledErrorOf, WorkerError } from '../errors.js';
import { PREFIX, redisLostError, runKey, STAGE_QUEUE, TASK_QUEUE } from './redis.js';
import type { Store } from './store.js';
import { listWorkers } from './status.js';
import { planToBytes, stageKey, type StagePlan, type TaskFailure, type TaskResult } from './task.js';

/** How often the coordinator looks at a stage's progress: fine enough that a user error fails the run well within a second. */
const POLL_MS = 50;

/**
 * One stage of a cluster run as a BullMQ flow: a parent job in the stage queue (no worker takes it)
 * whose children are the stage's tasks in the task queue. A child commits its result into the parent
 * only while its worker holds its lock, so each task has exactly one committed result, and the parent
 * leaves `waiting-children` when every task has one. Every child has `failParentOnFailure`, so a task
 * that fails for good fails the parent instead of leaving it waiting forever (BullMQ's default).
 */
export class Stages {
  private readonly flows: FlowProducer;
  private readonly queue: Queue;
  private readonly parents: string[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly url: string,
    private readonly store: Store,
    private readonly runId: string,
  ) {
    this.flows = new FlowProducer({ connection: redis as unknown as ConnectionOptions, prefix: PREFIX });
    this.queue = new Queue(STAGE_QUEUE, { connection: redis as unknown as ConnectionOptions, prefix: PREFIX });
    this.flows.on('error', () => undefined);
    this.queue.on('error', () => undefined);
  }

  /**
   * Runs the tasks of `plan` and returns the committed result of each, by index. Rejects with the first
   * task error as `toError` makes it (the user's file:line for a job that throws), on `signal`, or if
   * Redis goes away.
   */
  async run(plan: StagePlan, signal: AbortSignal | undefined, toError: (failure: TaskFailure) => Error): Promise<TaskResult[]> {
    const count = plan.tasks.length;
    const kind = plan.tasks[0]?.kind ?? 'empty';
    await this.store.put(stageKey(this.runId, plan.stage), planToBytes(plan));
    const parentId = `${this.runId}-s${plan.stage}`;
    const childId = (i: number) => `${this.runId}-s${plan.stage}-t${i}`;
    this.parents.push(parentId);
    try {
      await this.flows.add({
        name: `stage-${plan.stage}`,
        queueName: STAGE_QUEUE,
        data: { run: this.runId, stage: plan.stage },
        opts: { jobId: parentId },
        children: Array.from({ length: count }, (_, index) => ({
          name: plan.tasks[index]!.kind,
          queueName: TASK_QUEUE,
          data: { run: this.runId, stage: plan.stage, index },
          opts: {
            jobId: childId(index),
            attempts: plan.maxAttempts,
            failParentOnFailure: true,
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      });
      let polls = 0;
      for (;;) {
        if (signal?.aborted) throw cancelledErrorOf(signal.reason);
        await this.checkError(toError);
        const state = await this.queue.getJobState(parentId);
        if (state === 'waiting' || state === 'prioritized' || state === 'completed') break;
        if (state === 'failed' || state === 'unknown') {
          // The task that failed wrote its error to the run just before it failed the parent; give it a moment to land.
          await new Promise((r) => setTimeout(r, 200));
          await this.checkError(toError);
          const parent = await Job.fromId(this.queue, parentId);
          throw new WorkerError(
            `a task of stage ${plan.stage} (${kind}) failed: ${parent?.failedReason ?? 'its stage is gone from Redis'}`,
          );
        }
        if (++polls % 20 === 0 && (await listWorkers(this.redis)).length === 0) {
          throw new WorkerError(
            `no quiver worker is alive on ${this.url} any more (each renews its heartbeat every few seconds); the run stops with tasks ` +
              `of stage ${plan.stage} unfinished. Start workers (quiver worker --cluster ${this.url} --store ${this.store.url}) and run ` +
              `again`,
          );
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      // A task may have failed between this poll's error check and its state check.
      await this.checkError(toError);
      const parent = await Job.fromId(this.queue, parentId);
      // BullMQ fails the parent of a child with failParentOnFailure lazily: it waits with a deferred
      // failure until a worker takes it, and none takes from the stage queue.
      if (parent?.deferredFailure) throw new WorkerError(`a task of stage ${plan.stage} (${kind}) failed: ${parent.deferredFailure}`);
      const values = (await parent!.getChildrenValues()) as Record<string, TaskResult>;
      return Array.from({ length: count }, (_, i) => {
        const v = values[`${PREFIX}:${TASK_QUEUE}:${childId(i)}`];
        if (!v) throw new WorkerError(`stage ${plan.stage} finished without a result for task ${i}`);
        return v;
      });
    } catch (e) {
      if (e instanceof Error && /Connection is closed|ECONNREFUSED|ENOENT|Reached the max retries/.test(e.message))
        throw redisLostError(this.url, e);
      throw e;
    }
  }

  /** Throws the run's first task error, if a worker has recorded one. */
  private async checkError(toError: (failure: TaskFailure) => Error): Promise<void> {
    const raw = await this.redis.hget(runKey(this.runId), 'error');
    if (raw) throw toError(JSON.parse(raw) as TaskFailure);
  }

  /**
   * Removes the run's stages from Redis once no task of theirs runs any more: workers see the run
   * cancelled (its hash says so) and stop their tasks at the next batch, within a second or so.
   */
  async remove(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (const id of this.parents) {
      for (;;) {
        const job = await Job.fromId(this.queue, id).catch(() => undefined);
        if (!job) break;
        try {
          await job.remove({ removeChildren: true });
          break;
        } catch {
          // A child still locked by a worker: it stops at its next batch.
          if (Date.now() > until) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.flows.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }
}

import { InternalError } from '../errors.js';
import type { LoadedJob } from '../job/load.js';
import type { ParamValue, RecursiveJob } from '../job/types.js';
import type { TaskRunner } from '../executor/runner.js';
import type { TaskSpec } from '../executor/scheduler.js';
import { now } from '../util/clock.js';
import type { SolveTask, TaskMetrics, TaskOutput } from '../worker/protocol.js';
import { errorFromWorker } from './error-from-worker.js';
import type { StepReport, TaskRecord } from './report-types.js';
import { loadRun, newRunId, taskRecordOf, userCall } from './run-steps.js';
import { TreeMerge } from './tree-merge.js';

interface Node {
  parent: number;
  /** Position among its parent's sub-problems. */
  slot: number;
  depth: number;
  /** Path from the root, e.g. `0.1.3`. */
  path: string;
  /** Combines the results of its sub-problems, once it has divided. */
  merge?: TreeMerge<unknown>;
}

/**
 * The tree of a recursive job's problems, as tasks: the root is task 0, each `divide` adds its
 * sub-problems as the next tasks, and each result climbs the tree, combined with its neighbours in a
 * fixed binary tree as soon as they are there (so results combine as they finish, the same way on
 * every run). `solveRecursive` drives it on a runner.
 */
export class Recursion {
  private readonly nodes: Node[] = [];
  private final?: { value: unknown };
  private readonly records: TaskRecord[] = [];
  private readonly counters: Record<string, number> = {};
  private combineMs = 0;

  constructor(
    private readonly job: RecursiveJob,
    private readonly params: Record<string, ParamValue>,
    private readonly jobFile: string,
  ) {}

  /** The root problem's task (task 0). */
  root(problem: unknown): TaskSpec {
    if (this.nodes.length > 0) throw new InternalError('a recursion has one root');
    this.nodes.push({ parent: -1, slot: 0, depth: 0, path: '0' });
    return this.spec(problem, this.nodes[0]!);
  }

  /**
   * Takes a finished task: records it (times relative to `t0`, the step's start), adds its counters,
   * and combines its result or queues its sub-problems (see `take`), timing the combining.
   */
  settle(index: number, out: TaskOutput, metrics: TaskMetrics, worker: number, t0: number): TaskSpec[] | undefined {
    this.records.push(taskRecordOf(out.kind === 'forked' ? 'divide' : 'conquer', index, worker, metrics, t0));
    for (const [k, v] of Object.entries(metrics.counters)) this.counters[k] = (this.counters[k] ?? 0) + v;
    const t = now();
    const more = this.take(index, out);
    this.combineMs += now() - t;
    return more;
  }

  /** The step's report once the root's result is known: solving is `map`, combining in the coordinator is `merge`. */
  report(t0: number, setupMs: number, retried: number): StepReport {
    const wallMs = now() - t0;
    return {
      job: this.job.name,
      jobFile: this.jobFile,
      kind: 'recursive',
      input: { files: 0, bytes: 0, rows: 0, splits: 0 },
      output: { rows: 0 },
      wallMs,
      phases: { setup: setupMs, map: wallMs - setupMs - this.combineMs, shuffle: 0, reduce: 0, merge: this.combineMs, write: 0 },
      busyMs: this.records.reduce((n, r) => n + (r.end - r.start), 0),
      counters: this.counters,
      tasks: { map: this.size, reduce: 0, retried },
      taskRecords: this.records,
    };
  }

  /** Takes task `index`'s output: the sub-problems it forked (to run next, as the next task indices), or nothing. */
  take(index: number, out: TaskOutput): TaskSpec[] | undefined {
    const node = this.nodes[index];
    if (!node) throw new InternalError(`no problem ${index} in the recursion of ${this.job.name}`);
    if (out.kind === 'forked') {
      const { combine } = this.job;
      const ctx = { params: this.params };
      node.merge = new TreeMerge<unknown>(out.problems.length, (a, b) => userCall(this.jobFile, 'merge', () => combine(a, b, ctx)));
      return out.problems.map((problem, slot) => {
        const child: Node = { parent: index, slot, depth: node.depth + 1, path: `${node.path}.${slot}` };
        this.nodes.push(child);
        return this.spec(problem, child);
      });
    }
    if (out.kind !== 'solved') throw new InternalError(`a ${this.job.name} problem answered with a ${out.kind} output`);
    this.deliver(node, out.result);
    return undefined;
  }

  /** True once the root's result is known. */
  get complete(): boolean {
    return this.final !== undefined;
  }

  /** The combined result of the root problem. */
  get result(): unknown {
    if (!this.final) throw new InternalError(`the recursion of ${this.job.name} has not finished`);
    return this.final.value;
  }

  /** Problems so far (tasks run or queued). */
  get size(): number {
    return this.nodes.length;
  }

  private deliver(node: Node, value: unknown): void {
    for (;;) {
      if (node.parent < 0) {
        this.final = { value };
        return;
      }
      const parent = this.nodes[node.parent]!;
      parent.merge!.add(node.slot, value);
      if (!parent.merge!.complete) return;
      value = parent.merge!.result;
      parent.merge = undefined;
      node = parent;
    }
  }

  private spec(problem: unknown, node: Node): TaskSpec {
    const describe = `problem ${node.path} of ${this.job.name}`;
    const task: SolveTask = { kind: 'solve', problem, depth: node.depth, describe };
    return { task, describe };
  }
}

/**
 * Runs a recursive job from `problem` on `runner`: each problem is a task that divides it or conquers
 * it, and results are combined in this thread as they finish (see docs/fork-join.md).
 */
export async function solveRecursive(
  runner: TaskRunner,
  loaded: LoadedJob,
  params: Record<string, ParamValue>,
  problem: unknown,
  signal: AbortSignal | undefined,
): Promise<{ result: unknown; report: StepReport }> {
  const t0 = now();
  const runId = newRunId();
  const jobFile = loaded.file;
  await loadRun(runner, { runId, jobUrl: loaded.url, jobName: loaded.jobName, params }, jobFile);
  const setupMs = now() - t0;
  const rec = new Recursion(loaded.job as RecursiveJob, params, jobFile);
  let retried = 0;
  const onResult = (i: number, out: TaskOutput, m: TaskMetrics, w: number) => rec.settle(i, out, m, w, t0);
  await runner.forkJoin(runId, [rec.root(problem)], onResult, (e, spec) => errorFromWorker(e, spec.describe, jobFile), {
    signal,
    onRetry: () => retried++,
  });
  return { result: rec.result, report: rec.report(t0, setupMs, retried) };
}

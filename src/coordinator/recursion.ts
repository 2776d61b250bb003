import { InternalError } from '../errors.js';
import type { ParamValue, RecursiveJob } from '../job/types.js';
import type { TaskSpec } from '../executor/scheduler.js';
import type { SolveTask, TaskOutput } from '../worker/protocol.js';
import { userCall } from './run-steps.js';
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
 * every run). Both the engine (tasks on workers) and the sequential baseline drive it.
 */
export class Recursion {
  private readonly nodes: Node[] = [];
  private final?: { value: unknown };

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

import type { Executor, Executors, ExitInfo, TaskOutcome } from '../../dist/src/executor/executor.js';
import type { TaskSpec } from '../../dist/src/executor/scheduler.js';
import type { SerializedError, Task } from '../../dist/src/worker/protocol.js';

/**
 * Executors that run fake tasks in milliseconds, so the scheduler's rules can be tested without
 * threads. A fake task is a `solve` task whose problem says what to do, attempt by attempt (the last
 * entry holds for later attempts):
 * - `ok`: settles done after `ms`, its result the task's `value`;
 * - `block`: runs until cancelled, then fails as a worker does at its next batch boundary;
 * - `stuck`: ignores the cancel, as user code in an endless loop does, until its executor is terminated;
 * - `throw`: user code threw (a TypeError);
 * - `die`: the executor's thread dies (`crash`) with the task in flight;
 * - `oom`: the same, out of memory.
 */
export type Behaviour = 'ok' | 'block' | 'stuck' | 'throw' | 'die' | 'oom';

export interface FakeProblem {
  id: string;
  value?: number;
  ms?: number;
  attempts: Behaviour[];
}

/** A fake task's spec. */
export function fakeSpec(id: string, attempts: Behaviour[] = ['ok'], value = 0, ms = 1): TaskSpec {
  const problem: FakeProblem = { id, value, ms, attempts };
  return { task: { kind: 'solve', problem, depth: 0, describe: `task ${id}` }, describe: `task ${id}` };
}

const METRICS = { start: 0, end: 0, readMs: 0, rowsIn: 0, bytesIn: 0, bytesOut: 0, pairsOut: 0, counters: {} };
const CANCELLED: SerializedError = { name: 'CancelledError', message: 'the task was cancelled', phase: 'io', user: false };

/** What happened, in order, for assertions on the rules (never on times). */
export type Event =
  | { type: 'start'; id: string; executor: number; attempt: number }
  | { type: 'settle'; id: string; executor: number; state: TaskOutcome['state'] }
  | { type: 'cancel'; executor: number }
  | { type: 'terminate'; executor: number };

class FakeExecutor implements Executor {
  inFlight = 0;
  dead = false;
  private readonly running = new Set<{ id: string; stop: (o: TaskOutcome) => void; onCancel?: () => void }>();

  constructor(
    readonly index: number,
    private readonly pool: FakeExecutors,
  ) {}

  send(_runId: number, task: Task): Promise<TaskOutcome> {
    if (task.kind !== 'solve') throw new Error(`fake executors run fake tasks, not ${task.kind}`);
    const p = task.problem as FakeProblem;
    const attempt = (this.pool.attempts.get(p.id) ?? 0) + 1;
    this.pool.attempts.set(p.id, attempt);
    const what = p.attempts[Math.min(attempt, p.attempts.length) - 1]!;
    this.inFlight++;
    this.pool.events.push({ type: 'start', id: p.id, executor: this.index, attempt });
    return new Promise<TaskOutcome>((resolve) => {
      const entry = {
        id: p.id,
        stop: (o: TaskOutcome) => {
          if (!this.running.delete(entry)) return;
          this.inFlight--;
          this.pool.events.push({ type: 'settle', id: p.id, executor: this.index, state: o.state });
          resolve(o);
        },
        onCancel: undefined as (() => void) | undefined,
      };
      this.running.add(entry);
      const later = (fn: () => void) => setTimeout(fn, p.ms ?? 1);
      switch (what) {
        case 'ok':
          return later(() => entry.stop({ state: 'done', output: { kind: 'solved', result: p.value }, metrics: METRICS }));
        case 'throw':
          return later(() =>
            entry.stop({ state: 'failed', error: { name: 'TypeError', message: `${p.id} threw`, phase: 'map', user: true } }),
          );
        case 'die':
          return later(() => this.die({ kind: 'crash', code: 1, reason: 'Error: the thread crashed' }));
        case 'oom':
          return later(() => this.die({ kind: 'out-of-memory', code: 1, reason: 'JS heap out of memory' }));
        case 'block':
          entry.onCancel = () => later(() => entry.stop({ state: 'failed', error: CANCELLED }));
          return;
        case 'stuck':
          return;
      }
    });
  }

  cancel(): void {
    this.pool.events.push({ type: 'cancel', executor: this.index });
    for (const r of this.running) r.onCancel?.();
  }

  async terminate(): Promise<void> {
    this.pool.events.push({ type: 'terminate', executor: this.index });
    this.die({ kind: 'terminated', code: 0, reason: 'terminated' });
  }

  private die(exit: ExitInfo): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.died(this, exit);
    for (const r of [...this.running]) r.stop({ state: 'lost', exit });
  }
}

/** A set of fake executors that, like the worker pool, replaces one that dies (unless told not to). */
export class FakeExecutors implements Executors {
  readonly events: Event[] = [];
  readonly attempts = new Map<string, number>();
  readonly memoryLimit = 64 * 2 ** 20;
  broken: Error | undefined;
  replacing = 0;
  private executors: FakeExecutor[];
  private readonly listeners = new Set<() => void>();
  private nextIndex: number;

  constructor(
    size: number,
    private readonly replaceDead = true,
  ) {
    this.executors = Array.from({ length: size }, (_, i) => new FakeExecutor(i, this));
    this.nextIndex = size;
  }

  get ready(): Executor[] {
    return this.executors.filter((e) => !e.dead);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Called by an executor as it dies, before its tasks settle as lost (as the worker pool is). */
  died(e: FakeExecutor, exit: ExitInfo): void {
    if (!this.replaceDead || exit.kind === 'terminated') {
      if (!this.replaceDead) this.broken = new Error('fake executors are not replaced');
      return;
    }
    this.replacing++;
    setTimeout(() => {
      this.replacing--;
      this.executors = this.executors.map((x) => (x === e ? new FakeExecutor(this.nextIndex++, this) : x));
      for (const fn of this.listeners) fn();
    }, 1);
  }

  /** The ids of the tasks started, in order. */
  get started(): string[] {
    return this.events.flatMap((e) => (e.type === 'start' ? [e.id] : []));
  }
}

/** Error factory for the scheduler: the task and the worker's message. */
export const toError = (e: SerializedError, spec: TaskSpec): Error => new Error(`${spec.describe}: ${e.name}: ${e.message}`);

import { describe, expect, it } from 'vitest';
import { forkJoin, type TaskSpec } from '../../dist/src/executor/scheduler.js';
import { FakeExecutors, fakeSpec, toError } from './fake-executors.js';

describe('forkJoin on fake executors: tasks that fork more tasks', () => {
  it('runs the tasks onResult returns next, first one first (depth-first), with the next indices', async () => {
    const executors = new FakeExecutors(1);
    // A binary tree of depth 2: task `x` forks `x0` and `x1` until names are 3 long.
    const specs: TaskSpec[] = [fakeSpec('r'), fakeSpec('s')];
    const indices = new Map<string, number>();
    await forkJoin(
      executors,
      1,
      specs,
      (i) => {
        const id = (specs[i]!.task as { problem: { id: string } }).problem.id;
        indices.set(id, i);
        if (!id.startsWith('r') || id.length >= 3) return undefined;
        return [fakeSpec(`${id}0`), fakeSpec(`${id}1`)];
      },
      toError,
      { maxInFlight: 1 },
    );
    expect(executors.started).toEqual(['r', 'r0', 'r00', 'r01', 'r1', 'r10', 'r11', 's']);
    // Forked tasks were appended to the specs, in the order they were forked.
    expect(specs.map((s) => (s.task as { problem: { id: string } }).problem.id)).toEqual([
      'r',
      's',
      'r0',
      'r1',
      'r00',
      'r01',
      'r10',
      'r11',
    ]);
    expect(indices.get('r11')).toBe(7);
  });

  it('retries a forked task whose executor died, like any other', async () => {
    const executors = new FakeExecutors(2);
    const specs: TaskSpec[] = [fakeSpec('root')];
    const results: unknown[] = [];
    await forkJoin(
      executors,
      1,
      specs,
      (i, out) => {
        if (i === 0) return [fakeSpec('child', ['die', 'ok'], 42)];
        if (out.kind === 'solved') results.push(out.result);
        return undefined;
      },
      toError,
    );
    expect(results).toEqual([42]);
    expect(executors.attempts.get('child')).toBe(2);
  });
});

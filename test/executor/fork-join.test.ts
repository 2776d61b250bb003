import { describe, expect, it } from 'vitest';
import { forkJoin } from '../../dist/src/executor/scheduler.js';
import type { TaskOutput } from '../../dist/src/worker/protocol.js';
import { FakeExecutors, fakeSpec, toError } from './fake-executors.js';

/** Runs fake tasks on `executors`, gathering each task's result by index, and how often each arrived. */
async function run(executors: FakeExecutors, specs: ReturnType<typeof fakeSpec>[], options: Parameters<typeof forkJoin>[5] = {}) {
  const results = new Map<number, unknown>();
  const deliveries = new Array<number>(specs.length).fill(0);
  await forkJoin(
    executors,
    1,
    specs,
    (i, out: TaskOutput) => {
      deliveries[i]!++;
      if (out.kind === 'solved') results.set(i, out.result);
    },
    toError,
    options,
  );
  return { results, deliveries };
}

describe('forkJoin on fake executors: every task settles once', () => {
  it('hands every result to onResult exactly once, on every executor', async () => {
    const executors = new FakeExecutors(3);
    const specs = Array.from({ length: 20 }, (_, i) => fakeSpec(`t${i}`, ['ok'], i * i));
    const { results, deliveries } = await run(executors, specs);
    expect([...results].sort((a, b) => a[0] - b[0]).map(([, v]) => v)).toEqual(specs.map((_, i) => i * i));
    expect(deliveries).toEqual(specs.map(() => 1));
    const used = new Set(executors.events.flatMap((e) => (e.type === 'start' ? [e.executor] : [])));
    expect(used).toEqual(new Set([0, 1, 2]));
  });

  it('keeps at most maxInFlight tasks on an executor, and hands the last ones to idle executors only', async () => {
    const executors = new FakeExecutors(2);
    const specs = Array.from({ length: 9 }, (_, i) => fakeSpec(`t${i}`, ['ok'], i));
    let most = 0;
    await forkJoin(
      executors,
      1,
      specs,
      () => {
        for (const e of executors.ready) most = Math.max(most, e.inFlight);
      },
      toError,
      { maxInFlight: 2 },
    );
    expect(most).toBeLessThanOrEqual(2);
    expect(executors.started).toHaveLength(9);
  });

  it('retries the task of an executor that died on another one, and counts the retry', async () => {
    const executors = new FakeExecutors(2);
    const retries: Array<[number, number, string]> = [];
    const specs = [fakeSpec('a', ['ok'], 1), fakeSpec('b', ['die', 'ok'], 2), fakeSpec('c', ['ok'], 3)];
    const { results, deliveries } = await run(executors, specs, { onRetry: (i, attempt, why) => retries.push([i, attempt, why]) });
    expect([...results.values()].sort()).toEqual([1, 2, 3]);
    expect(deliveries).toEqual([1, 1, 1]);
    expect(retries).toEqual([[1, 1, 'Error: the thread crashed']]);
    expect(executors.attempts.get('b')).toBe(2);
  });

  it('gives up on a task that kills its executor maxAttempts times, naming it and the attempts', async () => {
    const executors = new FakeExecutors(2);
    const err = await run(executors, [fakeSpec('a'), fakeSpec('killer', ['die'])], { maxAttempts: 3 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      'task killer killed its worker 3 times (last: Error: the thread crashed); gave up after --max-attempts 3',
    );
    expect(executors.attempts.get('killer')).toBe(3);
  });

  it('does not retry a task that ran out of memory: the same split needs the same memory', async () => {
    const executors = new FakeExecutors(2);
    const err = await run(executors, [fakeSpec('big', ['oom', 'ok'])]).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      'the job used more than 64 MB in one task on task big; lower --split-size or raise --worker-memory',
    );
    expect(executors.attempts.get('big')).toBe(1);
  });

  it('does not retry a task whose user code threw, unless retryUserErrors', async () => {
    const once = new FakeExecutors(1);
    const err = await run(once, [fakeSpec('flaky', ['throw', 'ok'], 7)]).catch((e: Error) => e);
    expect((err as Error).message).toBe('task flaky: TypeError: flaky threw');
    expect(once.attempts.get('flaky')).toBe(1);

    const again = new FakeExecutors(1);
    const { results } = await run(again, [fakeSpec('flaky', ['throw', 'ok'], 7)], { retryUserErrors: true });
    expect([...results.values()]).toEqual([7]);
    expect(again.attempts.get('flaky')).toBe(2);
  });

  it("fails with the pool's own error when no executor is left and none is coming", async () => {
    const executors = new FakeExecutors(1, false);
    const err = await run(executors, [fakeSpec('a', ['die']), fakeSpec('b')]).catch((e: Error) => e);
    expect((err as Error).message).toBe('fake executors are not replaced');
  });
});

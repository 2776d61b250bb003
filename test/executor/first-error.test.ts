import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../dist/src/errors.js';
import { forkJoin } from '../../dist/src/executor/scheduler.js';
import { FakeExecutors, fakeSpec, toError } from './fake-executors.js';

describe('forkJoin on fake executors: the first unrecoverable error cancels the rest', () => {
  it('cancels running siblings, waits for them to settle, then rejects with the first error', async () => {
    const executors = new FakeExecutors(3);
    const specs = [fakeSpec('slow1', ['block']), fakeSpec('slow2', ['block']), fakeSpec('bad', ['throw'], 0, 5), fakeSpec('queued')];
    const err = await forkJoin(executors, 1, specs, () => undefined, toError).catch((e: Error) => e);
    expect((err as Error).message).toBe('task bad: TypeError: bad threw');
    // Both blocked siblings were asked to stop and had settled by the time the fork-join rejected.
    const settled = executors.events.filter((e) => e.type === 'settle').map((e) => e.type === 'settle' && e.id);
    expect(settled).toEqual(expect.arrayContaining(['slow1', 'slow2', 'bad']));
    expect(executors.events.filter((e) => e.type === 'cancel').length).toBeGreaterThanOrEqual(2);
    // Nothing queued is started once the run has failed.
    expect(executors.started).not.toContain('queued');
  });

  it('terminates a sibling that ignores the cancel after graceMs, then rejects', async () => {
    const executors = new FakeExecutors(2);
    const err = await forkJoin(executors, 1, [fakeSpec('loop', ['stuck']), fakeSpec('bad', ['throw'])], () => undefined, toError, {
      graceMs: 5,
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe('task bad: TypeError: bad threw');
    expect(executors.events).toContainEqual({ type: 'terminate', executor: 0 });
    expect(executors.events).toContainEqual({ type: 'settle', id: 'loop', executor: 0, state: 'lost' });
  });

  it('a throw in onResult fails the fork-join the same way', async () => {
    const executors = new FakeExecutors(2);
    const err = await forkJoin(
      executors,
      1,
      [fakeSpec('a'), fakeSpec('b', ['block'])],
      (i) => {
        if (i === 0) throw new Error('merge failed');
      },
      toError,
    ).catch((e: Error) => e);
    expect((err as Error).message).toBe('merge failed');
    expect(executors.events).toContainEqual({ type: 'settle', id: 'b', executor: 1, state: 'failed' });
  });

  it('an abort cancels the running tasks and rejects with a CancelledError', async () => {
    const executors = new FakeExecutors(2);
    const controller = new AbortController();
    const running = forkJoin(executors, 1, [fakeSpec('a', ['block']), fakeSpec('b', ['stuck']), fakeSpec('c')], () => undefined, toError, {
      signal: controller.signal,
      abortGraceMs: 5,
    });
    setTimeout(() => controller.abort(), 2);
    const err = await running.catch((e: Error) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('the run was cancelled');
    expect(executors.events).toContainEqual({ type: 'settle', id: 'a', executor: 0, state: 'failed' });
    expect(executors.events).toContainEqual({ type: 'settle', id: 'b', executor: 1, state: 'lost' });
  });

  it('rejects at once, starting nothing, when the signal is already aborted', async () => {
    const executors = new FakeExecutors(1);
    const err = await forkJoin(executors, 1, [fakeSpec('a')], () => undefined, toError, { signal: AbortSignal.abort() }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(CancelledError);
    expect(executors.started).toEqual([]);
  });
});

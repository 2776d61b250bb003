import { describe, expect, it } from 'vitest';
import { inFlightLimit, pickWorker } from '../../dist/src/executor/scheduler.js';
import type { Executor } from '../../dist/src/executor/executor.js';

const workers = (...inFlight: number[]) => inFlight.map((n, index) => ({ index, inFlight: n }) as unknown as Executor);

describe('which worker gets the next task', () => {
  it('queues a task behind a running one only while more tasks wait than there are workers', () => {
    expect(inFlightLimit(10, 2, 2)).toBe(2);
    expect(inFlightLimit(3, 2, 2)).toBe(2);
    expect(inFlightLimit(2, 2, 2)).toBe(1);
    expect(inFlightLimit(1, 2, 2)).toBe(1);
    expect(inFlightLimit(5, 8, 3)).toBe(1);
    expect(inFlightLimit(9, 8, 1)).toBe(1);
  });

  it('picks the worker with the fewest tasks, and none when all are at the limit', () => {
    expect(pickWorker(workers(1, 0), 2)?.index).toBe(1);
    expect(pickWorker(workers(1, 1), 2)?.index).toBe(0);
    // Near the end (limit 1) a busy worker gets nothing more, even with room in its queue.
    expect(pickWorker(workers(1, 1), inFlightLimit(2, 2, 2))).toBeUndefined();
    expect(pickWorker(workers(2, 2), 2)).toBeUndefined();
  });
});

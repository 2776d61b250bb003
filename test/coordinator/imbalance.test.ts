import { describe, expect, it } from 'vitest';
import { workerImbalance } from '../../dist/src/coordinator/report.js';
import { loadBalanceOf } from '../../dist/src/speedup/load-balance.js';

const task = (worker: number, start: number, end: number) => ({
  kind: 'map' as const,
  index: 0,
  worker,
  start,
  end,
  readMs: 0,
  rowsIn: 0,
  bytesIn: 0,
  bytesOut: 0,
  pairsOut: 0,
});

describe('imbalance (per worker, not per task)', () => {
  it('is 1 when workers were busy equally long, however unequal their tasks (a guided tail)', () => {
    // Worker 0: 60 + 30 + 10; worker 1: 60 + 25 + 15 — equal sums, tasks from 10 to 60 ms.
    const tasks = [task(0, 0, 60), task(1, 0, 60), task(0, 60, 90), task(1, 60, 85), task(1, 85, 100), task(0, 90, 100)];
    expect(workerImbalance(tasks, 2)).toBe(1);
    expect(loadBalanceOf(tasks, 2, 0, 100).imbalance).toBe(1);
  });

  it('is the busiest worker ÷ the mean, counting a worker that ran nothing', () => {
    expect(workerImbalance([task(0, 0, 30), task(1, 0, 10)], 2)).toBe(1.5);
    expect(workerImbalance([task(0, 0, 30), task(0, 30, 40)], 2)).toBe(2);
    expect(workerImbalance([task(0, 0, 30), task(1, 0, 30), task(2, 0, 30)], 4)).toBe(4 / 3);
    expect(workerImbalance([task(0, 0, 30), task(0, 30, 35)], 1)).toBe(1);
    expect(workerImbalance([], 3)).toBe(1);
  });
});

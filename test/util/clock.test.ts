import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { now } from '../../dist/src/util/clock.js';

describe('now', () => {
  it('is epoch milliseconds, as Date.now() is, with a fraction', async () => {
    const a = now();
    const d = Date.now();
    expect(Math.abs(a - d)).toBeLessThan(50);
    // Sub-millisecond: successive readings differ by less than a millisecond, and not all are whole.
    const readings = Array.from({ length: 1000 }, () => now());
    expect(readings.some((r) => !Number.isInteger(r))).toBe(true);
    for (let i = 1; i < readings.length; i++) expect(readings[i]!).toBeGreaterThanOrEqual(readings[i - 1]!);
  });

  it("orders a worker thread's reading between the main thread's readings before and after it", async () => {
    const url = new URL('../../dist/src/util/clock.js', import.meta.url).href;
    const worker = new Worker(
      `import('${url}').then(({ now }) => require('node:worker_threads').parentPort.on('message', () => require('node:worker_threads').parentPort.postMessage(now())));`,
      {
        eval: true,
      },
    );
    try {
      await new Promise((resolve) => worker.once('online', resolve));
      for (let i = 0; i < 20; i++) {
        const before = now();
        const inWorker = await new Promise<number>((resolve) => {
          worker.once('message', resolve);
          worker.postMessage('now');
        });
        const after = now();
        // Thread clocks share one epoch; allow the rounding of each thread's timeOrigin (well under a millisecond).
        expect(inWorker).toBeGreaterThanOrEqual(before - 1);
        expect(inWorker).toBeLessThanOrEqual(after + 1);
      }
    } finally {
      await worker.terminate();
    }
  });
});

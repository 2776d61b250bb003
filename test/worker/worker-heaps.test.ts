import { describe, expect, it } from 'vitest';
import { configureWorkerHeaps, WORKER_OLD_SPACE_MB } from '../../dist/src/node-flags.js';

describe('worker heap start size', () => {
  it('is left alone when Node was started with its own initial heap size, on the command line or in NODE_OPTIONS', () => {
    expect(configureWorkerHeaps(['--initial-old-space-size=32'], '')).toBe(false);
    expect(configureWorkerHeaps(['--initial_old_space_size=32'], '')).toBe(false);
    expect(configureWorkerHeaps([], '--max-old-space-size=512 --initial-heap-size=100')).toBe(false);
  });

  it('is set for workers started from then on otherwise', () => {
    expect(WORKER_OLD_SPACE_MB).toBeGreaterThanOrEqual(16);
    expect(configureWorkerHeaps(['--no-concurrent-marking'], '--max-old-space-size=4096')).toBe(true);
    // Other flags that merely start the same way are not mistaken for it.
    expect(configureWorkerHeaps(['--initial-old-space-size-bogus'], '')).toBe(true);
  });
});

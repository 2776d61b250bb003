import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultMismatchError } from 'quiver-engine';
import { runSweep } from '../../dist/src/speedup/sweep.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const file = path.join(dir, 'words.txt');
writeFileSync(file, 'b a c\na b\n');
const job = path.join(ROOT, 'test/fixtures/jobs/reducer-count.ts');

describe('a sweep whose runs disagree', () => {
  it('fails, naming the two settings and the first differing row', async () => {
    const err = await runSweep(job, { input: file, workers: [1, 2], repeat: 1, warmup: 0, sequential: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultMismatchError);
    const message = (err as Error).message;
    expect(message).toContain('the result of 2 workers differs from the result of 1 worker:');
    expect(message).toContain('first difference at row 1 (word="a", reducers=2): reducers is 2, expected 1');
    expect(message).toMatch(/associative and commutative/);
  });

  it('compares every run with the first one, the sequential baseline, including warm-ups', async () => {
    const err = await runSweep(job, { input: file, workers: [2], repeat: 2, warmup: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResultMismatchError);
    // The sequential run and 1 worker both use one reducer and agree; the first run at 2 workers is a warm-up.
    expect((err as Error).message).toContain(
      'the result of 2 workers (run 1 of 3, a warm-up) differs from the result of T_seq, the sequential baseline (run 1 of 3, a warm-up): ',
    );
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, runSequential } from 'quiver-engine';
import { textChunks } from '../../dist/src/datasets/text.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const file = path.join(dir, 'corpus.txt');
writeFileSync(file, [...textChunks(200_000, 5)].join(''));
const job = path.join(ROOT, 'test/fixtures/jobs/moved-lengths.ts');

/** The same answer computed with a plain loop over the file's lines. */
function reference() {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const all = lines.map((l) => l.length);
  return { lines: all.length, chars: all.reduce((n, l) => n + l, 0), first: all.slice(0, 5).join(','), last: all.slice(-5).join(',') };
}

describe('fold accumulators moved with ctx.transfer', () => {
  it('arrive whole and in order at 1–3 workers, several split sizes, and in the sequential baseline', async () => {
    const want = reference();
    expect(want.lines).toBeGreaterThan(1000);
    for (const workers of [1, 2, 3]) {
      const engine = new Engine({ workers });
      try {
        for (const splitSize of ['16KB', '100KB', '64MB']) {
          const r = await engine.run(job, { input: file, splitSize, batchRows: 700 });
          expect(r.value, `${workers} workers, ${splitSize}`).toEqual(want);
          // What the tasks sent is exactly the moved Int32Arrays: 4 bytes a line, nothing serialized.
          expect(r.report.taskRecords.reduce((n, t) => n + t.bytesOut, 0)).toBe(4 * want.lines);
        }
      } finally {
        await engine.close();
      }
    }
    expect((await runSequential(job, { input: file, splitSize: '16KB' })).value).toEqual(want);
  });

  it('reject what is not a typed array, naming ctx.transfer', async () => {
    const engine = new Engine({ workers: 2 });
    try {
      await expect(engine.run(job, { input: file, params: { bad: 1 } })).rejects.toThrow(
        /ctx\.transfer takes typed arrays \(or DataViews\), got string/,
      );
    } finally {
      await engine.close();
    }
  });
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../dist/src/planner/plan.js';
import { longFirstLine } from '../../dist/src/planner/text.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const MB = 1 << 20;
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} of ordinary text`).join('\n') + '\n';

describe('the text planner and lines longer than a split', () => {
  it('calls a file that is one line (with or without a final line end) unsplittable, whatever the split size', async () => {
    for (const end of ['', '\n', '\r\n']) {
      const one = file(`one${end.length}.txt`, 'w'.repeat(3 * MB) + end);
      const note = await longFirstLine(one, 3 * MB + end.length, MB);
      expect(note).toMatch(/^one line of 3\.0 MB: it cannot be split and is read whole by one task \(a split starts where a line starts/);
      const plan = await makePlan({ inputs: [one], workers: 2, splitBytes: MB });
      expect(plan.files[0]).toMatchObject({ unsplittable: true, note });
    }
  });

  it('names a first line longer than a split, followed by ordinary lines', async () => {
    const text = `${'x'.repeat(2 * MB)}\n${lines(20_000)}`;
    const f = file('long-first.txt', text);
    expect(await longFirstLine(f, text.length, MB)).toMatch(/^its first line is 2\.0 MB, longer than a split \(1\.0 MB\)/);
    // The same line fits a split of 4 MB: nothing to say.
    expect(await longFirstLine(f, text.length, 4 * MB)).toBeUndefined();
  });

  it('says nothing about ordinary text, and reads no further than its head', async () => {
    const text = lines(200_000);
    const f = file('ordinary.txt', text);
    expect(await longFirstLine(f, text.length, MB)).toBeUndefined();
    const plan = await makePlan({ inputs: [f], workers: 2, splitBytes: MB });
    expect(plan.files[0]!.unsplittable).toBeUndefined();
    expect(plan.files[0]!.note).toBeUndefined();
    expect(plan.splits.length).toBe(Math.ceil(text.length / MB));
  });
});

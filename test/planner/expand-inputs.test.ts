import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError } from 'quiver-engine';
import { expandInputs } from '../../dist/src/planner/inputs.js';
import { writeGroupby } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const data = path.join(dir, 'data');
mkdirSync(path.join(data, 'nested', 'deeper'), { recursive: true });
mkdirSync(path.join(data, '.git'));
for (const f of ['b.txt', 'a.txt', 'nested/c.txt', 'nested/deeper/d.log', '.hidden.txt', '_SUCCESS', '.git/config'])
  writeFileSync(path.join(data, f), `${f}\n`);

describe('expanding --input', () => {
  it('lists a directory recursively and sorted, skipping hidden files and folders', async () => {
    const files = await expandInputs([data]);
    expect(files.map((f) => path.relative(data, f.path))).toEqual(['a.txt', 'b.txt', 'nested/c.txt', 'nested/deeper/d.log']);
    expect(files.every((f) => f.format === 'text' && f.bytes > 0)).toBe(true);
  });

  it('expands globs to paths as the pattern was written: absolute, or relative to the cwd', async () => {
    const absolute = await expandInputs([path.join(data, '**', '*.txt')]);
    expect(absolute.map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'nested/c.txt'].map((f) => path.join(data, f)));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const relative = await expandInputs(['data/*.txt']);
      expect(relative.map((f) => f.path)).toEqual(['data/a.txt', 'data/b.txt']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('keeps each file once when inputs overlap', async () => {
    const files = await expandInputs([path.join(data, 'a.txt'), data, path.join(data, '*.txt')]);
    expect(files.map((f) => path.relative(data, f.path))).toEqual(['a.txt', 'b.txt', 'nested/c.txt', 'nested/deeper/d.log']);
  });

  it('tells an Arrow file by its magic bytes when the name has no extension', async () => {
    const arrow = await writeGroupby(dir, 'g.arrow', 10, 1, 10);
    copyFileSync(arrow, path.join(dir, 'part-0000'));
    const [f] = await expandInputs([path.join(dir, 'part-0000')]);
    expect(f!.format).toBe('arrow');
  });

  it('rejects a missing input, a glob that matches nothing and an empty directory', async () => {
    mkdirSync(path.join(dir, 'empty'));
    const cases: Array<[string, RegExp]> = [
      [path.join(dir, 'missing.txt'), /input .*missing\.txt does not exist; check the path/],
      [
        path.join(dir, '*.nothing'),
        /--input ".*\*\.nothing" matches no file; check the pattern \(quote it so the shell does not expand it\)/,
      ],
      [path.join(dir, 'empty'), /input directory .*empty holds no files/],
    ];
    for (const [input, message] of cases) {
      await expect(expandInputs([input])).rejects.toThrow(PlanError);
      await expect(expandInputs([input])).rejects.toThrow(message);
    }
    await expect(expandInputs([])).rejects.toThrow(/no input given/);
  });
});

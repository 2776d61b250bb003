import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DATASETS } from '../../dist/src/datasets/registry.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const options = { rows: 300, mb: 1, seed: 5 };

describe('the datasets `quiver datasets generate` writes', () => {
  it.each(Object.entries(DATASETS).filter(([, d]) => d.extension === '.arrow'))(
    '%s writes an Arrow IPC file of the rows asked for (an n×n matrix for matrix), the same for the same seed',
    async (name, d) => {
      const a = path.join(dir, `${name}-a.arrow`);
      const b = path.join(dir, `${name}-b.arrow`);
      await d.write(a, options);
      await d.write(b, options);
      const t = tableFromIPC(readFileSync(a));
      expect(t.numRows).toBe(options.rows);
      if (name === 'matrix') expect(t.numCols).toBe(options.rows);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
      expect(d.description).toMatch(/--rows/);
    },
  );

  it('text writes about --mb megabytes to one file, texts to a folder of files', async () => {
    const file = path.join(dir, 'words.txt');
    await DATASETS.text!.write(file, options);
    expect(statSync(file).size / 2 ** 20).toBeCloseTo(1, 2);
    const folder = path.join(dir, 'texts');
    await DATASETS.texts!.write(folder, options);
    const total = readdirSync(folder).reduce((n, f) => n + statSync(path.join(folder, f)).size, 0);
    expect(total / 2 ** 20).toBeCloseTo(1, 1);
  });
});

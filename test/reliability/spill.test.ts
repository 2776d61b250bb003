import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';
import { fixture, makeCorpus } from './corpus.js';

const dir = tempDir();
const spillRoot = tempDir('quiver-spill-root-');
const { file, expected, top } = makeCorpus(dir);

/** Word → { count, lineChars }, computed with plain loops. */
function referenceStats(): Array<{ word: string; count: number; lineChars: number }> {
  const stats = new Map<string, { count: number; lineChars: number }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    for (const w of line.split(/\s+/)) {
      if (!w) continue;
      const s = stats.get(w) ?? { count: 0, lineChars: 0 };
      s.count++;
      s.lineChars += line.length;
      stats.set(w, s);
    }
  }
  return [...stats].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, s]) => ({ word, ...s }));
}

describe('a shuffle larger than --memory', () => {
  // Spill files go under TMPDIR; point it at a folder of our own to check it is left empty.
  process.env.TMPDIR = spillRoot;

  for (const workers of [1, 2, 3]) {
    for (const memory of ['1kb', '40kb']) {
      it(`spills to a temp folder, gives the sequential answer and removes the folder (${workers} workers, --memory ${memory})`, async () => {
        const { table, report } = await run('wordcount', { input: file, workers, splitSize: '24KB', reducers: 3, memory });
        expect(rowsOf(table)).toEqual(expected);
        expect(report.spilledBytes).toBeGreaterThan(0);
        expect(readdirSync(spillRoot)).toEqual([]);
      });
    }
  }

  it('round-trips row-object values through the spill files', async () => {
    const { table, report } = await run(fixture('word-stats'), { input: file, workers: 2, splitSize: '24KB', memory: '2kb' });
    expect(report.spilledBytes).toBeGreaterThan(0);
    expect(rowsOf(table)).toEqual(referenceStats());
  });

  it('does not spill when the shuffle fits', async () => {
    const { table, report } = await run('wordcount', { input: file, workers: 2, splitSize: '24KB', memory: '1gb' });
    expect(rowsOf(table)).toEqual(expected);
    expect(report.spilledBytes).toBe(0);
  });

  it('removes the folder when the run fails after spilling', async () => {
    const failing = run(fixture('exit-in-reduce'), {
      input: file,
      workers: 2,
      splitSize: '24KB',
      memory: '1kb',
      maxAttempts: 2,
      params: { key: top },
    });
    await expect(failing).rejects.toThrow(/^reduce partition \d of 2 killed its worker 2 times/);
    expect(readdirSync(spillRoot)).toEqual([]);
  });
});

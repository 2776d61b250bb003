import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, WorkerError } from 'quiver-engine';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { tempDir } from '../helpers/tmp.js';

// A worker the stall watchdog cancels is replaced, and the thread it ran on ends: the replacement starts
// once the old thread is gone (src/executor/pool.ts, `untilGone`), so cancelling again and again on one
// Engine neither piles up threads nor starves the pool. Counted from /proc/self/task (Linux, where the
// suite runs): vitest runs each test file in a process of its own, so only this file's threads count.
const dir = tempDir();
const text = Array.from({ length: 300 }, (_, i) => `the ${i % 13} quick brown fox ${i % 5}`).join('\n') + '\n';
const words = path.join(dir, 'words.txt');
writeFileSync(words, text);
const want = [...referenceWordCount(text)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, count]) => ({ word, count }));

const threads = () => readdirSync('/proc/self/task').length;

/** A `.txt.gz` FIFO whose writer sends half a gzip member and then nothing: a reader that never returns. */
async function stuckInput(name: string): Promise<{ input: string; release: () => Promise<void> }> {
  const input = path.join(dir, name);
  execFileSync('mkfifo', [input]);
  const writer = open(input, 'w').then(async (fh) => {
    const gz = gzipSync(text);
    await fh.write(gz.subarray(0, gz.length >> 1));
    return fh;
  });
  // Closing the pipe ends the read still blocked in libuv's thread pool, so it does not hold one of its threads.
  return { input, release: async () => (await writer).close() };
}

describe('cancelling stuck workers again and again on one Engine', () => {
  const engine = new Engine({ workers: 2, stallTimeoutMs: 1000 });
  afterAll(() => engine.close());

  it('each cancel replaces its worker, the old thread ends, and every later run is right', async () => {
    const count = async () => {
      const { table } = await engine.run('wordcount', { input: words });
      expect(rowsOf(table!).sort((a, b) => (String(a.word) < String(b.word) ? -1 : 1))).toEqual(want);
    };
    await count();
    const before = threads();
    for (let i = 0; i < 5; i++) {
      const stuck = await stuckInput(`stuck-${i}.txt.gz`);
      const run = engine.run('wordcount', { input: stuck.input });
      await expect(run).rejects.toThrow(new RegExp(`stuck-${i}\\.txt\\.gz.*its input reader produced no batch for 1 s`));
      await expect(run).rejects.toBeInstanceOf(WorkerError);
      await stuck.release();
      // The next run waits for the replacement (its load brings the pool back to strength).
      await count();
      expect(threads()).toBe(before);
    }
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, WorkerError } from 'quiver-engine';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { fixture } from './corpus.js';

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

// The memory a cancelled worker held goes back once its thread ends, as far as quiver is concerned:
// nothing in the main thread (handles, pending tasks, ports, shared buffers) keeps it, and the thread
// does end. glibc may keep freed memory in the dead thread's malloc arena unless told otherwise at
// start-up (src/executor/README.md), so the child process below runs with buffers of 128 KB and more
// mapped on their own, as users who need RSS back after cancels are told to run; each worker holds
// 160 MB of job memory.
const soak = `
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { Engine } from ${JSON.stringify(path.join(ROOT, 'dist/src/index.js'))};
const [job, words, dir] = process.argv.slice(2);
const rss = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmRSS:\\s+(\\d+)/)[1]) * 1024;
const engine = new Engine({ workers: 2, stallTimeoutMs: 1000 });
const after = [];
for (let i = 0; i < 6; i++) {
  const fifo = dir + '/held-' + i + '.txt.gz';
  execFileSync('mkfifo', [fifo]);
  const writer = open(fifo, 'w').then(async (fh) => (await fh.write(gzipSync(readFileSync(words)).subarray(0, 100)), fh));
  const failed = await engine.run(job, { input: fifo }).then(() => 'no', (e) => e.message);
  await (await writer).close();
  const { table } = await engine.run(job, { input: words });
  after.push({ failed, rows: table.numRows, rss: rss() });
}
await engine.close();
console.log(JSON.stringify(after));
`;

describe('memory of cancelled workers', () => {
  it('goes back after each cancel: RSS after six cancels within 100 MB of RSS after the first', () => {
    const script = path.join(dir, 'soak.mjs');
    writeFileSync(script, soak);
    const env = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' };
    const out = spawnSync(process.execPath, [script, fixture('holds-memory'), words, dir], { env, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const after = JSON.parse(out.stdout) as Array<{ failed: string; rows: number; rss: number }>;
    expect(after).toHaveLength(6);
    for (const a of after) {
      expect(a.failed).toMatch(/held-\d\.txt\.gz.*its input reader produced no batch for 1 s/);
      expect(a.rows).toBe(want.length);
    }
    // Kept, each cancel would add the 160 MB its worker held: 800 MB over the five after the first.
    expect(after[5]!.rss - after[0]!.rss).toBeLessThan(100 * 2 ** 20);
  });
});

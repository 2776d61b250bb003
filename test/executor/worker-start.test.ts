import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerHandle, workerExecArgv } from '../../dist/src/executor/worker-handle.js';
import { textChunks } from '../../dist/src/datasets/text.js';
import { referenceWordCount } from '../helpers/reference.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

describe('starting worker threads', () => {
  it("passes a worker the process's Node options, less those that only say how to read the main script", () => {
    expect(workerExecArgv(['--no-concurrent-marking', '--input-type=module', '-e', 'code()', '--max-old-space-size=512'])).toEqual([
      '--no-concurrent-marking',
      '--max-old-space-size=512',
    ]);
    expect(workerExecArgv(['--input-type', 'module', '--eval', 'x', '--trace-gc'])).toEqual(['--trace-gc']);
    expect(workerExecArgv(['-p', '1+1', '--print=2', '--eval=3', '--expose-gc'])).toEqual(['--expose-gc']);
    // Nothing to leave out: the worker inherits them (Node's default, which also carries V8's flags).
    expect(workerExecArgv(['--no-concurrent-sweeping'])).toBeUndefined();
    expect(workerExecArgv([])).toBeUndefined();
  });

  for (const flags of [[], ['--no-concurrent-marking', '--no-concurrent-sweeping']]) {
    it(`runs a job from \`node ${[...flags, '--input-type=module'].join(' ')} -e\` (a worker given --input-type refuses to load its file)`, () => {
      const dir = tempDir();
      const file = path.join(dir, 'words.txt');
      writeFileSync(file, [...textChunks(40_000, 5)].join(''));
      const script = `import { Engine } from 'quiver-engine';
const engine = new Engine({ workers: 2 });
const { table } = await engine.run('wordcount', { input: ${JSON.stringify(file)}, splitSize: '8KB' });
const rows = {}; for (const r of table) rows[r.word] = Number(r.count);
console.log(JSON.stringify(rows)); await engine.close();`;
      const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(JSON.parse(out)).toEqual(Object.fromEntries(referenceWordCount(readFileSync(file, 'utf8'))));
    });
  }

  it("fails at once with the thread's own error when it dies before it is up, not after the 30 s wait for its hello", async () => {
    // Too small a heap to load the worker's modules: the thread dies of it while starting.
    const err = (await WorkerHandle.start(0, { resourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 } }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('worker 0 could not start: JS heap out of memory');
  }, 20_000);
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Engine, WorkerError } from 'quiver-engine';
import { CLI, tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';
import { fixture, makeCorpus } from './corpus.js';

const dir = tempDir();
const { file, expected } = makeCorpus(dir);

describe('a job that allocates without bound under --worker-memory', () => {
  it('fails its task with what to change, and the engine and its other workers carry on', async () => {
    const engine = new Engine({ workers: 2, workerMemory: '64mb' });
    try {
      const err = await engine.run(fixture('hoard'), { input: file, splitSize: '64KB' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerError);
      expect((err as Error).message).toMatch(
        /^the job used more than 64 MB in one task on split \d+ of \d+ of .*corpus-11\.txt, bytes \d+–\d+; lower --split-size or raise --worker-memory$/,
      );
      const { table } = await engine.run('wordcount', { input: file, splitSize: '64KB' });
      expect(rowsOf(table)).toEqual(expected);
    } finally {
      await engine.close();
    }
  });

  it('makes the CLI exit 1 with that message', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', fixture('hoard'), '-i', file, '-w', '2', '--worker-memory', '48mb'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^quiver: worker error: the job used more than 48 MB in one task on split \d+ of \d+ of .*; lower --split-size or raise --worker-memory\n$/,
    );
  });
});

import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run, WorkerError } from 'quiver-engine';
import { CLI, tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';
import { fixture, makeCorpus } from './corpus.js';

const dir = tempDir();
const { file, expected, top, lines } = makeCorpus(dir);
let markers = 0;
const marker = () => path.join(dir, `marker-${markers++}`);

describe('a worker that dies in the middle of a task', () => {
  for (const workers of [1, 2, 3]) {
    for (const splitSize of ['16KB', '100KB']) {
      it(`is replaced and its map task retried: the answer is right (${workers} workers, ${splitSize} splits)`, async () => {
        const m = marker();
        const { table, report } = await run(fixture('exit-on-split'), { input: file, workers, splitSize, params: { split: 1, marker: m } });
        expect(existsSync(m)).toBe(true);
        expect(rowsOf(table)).toEqual(expected);
        expect(report.tasks.retried).toBeGreaterThanOrEqual(1);
        // Tasks run again count once in the report too.
        expect(report.input.rows).toBe(lines);
      });
    }
    it(`is replaced and its reduce task retried with the same partitions (${workers} workers)`, async () => {
      const m = marker();
      const { table, report } = await run(fixture('exit-in-reduce'), {
        input: file,
        workers,
        reducers: 3,
        splitSize: '32KB',
        params: { key: top, marker: m },
      });
      expect(existsSync(m)).toBe(true);
      expect(rowsOf(table)).toEqual(expected);
      expect(report.tasks.retried).toBeGreaterThanOrEqual(1);
    });
  }

  it('fails the run naming the split and how many times it killed its worker, when it dies every time', async () => {
    const err = await run(fixture('exit-on-split'), { input: file, workers: 2, splitSize: '32KB', params: { split: 2 } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toMatch(
      /^split 3 of \d+ of .*corpus-11\.txt, bytes \d+–\d+ killed its worker 3 times \(last: exit code 3\); gave up after --max-attempts 3$/,
    );
  });

  it('honours --max-attempts', async () => {
    const err = await run(fixture('exit-in-reduce'), { input: file, workers: 2, maxAttempts: 1, params: { key: top } }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^reduce partition \d of 2 killed its worker 1 time \(last: exit code 4\); gave up after --max-attempts 1$/,
    );
  });

  it('makes the CLI exit 1 with that message on one line', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', fixture('exit-on-split'), '-i', file, '-w', '2', '--split-size', '32KB', '-p', 'split=0'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^quiver: worker error: split 1 of \d+ of .*corpus-11\.txt, bytes 0–32767 killed its worker 3 times \(last: exit code 3\); gave up after --max-attempts 3\n$/,
    );
  });
});

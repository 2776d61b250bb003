import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Engine, run, TaskError } from 'quiver-engine';
import { CLI, tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';
import { fixture, makeCorpus } from './corpus.js';
import { appendFileSync } from 'node:fs';

const dir = tempDir();
const { file, expected } = makeCorpus(dir);
appendFileSync(file, 'a line with boom in it\n');
const rel = (f: string) => path.relative(process.cwd(), f);

async function failure(job: string, fn: string, options: Record<string, unknown> = {}): Promise<TaskError> {
  const err = await run(fixture(job), { input: file, workers: 2, splitSize: '64KB', params: { in: fn }, ...options }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TaskError);
  return err as TaskError;
}

describe('job code that throws', () => {
  it('in map: the error names the job file:line, the function, the split and keeps class, message, stack and cause', async () => {
    const e = await failure('throws', 'map');
    expect(e.phase).toBe('map');
    expect(e.message).toMatch(
      new RegExp(
        `^${rel(fixture('throws'))}:11:\\d+ map threw BadWordError: saw boom in "a line with boom in it" \\(split (\\d+) of \\1 of .*corpus-11\\.txt, bytes \\d+–\\d+\\)$`,
      ),
    );
    expect(e.userError.name).toBe('BadWordError');
    expect(e.userError.stack).toContain(`${fixture('throws')}:11:`);
    const cause = (e.cause as Error).cause as Error;
    expect(`${cause.name}: ${cause.message}`).toBe('RangeError: boom is not allowed');
  });

  for (const [job, fn, phase, line, where] of [
    ['throws', 'combine', 'map', 16, /split \d+ of \d+ of .*corpus-11\.txt, bytes/],
    ['throws', 'reduce', 'reduce', 20, /reduce partition \d of 2/],
    ['fold-throws', 'identity', 'map', 8, /split \d+ of \d+ of .*corpus-11\.txt, bytes/],
    ['fold-throws', 'fold', 'map', 12, /split \d+ of \d+ of .*corpus-11\.txt, bytes/],
    ['fold-throws', 'merge', 'merge', 16, /merging partial results in the coordinator/],
    ['fold-throws', 'finish', 'merge', 20, /merging partial results in the coordinator/],
  ] as const) {
    it(`in ${fn}: the error names ${fn} at ${job}.ts:${line} in the ${phase} phase`, async () => {
      const e = await failure(job, fn);
      expect(e.phase).toBe(phase);
      expect(e.message).toContain(`${rel(fixture(job))}:${line}:`);
      expect(e.message).toContain(` ${fn} threw `);
      expect(e.message).toMatch(where);
    });
  }

  it('stops the run, and the engine runs the next job with the right answer', async () => {
    const engine = new Engine({ workers: 2 });
    try {
      await expect(engine.run(fixture('throws'), { input: file, splitSize: '16KB', params: { in: 'combine' } })).rejects.toThrow(TaskError);
      const { table } = await engine.run('wordcount', { input: file, splitSize: '16KB' });
      const withBoom = new Map(expected.map((r) => [r.word, r.count]));
      for (const w of ['a', 'line', 'with', 'boom', 'in', 'it']) withBoom.set(w, (withBoom.get(w) ?? 0) + 1);
      expect(rowsOf(table)).toEqual(
        [...withBoom].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count })),
      );
    } finally {
      await engine.close();
    }
  });

  it('is not retried unless --retry-user-errors says so', async () => {
    const marker = path.join(dir, 'flaky-1');
    await expect(run(fixture('flaky-throw'), { input: file, workers: 2, splitSize: '32KB', params: { marker } })).rejects.toThrow(
      /map threw Error: a passing hiccup/,
    );
    const again = path.join(dir, 'flaky-2');
    const { table, report } = await run(fixture('flaky-throw'), {
      input: file,
      workers: 2,
      splitSize: '32KB',
      params: { marker: again },
      retryUserErrors: true,
    });
    expect(report.tasks.retried).toBeGreaterThanOrEqual(1);
    const clean = await run('wordcount', { input: file, workers: 1 });
    expect(rowsOf(table)).toEqual(rowsOf(clean.table));
  });

  it('makes the CLI print the message, the user frames and the cause, and exit 1', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', fixture('throws'), '-i', file, '-w', '2'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^quiver: map error: .*throws\.ts:11:\d+ map threw BadWordError: saw boom in "a line with boom in it" \(split \d+ of \d+ of .*, bytes \d+–\d+\)$/,
    );
    expect(lines[1]).toBe('BadWordError: saw boom in "a line with boom in it"');
    expect(lines[2]).toMatch(/^ {4}at Object\.map \(.*test\/fixtures\/jobs\/throws\.ts:11:\d+\)$/);
    expect(lines.at(-1)).toBe('  caused by RangeError: boom is not allowed');
  });
});

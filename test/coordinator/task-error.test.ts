import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { QuiverError, TaskError } from 'quiver-engine';
import { enginesFor } from '../helpers/data.js';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';

const JOB = path.join(ROOT, 'test/fixtures/jobs/throw-in-map.ts');
const dir = tempDir();
const input = path.join(dir, 'lines.txt');
const lines = Array.from({ length: 100 }, (_, i) => (i === 57 ? 'here goes boom' : `line ${i}`));
const text = lines.join('\n') + '\n';
writeFileSync(input, text);
const boomAt = text.indexOf('here goes boom');
const engines = enginesFor([1, 3]);

describe('a job that throws in map', () => {
  for (const workers of [1, 3]) {
    it(`fails the run with the job file and line, and the split (${workers} worker(s))`, async () => {
      const error = await engines
        .get(workers)!
        .run(JOB, { input, splitSize: '100' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(TaskError);
      const e = error as TaskError;
      expect(QuiverError.isQuiverError(e)).toBe(true);
      expect(e.phase).toBe('map');
      expect(e.message).toMatch(/throw-in-map\.ts:8:\d+ map threw RangeError: cannot count "here goes boom"/);
      // The split that owns the line: it starts in bytes [100k, 100k + 100).
      const k = Math.floor(boomAt / 100);
      const of = Math.ceil(text.length / 100);
      expect(e.message).toContain(`split ${k + 1} of ${of} of ${input}, bytes ${k * 100}–${k * 100 + 99}`);
      expect(e.userError.name).toBe('RangeError');
      expect(e.userError.stack).toContain('throw-in-map.ts:8');
      expect(e.stack).toContain('throw-in-map.ts:8');
    });
  }

  it('names the rows of an in-memory table', async () => {
    const table = new Table({ line: vectorFromArray(lines, new Utf8()) });
    await expect(engines.get(3)!.run(JOB, { table, batchRows: 10 })).rejects.toThrow(
      /throw-in-map\.ts:8:\d+ map threw RangeError: .*\(split 6 of 10 of the in-memory table, rows 50–59\)/,
    );
  });

  it('the CLI prints one paragraph naming the file and line, with the user stack, and exits 1', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', JOB, '--input', input, '--workers', '2', '--split-size', '1KB'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const [first, ...rest] = r.stderr.trim().split('\n');
    expect(first).toMatch(
      /^quiver: map error: test\/fixtures\/jobs\/throw-in-map\.ts:8:\d+ map threw RangeError: cannot count "here goes boom" \(split 1 of 1 of .*lines\.txt, bytes 0–\d+\)$/,
    );
    expect(rest.join('\n')).toContain('throw-in-map.ts:8');
    expect(r.stderr).not.toMatch(/dist\/src\//);
  });
});

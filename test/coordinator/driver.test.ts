import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, runSequential } from 'quiver-engine';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';

const RANGE_SUM = path.join(ROOT, 'test/fixtures/jobs/range-sum.ts');
const BAD_FORK = path.join(ROOT, 'test/fixtures/jobs/bad-fork.ts');
const KEYED_PAIRS = path.join(ROOT, 'test/fixtures/jobs/keyed-pairs.ts');

/** What the range-sum driver should answer for `rows` rows cut into leaves of at most `leaf`: computed directly. */
function expected(rows: number, leaf: number) {
  let pieces = 0;
  const count = (lo: number, hi: number): void => {
    if (hi - lo <= leaf) pieces++;
    else {
      const mid = Math.floor((lo + hi) / 2);
      count(lo, mid);
      count(mid, hi);
    }
  };
  count(0, rows);
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += i;
  return { rows, sum, pieces, ordered: true };
}

describe('driver jobs and fork-join', () => {
  const dir = tempDir();
  const input = path.join(dir, 'lines.txt');
  const lines = 5000;
  writeFileSync(input, Array.from({ length: lines }, (_, i) => `line ${i}`).join('\n') + '\n');

  for (const workers of [1, 2, 3]) {
    describe(`${workers} worker(s)`, () => {
      const engine = new Engine({ workers });
      afterAll(() => engine.close());

      for (const leaf of [1, 37, 10_000]) {
        it(`runs a fold step then a recursion with leaves of ${leaf}, combining results in order`, async () => {
          const { table, value, report } = await engine.run(RANGE_SUM, { input, params: { leaf }, splitSize: '8KB' });
          const want = expected(lines, leaf);
          expect(value).toEqual(want);
          expect(rowsOf(table)).toEqual([want]);
          expect(report.kind).toBe('driver');
          expect(report.counters.leaves).toBe(want.pieces);
          expect(report.counters.rows).toBe(lines);
          expect(report.steps!.map((s) => [s.job, s.kind, s.runs])).toEqual([
            ['count-rows', 'fold', 1],
            ['range-sum', 'recursive', 1],
          ]);
          // Every problem is a task: the leaves conquer, the others divide.
          const kinds = report.taskRecords.filter((r) => r.kind === 'divide' || r.kind === 'conquer');
          expect(kinds.filter((r) => r.kind === 'conquer').length).toBe(want.pieces);
          expect(kinds.filter((r) => r.kind === 'divide').length).toBe(want.pieces - 1);
          const sum = Object.values(report.phases).reduce((a, b) => a + b, 0);
          expect(Math.abs(sum - report.wallMs)).toBeLessThan(report.wallMs * 0.02 + 1);
        });
      }

      it("hands a driver a keyed step's merged pairs as they are with `pairs: true`, and no table", async () => {
        const { table } = await engine.run(KEYED_PAIRS, { input, splitSize: '8KB' });
        // 'line 0' … 'line 4999': 10 lines of 6 characters, 90 of 7, 900 of 8, 4000 of 9.
        expect(rowsOf(table)).toEqual([
          { length: 6, count: 10, tableRows: 0 },
          { length: 7, count: 90, tableRows: 0 },
          { length: 8, count: 900, tableRows: 0 },
          { length: 9, count: 4000, tableRows: 0 },
        ]);
      });

      it('says what is wrong when divide returns a single sub-problem', async () => {
        await expect(engine.run(BAD_FORK, { params: { mode: 'one' } })).rejects.toThrow(
          /divide returned 1 sub-problem for problem 0 of halves; return an array of 2 or more sub-problems, or nothing/,
        );
      });

      it('stops a divide that never ends', async () => {
        await expect(engine.run(BAD_FORK, { params: { mode: 'deep' } })).rejects.toThrow(/divide is still dividing at depth 64/);
      });

      it('reports a conquer that throws with the job file and line', async () => {
        await expect(engine.run(BAD_FORK, { params: { mode: 'conquer-throws' } })).rejects.toThrow(
          /bad-fork\.ts:\d+:\d+ conquer threw RangeError: no leaf may be 1 \(problem 0(\.[01]){3} of halves\)/,
        );
      });

      it('reports a driver that throws with the job file and line', async () => {
        await expect(engine.run(BAD_FORK, { params: { mode: 'throw' } })).rejects.toThrow(
          /bad-fork\.ts:\d+:\d+ drive threw TypeError: the driver gave up/,
        );
      });

      it('refuses a step its file does not export', async () => {
        await expect(engine.run(BAD_FORK, { params: { mode: 'foreign' } })).rejects.toThrow(
          /q\.run in job "bad-fork" got job "inline", which .*bad-fork\.ts does not export/,
        );
      });

      it('sums the leaves of a clean recursion', async () => {
        const { value } = await engine.run(BAD_FORK, { params: { mode: 'ok' } });
        expect(value).toBe(8);
      });
    });
  }

  it('runs the same driver in the calling thread for the sequential baseline', async () => {
    const { value, report } = await runSequential(RANGE_SUM, { input, params: { leaf: 50 }, splitSize: '8KB' });
    expect(value).toEqual(expected(lines, 50));
    expect(report.kind).toBe('driver');
    expect(report.counters.leaves).toBe(expected(lines, 50).pieces);
    expect(report.steps!.map((s) => [s.job, s.kind, s.runs])).toEqual([
      ['count-rows', 'fold', 1],
      ['range-sum', 'recursive', 1],
    ]);
  });

  it('refuses to run a recursive job on its own, saying how', async () => {
    const file = path.join(dir, 'just-recursive.ts');
    writeFileSync(
      file,
      `import { defineJob } from 'quiver-engine';\nexport default defineJob({ name: 'r', conquer: (n: number) => n, combine: (a: number, b: number) => a + b });\n`,
    );
    const engine = new Engine({ workers: 1 });
    try {
      await expect(engine.run(file, { input })).rejects.toThrow(/job "r" is a recursive job: it runs from a driver/);
      const { result } = await engine.forkJoin(file, 21);
      expect(result).toBe(21);
    } finally {
      await engine.close();
    }
  });

  it('runs a driver from the CLI with no input, and parses a json param', () => {
    const out = execFileSync(process.execPath, [CLI, 'run', RANGE_SUM, '-w', '2', '-p', 'leaf=64', '--format', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(out)).toEqual([expected(10_000, 64)]);
    const file = path.join(dir, 'json-param.ts');
    writeFileSync(
      file,
      `import { defineJob } from 'quiver-engine';\nexport default defineJob({ name: 'j', params: { m: { type: 'json' } }, drive: (q) => ({ total: (q.params.m as number[][]).flat().reduce((a, b) => a + b, 0) }) });\n`,
    );
    const json = execFileSync(process.execPath, [CLI, 'run', file, '-p', 'm=[[1,2],[3,4]]', '--format', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(json)).toEqual([{ total: 10 }]);
    const bad = spawnSync(process.execPath, [CLI, 'run', file, '-p', 'm=[1,'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--param m must be JSON/);
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError, runSequential, TaskError } from 'quiver-engine';
import { textChunks } from '../../dist/src/datasets/text.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { readColumns, writeGroupby } from '../helpers/data.js';

const dir = tempDir();
const file = path.join(dir, 'corpus.txt');
writeFileSync(file, [...textChunks(120_000, 11)].join('') + 'last line, no newline');
const text = readFileSync(file, 'utf8');
const lines = text.split(/\r?\n/);
const fixture = (name: string) => path.join(ROOT, 'test/fixtures/jobs', name);

describe('runSequential (the T_seq baseline: the plan run in the main thread)', () => {
  for (const splitSize of ['2KB', '50KB', '10MB']) {
    it(`counts words like a plain loop with ${splitSize} splits`, async () => {
      const expected = [...referenceWordCount(text)]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([word, count]) => ({ word, count }));
      const { table, report } = await runSequential('wordcount', { input: file, splitSize, reducers: 3 });
      expect(rowsOf(table)).toEqual(expected);
      expect(report.tasks.map).toBe(report.input.splits);
      const phaseSum = Object.values(report.phases).reduce((a, b) => a + b, 0);
      expect(phaseSum).toBeLessThanOrEqual(report.wallMs + 1e-6);
    });
  }

  it('runs a job that combines in ctx.state and flushes (groupby) like a plain loop', async () => {
    const arrow = await writeGroupby(dir, 'g.arrow', 5000, 3, 700);
    const c = readColumns(arrow);
    const sums = new Map<string, number>();
    for (let i = 0; i < c.rows; i++) sums.set(c.id1[i]!, (sums.get(c.id1[i]!) ?? 0) + c.v1[i]!);
    const expected = [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id1, sum]) => ({ id1, sum_v1: sum }));
    const { table } = await runSequential('groupby', { input: arrow, params: { by: 'id1', agg: 'sum:v1' } });
    expect(rowsOf(table)).toEqual(expected);
  });

  it('runs a fold job to the same answer as a plain loop', async () => {
    const chars = lines.reduce((n, l) => n + l.length, 0);
    const { table, value } = await runSequential(fixture('line-lengths.ts'), { input: file, splitSize: '3KB' });
    expect(value).toEqual({ lines: lines.length, meanLength: expect.closeTo(chars / lines.length, 9) });
    expect(rowsOf(table)).toEqual([{ lines: lines.length, meanLength: expect.closeTo(chars / lines.length, 9) }]);
  });

  it('reports an error in user code like the engine does, naming the job file, line and split', async () => {
    const job = path.join(dir, 'bad.ts');
    writeFileSync(
      job,
      "import { defineJob } from 'quiver-engine';\nexport default defineJob({ name: 'bad', map() { throw new RangeError('nope'); }, combine: (a: number, b: number) => a + b });\n",
    );
    const err = await runSequential(job, { input: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    // The line comes from the bundle's source map, which vitest's own stack handling hides: check it in a plain node.
    const script = `import { runSequential } from 'quiver-engine'; await runSequential(${JSON.stringify(job)}, { input: ${JSON.stringify(file)} }).catch((e) => console.log(e.message));`;
    const message = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(message).toMatch(/bad\.ts:2:\d+ map threw RangeError: nope \(split 1 of 1 of .*corpus\.txt/);
  });

  it('skips and counts bad records under maxBadRecords, as the engine does (the same pipeline)', async () => {
    // Every 50th record has a field too many; the plain loop sums the others.
    const csv = path.join(dir, 'some-bad.csv');
    const rows = ['word,n'];
    const sums = new Map<string, number>();
    let badRows = 0;
    for (let i = 1; i <= 3000; i++) {
      const word = `w${i % 7}`;
      if (i % 50 === 0) {
        rows.push(`${word},${i},extra`);
        badRows++;
      } else {
        rows.push(`${word},${i}`);
        sums.set(word, (sums.get(word) ?? 0) + i);
      }
    }
    writeFileSync(csv, rows.join('\n') + '\n');
    const expected = [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, total]) => ({ word, total }));
    const job = fixture('sum-csv.ts');
    await expect(runSequential(job, { input: csv })).rejects.toThrow(
      /some-bad\.csv:51, byte \d+: bad CSV record: expected 2 fields, found 3/,
    );
    const { table } = await runSequential(job, { input: csv, maxBadRecords: badRows, splitSize: '8KB' });
    expect(rowsOf(table)).toEqual(expected);
    await expect(runSequential(job, { input: csv, maxBadRecords: badRows - 1 })).rejects.toThrow(/--max-bad-records/);
  });

  it('stops when its signal aborts, with a CancelledError, running no further task', async () => {
    const controller = new AbortController();
    let finished = 0;
    const err = await runSequential('wordcount', {
      input: file,
      splitSize: '2KB',
      signal: controller.signal,
      onProgress: (p) => {
        // Abort as the first map task finishes: the tasks after it must not run to the end.
        if (p.phase === 'map' && p.tasksDone === 1 && !controller.signal.aborted) controller.abort();
        if (p.phase === 'map') finished = p.tasksDone;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('the run was cancelled');
    expect(finished).toBe(1);
  });
});

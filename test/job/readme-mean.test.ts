import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';
import { duck, writeDuckFiles } from './real-files.js';

// The README's fold example, exactly as printed there (test/fixtures/jobs/mean.ts), over a column that
// is 60% null. Before ctx.valid it counted every row and summed the nulls' zeros: n 10000, mean 204.6.
const MEAN = path.join(ROOT, 'test/fixtures/jobs/mean.ts');
const dir = tempDir('quiver-mean-');
let files: { parquet: string; csv: string };

beforeAll(async () => {
  files = await writeDuckFiles(dir);
});

describe("the README's mean example skips nulls", () => {
  for (const format of ['parquet', 'csv'] as const) {
    it(`matches DuckDB's count(v), avg(v) on a DuckDB-written ${format} file`, async () => {
      const [want] = await duck(`SELECT count(v) AS n, avg(v) AS mean FROM '${files[format]}'`);
      const { value } = await run(MEAN, { input: files[format], workers: 2, splitSize: '16KB', params: { column: 'v' } });
      const got = value as { n: number; mean: number };
      expect(got.n).toBe(Number(want!.n));
      expect(got.n).toBe(4000);
      expect(got.mean).toBeCloseTo(want!.mean as number, 9);
    });
  }

  it('gives the same from the CLI', async () => {
    const [want] = await duck(`SELECT count(v) AS n, avg(v) AS mean FROM '${files.parquet}'`);
    const out = execFileSync(
      process.execPath,
      [CLI, 'run', MEAN, '--input', files.parquet, '--workers', '2', '--param', 'column=v', '--format', 'json', '--quiet'],
      { encoding: 'utf8' },
    );
    const [got] = JSON.parse(out) as Array<{ n: number; mean: number }>;
    expect(got!.n).toBe(Number(want!.n));
    expect(got!.mean).toBeCloseTo(want!.mean as number, 9);
  });
});

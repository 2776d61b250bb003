import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';

// A user's project outside the repository: a typed job file that imports quiver and a local helper module.
const dir = tempDir('quiver-user-');
const jobDir = path.join(dir, 'my-project', 'jobs');
mkdirSync(jobDir, { recursive: true });
writeFileSync(
  path.join(jobDir, 'letters.ts'),
  `import { defineJob } from 'quiver-engine';
import { firstLetter } from './letter.ts';

interface Params { minLength: number }

/** Counts words by their first letter, ignoring words shorter than minLength. */
export default defineJob<number, Params>({
  name: 'letters',
  params: { minLength: { type: 'integer', default: 1 } },
  output: { key: 'letter', value: 'words' },
  map(batch, emit, ctx) {
    for (const line of ctx.strings(batch, 'line')) {
      for (const w of line.split(' ')) if (w.length >= ctx.params.minLength) emit(firstLetter(w), 1);
    }
  },
  combine: (a: number, b: number) => a + b,
});
`,
);
writeFileSync(path.join(jobDir, 'letter.ts'), `export const firstLetter = (w: string): string => w[0]!.toUpperCase();\n`);
const input = path.join(dir, 'words.txt');
const text = 'apple banana avocado\ncherry  b a\n\nbanana apple\n';
writeFileSync(input, text);

/** Words per first letter, counted with a plain loop. */
function reference(minLength: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const w of text.split(/\s+/)) if (w && w.length >= minLength) counts[w[0]!.toUpperCase()] = (counts[w[0]!.toUpperCase()] ?? 0) + 1;
  return counts;
}

describe('a job file outside the repository', () => {
  it('runs through run()', async () => {
    expect(path.relative(ROOT, jobDir).startsWith('..')).toBe(true);
    const { table } = await run(path.join(jobDir, 'letters.ts'), { input, workers: 2, splitSize: '8', params: { minLength: 2 } });
    const got = Object.fromEntries(table.toArray().map((r) => [r.letter, r.words]));
    expect(got).toEqual(reference(2));
    expect(table.schema.fields.map((f) => f.name)).toEqual(['letter', 'words']);
  });

  it('runs through the CLI from its own folder', () => {
    const out = execFileSync(
      process.execPath,
      [CLI, 'run', 'jobs/letters.ts', '--input', input, '--workers', '2', '--format', 'json', '--quiet'],
      {
        cwd: path.join(dir, 'my-project'),
        encoding: 'utf8',
      },
    );
    const rows = JSON.parse(out) as Array<{ letter: string; words: number }>;
    expect(Object.fromEntries(rows.map((r) => [r.letter, r.words]))).toEqual(reference(1));
  });
});

describe('a job object from defineJob', () => {
  it('runs through run(job), which hands workers the module it was defined in', async () => {
    const { default: job } = await import('../fixtures/jobs/throw-in-map.js');
    const { table } = await run(job, { input, workers: 2 });
    const lines = text.split('\n').slice(0, -1); // the job emits every line, the empty one too
    expect(Object.fromEntries(table.toArray().map((r) => [r.key, r.value]))).toEqual(
      Object.fromEntries([...new Set(lines)].map((l) => [l, lines.filter((x) => x === l).length])),
    );
  });
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const text = path.join(dir, 'words.txt');
const lines = Array.from({ length: 500 }, (_, i) => `w${i} ${'x'.repeat((i % 7) + 1)} ab`);
writeFileSync(text, lines.join('\n') + '\n');
const job = path.join(ROOT, 'test/fixtures/jobs/named-exports.ts');

/** The reference: word counts by length, by a plain loop. */
function lengthCounts(): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of lines) for (const w of l.split(' ')) if (w) m.set(w.length, (m.get(w.length) ?? 0) + 1);
  return m;
}

describe('running a named export with job.ts#name', () => {
  it('runs the named job, not the default export', async () => {
    const r = await runCli(['run', `${job}#lengths`, '-i', text, '-w', '2', '-f', 'csv', '-q']);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header).toBe('key,value');
    expect(new Map(rows.map((row) => row.split(',').map(Number) as [number, number]))).toEqual(lengthCounts());
  });

  it('names the exports there are when the name is wrong, and the closest one', async () => {
    const r = await runCli(['run', `${job}#length`, '-i', text]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/named-exports\.ts has no export named "length"; did you mean "lengths"\? \(its job exports: lengths\)/);
  });
});

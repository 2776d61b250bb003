import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeGroupby } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

describe('quiver explain', () => {
  it('prints the splits, the tasks per worker and the partitions, without running the job', async () => {
    const text = path.join(dir, 'words.txt');
    writeFileSync(text, 'a b c\nd e\nf\n'.repeat(10)); // 120 bytes
    const arrow = await writeGroupby(dir, 'g.arrow', 2000, 71, 500);
    const [keyed, fold, all] = await Promise.all([
      runCli(['explain', 'wordcount', '-i', text, '--split-size', '8', '--workers', '3', '--reducers', '5']),
      runCli(['explain', 'linear-regression', '-i', arrow, '-p', 'x=v1', '-p', 'y=v3', '--batch-rows', '300', '-w', '2']),
      runCli(['explain', 'groupby', '-i', arrow, '-p', 'by=id1', '--batch-rows', '300', '-w', '2', '--all']),
    ]);
    for (const r of [keyed, fold, all]) expect(r.status, r.stderr).toBe(0);

    const lines = keyed.stdout.split('\n');
    expect(lines[0]).toMatch(/^job\s+wordcount \(keyed\) from jobs\/wordcount\.ts$/);
    expect(keyed.stdout).toContain(`${text}  text  120 B  → 15 split(s)`);
    expect(keyed.stdout).toMatch(/^splits\s+15 of about 8 B/m);
    expect(keyed.stdout).toMatch(/^workers\s+3 → 5\.0 tasks per worker$/m);
    expect(keyed.stdout).toMatch(/^reduce\s+5 partition\(s\), hash of the key$/m);
    expect(keyed.stdout).toContain(`split 1 of 15 of ${text}, bytes 0–7  (8 B)`);
    expect(keyed.stdout).toContain(`split 10 of 15 of ${text}, bytes 72–79`);
    expect(keyed.stdout).toMatch(/… 5 more \(--all to list them\)/);

    expect(fold.stdout).toMatch(/^job\s+linear-regression \(fold\)/);
    expect(fold.stdout).toMatch(/^params\s+x=v1 y=v3$/m);
    expect(fold.stdout).toContain('2,000 rows  → 7 split(s)');
    expect(fold.stdout).toMatch(/^workers\s+2 → 3\.5 tasks per worker$/m);
    expect(fold.stdout).toMatch(/^merge\s+fold partials merged pairwise as a tree$/m);
    expect(fold.stdout).toContain(`split 2 of 7 of ${arrow}, rows 300–599`);

    const splitLines = all.stdout.split('\n').filter((l) => /^\s+split \d+ of 7 /.test(l));
    expect(splitLines.length).toBe(7);
    expect(splitLines[6]).toContain('rows 1800–1999');
    expect(all.stdout).not.toContain('more (--all');
  });

  it('checks the params as run would', async () => {
    const text = path.join(dir, 'words.txt');
    const r = await runCli(['explain', 'grep', '-i', text]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^quiver: usage error: job "grep" needs --param pattern=<string>/);
  });
});

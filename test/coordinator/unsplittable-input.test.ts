import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const MB = 1 << 20;
const quiver = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
const hoard = path.join(ROOT, 'test/fixtures/jobs/hoard.ts');

// A text file that is one 3 MB line of words, and the same words gzipped as ordinary lines.
const words = Array.from({ length: 300_000 }, (_, i) => `w${i % 1000}`);
const oneLine = path.join(dir, 'one-line.txt');
writeFileSync(oneLine, `${words.join(' ')}\n`);
const gz = path.join(dir, 'words.txt.gz');
writeFileSync(gz, gzipSync(Buffer.from(`${words.join('\n')}\n`)));
// Ordinary lines around one 3 MB line: the planner reads only the head, the run finds the long line.
const middle = path.join(dir, 'long-middle.txt');
const short = Array.from({ length: 20_000 }, (_, i) => `short line ${i}`).join('\n');
writeFileSync(middle, `${short}\n${'z'.repeat(3 * MB)}\n${short}\n`);

describe('an input that cannot be split', () => {
  it('explain says a one-line text file cannot be split and why', () => {
    const r = quiver('explain', 'wordcount', '-i', oneLine, '--split-size', '1MB');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /one-line\.txt {2}text .* → \d+ split\(s\) {2}\(one line of [\d.]+ MB: it cannot be split and is read whole by one task/,
    );
    expect(r.stdout).toContain('--split-size cannot cut a line');
  });

  it('the run report says so, and the answer is the one a plain count gives', () => {
    const r = quiver('run', 'wordcount', '-i', oneLine, '--split-size', '1MB', '-w', '2', '-f', 'csv', '-n', '2000');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/note: .*one-line\.txt could not be split: one line of [\d.]+ MB/);
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const got = r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(new Map(got.map(([w, n]) => [w!, Number(n)]))).toEqual(counts);
  });

  it('the run report tells a long line past the first by the splits it left without a line', () => {
    const r = quiver('run', 'wordcount', '-i', middle, '--split-size', '512KB', '-w', '2', '-q', '--json-report', path.join(dir, 'r.json'));
    expect(r.status).toBe(0);
    const report = JSON.parse(spawnSync('cat', [path.join(dir, 'r.json')], { encoding: 'utf8' }).stdout);
    // The 3 MB line starts in one split and spans the next five or six, which hold no line start.
    expect(report.notes).toEqual([
      expect.stringMatching(/long-middle\.txt: [56] of \d+ splits held no line start, so a line longer than a split/),
    ]);
  });

  it('explain and the report say a gzip file cannot be split and why', () => {
    const e = quiver('explain', 'wordcount', '-i', gz);
    expect(e.stdout).toContain('gzip-compressed: not splittable, read by one task (a gzip stream decompresses only from its start');
    const r = quiver('run', 'wordcount', '-i', gz, '-n', '1');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/note: .*words\.txt\.gz could not be split: gzip-compressed/);
  });

  it('running out of memory on a gzip file does not suggest --split-size', () => {
    const r = quiver('run', hoard, '-i', gz, '-w', '1', '--worker-memory', '48mb');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^quiver: worker error: the job used more than 48 MB in one task on split 1 of 1: all of .*words\.txt\.gz \(gzip, not splittable\); raise --worker-memory \(--split-size cannot help: .*words\.txt\.gz: gzip-compressed: not splittable/,
    );
    expect(r.stderr).not.toContain('lower --split-size');
  });

  it('nor on a text file that is one line', () => {
    const r = quiver('run', hoard, '-i', oneLine, '-w', '1', '--worker-memory', '48mb', '--split-size', '1MB');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('raise --worker-memory (--split-size cannot help:');
    expect(r.stderr).not.toContain('lower --split-size');
  });
});

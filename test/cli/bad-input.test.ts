import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const text = path.join(dir, 'words.txt');
writeFileSync(text, 'a b boom\nc\n');
const fake = path.join(dir, 'fake.arrow');
writeFileSync(fake, 'id,v1\na,1\nb,2\n');
const empty = path.join(dir, 'empty.txt');
writeFileSync(empty, '');
const fixture = (name: string) => path.join(ROOT, 'test/fixtures/jobs', name);

/** A failed run reads as one short paragraph starting `quiver:`, and never as a stack of quiver's own frames. */
function expectOneParagraph(r: CliResult, exit: number, message: RegExp): void {
  expect(r.status, r.stderr).toBe(exit);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^quiver: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toContain('\n\n');
  expect(r.stderr).not.toMatch(/^\s+at .*(dist\/src|node_modules|node:internal)/m);
}

const CASES: Array<{ name: string; args: string[]; exit: number; message: RegExp }> = [
  {
    name: 'an unknown job file',
    args: ['run', 'jobs/nope.ts', '-i', text],
    exit: 1,
    message: /job file jobs\/nope\.ts does not exist; give a path to a \.ts or \.js file/,
  },
  {
    name: 'an unknown built-in job name',
    args: ['run', 'wordcounts', '-i', text],
    exit: 2,
    message: /unknown job "wordcounts"; did you mean "wordcount"\? the built-in jobs are .*grep.*, or give the path of a job file/,
  },
  {
    name: 'a job name close to none',
    args: ['run', 'xyzzy', '-i', text],
    exit: 2,
    message: /unknown job "xyzzy": the built-in jobs are .*wordcount/,
  },
  {
    name: 'a file with no default export',
    args: ['run', fixture('no-default-export.ts'), '-i', text],
    exit: 1,
    message: /no-default-export\.ts has no default export; end it with `export default defineJob\(\{ \.\.\. \}\)`/,
  },
  {
    name: 'a job that throws in map',
    args: ['run', fixture('throw-in-map.ts'), '-i', text],
    exit: 1,
    message: /throw-in-map\.ts:8:\d+ map threw RangeError: cannot count "a b boom" \(split 1 of 1 of .*words\.txt, bytes 0–10\)/,
  },
  {
    name: 'a missing input',
    args: ['run', 'wordcount', '-i', path.join(dir, 'missing.txt')],
    exit: 1,
    message: /input .*missing\.txt does not exist; check the path/,
  },
  {
    name: 'a .arrow file that is not Arrow IPC',
    args: ['run', 'wordcount', '-i', fake],
    exit: 1,
    message: /fake\.arrow is not a valid Arrow IPC file/,
  },
  {
    name: '--workers 0',
    args: ['run', 'wordcount', '-i', text, '--workers', '0'],
    exit: 2,
    message: /--workers must be a positive integer, got "0"/,
  },
  {
    name: '--workers two',
    args: ['run', 'wordcount', '-i', text, '--workers', 'two'],
    exit: 2,
    message: /--workers must be a positive integer, got "two"/,
  },
  {
    name: 'an unknown --param',
    args: ['run', 'wordcount', '-i', text, '--param', 'minLength=3'],
    exit: 2,
    message: /unknown --param "minLength" for job "wordcount": it takes no parameters/,
  },
  {
    name: 'an unknown --param of a job with params',
    args: ['run', 'grep', '-i', text, '-p', 'pattern=a', '-p', 'patern=b'],
    exit: 2,
    message: /unknown --param "patern" for job "grep": it takes "pattern", "ignoreCase", "lines", "column"/,
  },
  {
    name: 'a missing required --param',
    args: ['run', 'grep', '-i', text],
    exit: 2,
    message: /job "grep" needs --param pattern=<string> \(regular expression/,
  },
];

describe('the CLI on bad input', () => {
  // Several processes at once: each spends most of its time starting up. The library-level checks
  // behind these messages are tested in-process in test/job/ and test/planner/.
  for (let i = 0; i < CASES.length; i += 3) {
    const group = CASES.slice(i, i + 3);
    it(`fails clearly on ${group.map((c) => c.name).join('; ')}`, async () => {
      const results = await Promise.all(group.map((c) => runCli(c.args)));
      group.forEach((c, j) => {
        expectOneParagraph(results[j]!, c.exit, c.message);
      });
    });
  }

  it('prints a valid empty result for an empty input, and exits 0', async () => {
    const [table, json, csv] = await Promise.all([
      runCli(['run', 'wordcount', '-i', empty]),
      runCli(['run', 'wordcount', '-i', empty, '--format', 'json', '--quiet']),
      runCli(['run', 'grep', '-i', empty, '-p', 'pattern=x', '--format', 'csv', '--quiet']),
    ]);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/\(0 rows\)/);
    expect(table.stderr).toMatch(/^quiver: wordcount/);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(csv.status).toBe(0);
    expect(csv.stdout.trim()).toBe('file,matches');
  });
});

describe('a reader that stops early', () => {
  it('exits quietly when stdout is closed before the result is written (quiver run … | head -1)', async () => {
    const { spawn } = await import('node:child_process');
    const big = path.join(dir, 'many-words.txt');
    writeFileSync(big, Array.from({ length: 50_000 }, (_, i) => `w${i}`).join('\n') + '\n');
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'dist/src/cli/main.js'), 'run', 'wordcount', '-i', big, '-f', 'csv', '-q', '-w', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let first = '';
    child.stdout.once('data', (d) => {
      first = String(d).split('\n')[0]!;
      child.stdout.destroy();
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(first).toBe('word,count');
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});

describe('a long table on stdout', () => {
  it('prints a million rows with --limit (no stack overflow measuring column widths)', async () => {
    const { execFileSync } = await import('node:child_process');
    const many = path.join(dir, 'million-words.txt');
    writeFileSync(many, Array.from({ length: 200_000 }, (_, i) => `w${i}`).join('\n') + '\n');
    const out = execFileSync(
      process.execPath,
      [path.join(ROOT, 'dist/src/cli/main.js'), 'run', 'wordcount', '-i', many, '-q', '-w', '2', '-n', '1000000'],
      { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(200_000 + 3);
    expect(lines.at(-1)).toBe('(200,000 rows)');
    expect(lines[2]).toMatch(/^w0 +1$/);
  });
});

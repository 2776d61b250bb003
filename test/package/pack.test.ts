// What a user gets from npm: the packed tarball installed into a fresh project, then `npx quiver`
// run there on a built-in job and on the user's own TypeScript job. Answers are checked against a
// plain count of the same words.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/tmp.js';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; files: string[] };
const dir = tempDir('quiver-pack-');
const project = path.join(dir, 'project');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 7919) % 97} ${i % 5 === 0 ? 'alpha' : 'beta'}`).join('\n') + '\n';
const counts = new Map<string, number>();
for (const w of words.split(/\s+/)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);

let tarball = '';
let installLog = '';

beforeAll(() => {
  // dist/ is built by `npm test` before the suite runs; --ignore-scripts keeps prepack from rebuilding
  // it under the other test files.
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  tarball = path.join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  const install = spawnSync(npm, ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, encoding: 'utf8' });
  installLog = `${install.stdout}${install.stderr}`;
  expect(install.status, installLog).toBe(0);
  writeFileSync(path.join(project, 'words.txt'), words);
}, 300_000);

const quiver = (args: string[]) => spawnSync(npm, ['exec', '--', 'quiver', ...args], { cwd: project, encoding: 'utf8' });

function countsOf(csv: string): Map<string, number> {
  const [, ...rows] = csv.trim().split('\n');
  return new Map(rows.map((r) => r.split(',')).map(([w, n]) => [w!, Number(n)]));
}

describe('the npm package', () => {
  it('ships only what users run: no tests, benchmarks, CI scripts or source maps', () => {
    const out = execFileSync(npm, ['pack', '--ignore-scripts', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/bundle/cli.mjs');
    expect(files).toContain('jobs/wordcount.ts');
    expect(files.filter((f) => /^(test|bench|\.ci|src)\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });

  it('installs into a fresh project without engine or deprecation warnings', () => {
    expect(installLog).not.toMatch(/EBADENGINE|deprecated/i);
    expect(readdirSync(path.join(project, 'node_modules', ...pkg.name.split('/')))).toContain('package.json');
  });

  it('runs a built-in job with npx quiver', () => {
    const r = quiver(['run', 'wordcount', '--input', 'words.txt', '--workers', '2', '--output', 'counts.csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(countsOf(readFileSync(path.join(project, 'counts.csv'), 'utf8'))).toEqual(counts);
  });

  it("runs the user's own TypeScript job, importing the package by its name", () => {
    writeFileSync(
      path.join(project, 'first-letters.ts'),
      `import { defineJob } from '${pkg.name}';
export default defineJob({
  name: 'first-letters',
  map(batch, emit, ctx) {
    for (const line of ctx.strings(batch, 'line')) for (const w of line.split(' ')) if (w) emit(w[0]!, 1);
  },
  combine: (a: number, b: number) => a + b,
});
`,
    );
    const r = quiver(['run', './first-letters.ts', '--input', 'words.txt', '--output', 'letters.csv']);
    expect(r.status, r.stderr).toBe(0);
    const expected = new Map<string, number>();
    for (const [w, n] of counts) expected.set(w[0]!, (expected.get(w[0]!) ?? 0) + n);
    expect(countsOf(readFileSync(path.join(project, 'letters.csv'), 'utf8'))).toEqual(expected);
  });

  // Users run Node 20, 22 and 24; the suite runs on the machine's Node (20 here). The `node` package
  // on npm carries each release's binary, so the installed CLI is run under 22 and 24 as well.
  it.each(['22', '24'])(
    'runs the installed CLI under Node %s',
    (major) => {
      const r = spawnSync(npm, ['exec', '--yes', `--package=node@${major}`, '--', 'node', '-e', 'console.log(process.version)'], {
        cwd: project,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
      const cli = path.join(project, 'node_modules', ...pkg.name.split('/'), 'dist', 'bundle', 'cli.mjs');
      const out = `counts-${major}.csv`;
      const run = spawnSync(
        npm,
        ['exec', '--yes', `--package=node@${major}`, '--', 'node', cli, 'run', 'wordcount', '-i', 'words.txt', '-o', out, '-q'],
        { cwd: project, encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(countsOf(readFileSync(path.join(project, out), 'utf8'))).toEqual(counts);
    },
    120_000,
  );
});

describe('the package name', () => {
  it("is the one the engine pins jobs' imports to", async () => {
    const { PACKAGE_NAME } = await import('../../dist/src/layout.js');
    expect(PACKAGE_NAME).toBe(pkg.name);
  });
});

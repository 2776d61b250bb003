// The README and docs cannot rot: every fenced `sh` block in README.md and docs/*.md is run, command
// by command, in one temp folder, and must exit 0. (Commands for other machines, such as a cluster's
// hosts, are shown in `text` blocks; test/cluster runs the same commands against a local Redis.) `ts` blocks whose first line is `// name.ts` are
// written there first, so the job files the README shows are the ones its commands run. `npx quiver`
// runs this build's CLI. The set-up commands (`npm install`, `npm test`) are what CI itself runs, so
// they are not run again here; what follows them on a line (`npm run demo`) is, from the repository root.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';

interface Block {
  file: string;
  lang: string;
  line: number;
  text: string;
}

/** The fenced code blocks of a Markdown file, with the line each starts on. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    out.push({ file, lang: open[1]!, line: start + 1, text: body.join('\n') });
  }
  return out;
}

/** A block's commands: lines joined across trailing backslashes, blank lines dropped. */
function commandsOf(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const SET_UP = /^npm (install|test|ci)\b/;
const docs = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocks = docs.flatMap(blocksOf);
const dir = tempDir('quiver-readme-');
// Job files and library scripts import the package by name; resolve it to this build.
const pkgName = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
mkdirSync(path.dirname(path.join(dir, 'node_modules', pkgName)), { recursive: true });
symlinkSync(ROOT, path.join(dir, 'node_modules', pkgName), 'dir');

for (const b of blocks) {
  const named = b.lang === 'ts' ? /^\/\/ ([\w.-]+\.ts)\b/.exec(b.text) : null;
  if (named) writeFileSync(path.join(dir, named[1]!), b.text + '\n');
}

/** Runs one command line as a user would type it, with `npx quiver` meaning this build's CLI. */
function sh(command: string, cwd: string) {
  const line = command.replace(/^npx quiver\b/, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`);
  return spawnSync('bash', ['-c', line], { cwd, encoding: 'utf8', timeout: 240_000 });
}

describe('the commands shown in the README and docs', () => {
  const runnable = blocks.filter((b) => b.lang === 'sh');
  it('has commands to run', () => {
    expect(runnable.length).toBeGreaterThan(3);
  });
  for (const b of runnable) {
    for (const command of commandsOf(b.text)) {
      const rest = command.replace(/^npm (install|ci)( [^&]*)? && /, '');
      if (SET_UP.test(rest)) continue;
      it(`${b.file}:${b.line}: ${rest}`, () => {
        const r = sh(rest, rest.startsWith('npm run ') ? ROOT : dir);
        expect(r.status, `${rest}\n${r.stdout}\n${r.stderr}`).toBe(0);
      }, 300_000);
    }
  }

  it('runs the library script the README shows', () => {
    const script = path.join(dir, 'library.ts');
    const js = path.join(dir, 'library.mjs');
    // Node 20 cannot strip types itself: esbuild does what `--experimental-strip-types` does on 22.6+.
    esbuild.buildSync({ entryPoints: [script], outfile: js, format: 'esm', logLevel: 'error' });
    const r = spawnSync(process.execPath, [js], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\d+ words;/);
  }, 300_000);
});

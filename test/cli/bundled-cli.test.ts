import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { runCli } from '../helpers/cli.js';
import { hasNodeFlags, NODE_ENV, NODE_FLAGS, SHEBANG } from '../../dist/src/node-flags.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

// The CLI and its workers run from esbuild's bundle (dist/bundle, with its own copy of Arrow); the
// library runs from tsc's output with node_modules' Arrow. Jobs must share the Arrow of whichever loads them.
const SAME_ARROW = path.join(ROOT, 'test/fixtures/jobs/same-arrow.ts');
const ENGINE_API = path.join(ROOT, 'test/fixtures/jobs/engine-api.ts');
const EXEC_ARGV = path.join(ROOT, 'test/fixtures/jobs/exec-argv.ts');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: { quiver: string } };

describe('the bundled CLI', () => {
  const dir = tempDir();
  const input = path.join(dir, 'lines.txt');
  const lines = 1234;
  writeFileSync(input, Array.from({ length: lines }, (_, i) => `line ${i}`).join('\n') + '\n');

  it('is the package bin, runs as a command, and reads the package version', () => {
    const bin = path.join(ROOT, pkg.bin.quiver);
    accessSync(bin, constants.X_OK);
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });

  it('runs Node with the GC flags and malloc tunables of src/node-flags.ts, in its workers too', () => {
    const bin = path.join(ROOT, pkg.bin.quiver);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe(SHEBANG);
    expect(SHEBANG).toBe(`#!/usr/bin/env -S GLIBC_TUNABLES=${NODE_ENV.GLIBC_TUNABLES} node ${NODE_FLAGS.join(' ')}`);
    const out = execFileSync(bin, ['run', EXEC_ARGV, '-i', input, '-w', '2', '--format', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(out)).toEqual([{ flags: NODE_FLAGS.join(' '), tunables: NODE_ENV.GLIBC_TUNABLES }]);
    expect(hasNodeFlags([...NODE_FLAGS])).toBe(true);
    expect(hasNodeFlags([NODE_FLAGS[0]])).toBe(false);
  });

  for (const workers of [1, 2, 3]) {
    it(`gives a job the Arrow its workers and coordinator use, at ${workers} worker(s)`, async () => {
      const r = await runCli(['run', SAME_ARROW, '-i', input, '-w', String(workers), '--split-size', '1KB', '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{ rows: lines }]);
    });
  }

  it('gives a job every name of quiver, and quiver errors it throws stay quiver errors', async () => {
    const [ok, bad, none] = await Promise.all([
      runCli(['run', ENGINE_API, '-p', 'size=3KB', '--format', 'json']),
      runCli(['run', ENGINE_API, '-p', 'size=lots']),
      runCli(['run', ENGINE_API, '-p', 'size=none']),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([{ bytes: 3 * 1024 }]);
    // A usage error exits 2 with its own message; any other error thrown by a driver would exit 1 as the job's.
    expect([bad.status, bad.stderr]).toEqual([
      2,
      'quiver: usage error: --param size must be a size such as 4KB, 64MB or 1GB, got "lots"\n',
    ]);
    expect([none.status, none.stderr]).toEqual([2, 'quiver: usage error: --param size is none\n']);
  });

  it('lists the built-in jobs from the package folder', async () => {
    const r = await runCli(['jobs'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wordcount\s+keyed/m);
  });

  it('leaves the library on the Arrow of node_modules, so its tables are the caller’s', async () => {
    const { table } = await run(SAME_ARROW, { input, workers: 2, splitSize: '1KB' });
    expect(table.constructor).toBe(Table);
    expect(table.getChild('rows')?.toArray()).toEqual(Int32Array.of(lines));
  });
});

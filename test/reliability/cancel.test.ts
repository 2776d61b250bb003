import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CancelledError, Engine } from 'quiver-engine';
import { CLI, tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';
import { fixture, makeCorpus } from './corpus.js';

const dir = tempDir();
const { file, expected } = makeCorpus(dir);
const out = path.join(dir, 'previous.csv');
const PREVIOUS = 'word,count\nkept,1\n';

/** Runs the CLI on the looping job, sends `signal` once a worker is busy, and reports how it ended. */
function interrupt(
  signal: NodeJS.Signals | undefined,
  extra: string[] = [],
): Promise<{ code: number | null; stderr: string; afterMs: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      CLI,
      'run',
      fixture('loop'),
      '-i',
      file,
      '-w',
      '2',
      '--progress',
      'json',
      '-o',
      out,
      '--overwrite',
      ...extra,
    ]);
    let stderr = '';
    let sentAt = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (signal && !sentAt && /"workersBusy":[12]/.test(stderr)) {
        sentAt = Date.now();
        child.kill(signal);
      }
    });
    // Never leave a looping process behind, even if the test fails before it sends the signal.
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr, afterMs: Date.now() - sentAt });
    });
  });
}

describe('cancelling a run whose map never returns', () => {
  it('by AbortSignal rejects with CancelledError soon, and the engine then runs the next job right', async () => {
    const engine = new Engine({ workers: 2 });
    try {
      const controller = new AbortController();
      let abortedAt = 0;
      const running = engine.run(fixture('loop'), {
        input: file,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.workersBusy > 0 && !abortedAt) {
            abortedAt = Date.now();
            controller.abort();
          }
        },
      });
      await expect(running).rejects.toThrow(CancelledError);
      // Bounds here are generous so a loaded machine does not fail the test; the engine aims at well under 1 s.
      expect(Date.now() - abortedAt).toBeLessThan(5000);
      const { table } = await engine.run('wordcount', { input: file, splitSize: '32KB' });
      expect(rowsOf(table)).toEqual(expected);
    } finally {
      await engine.close();
    }
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`by ${signal} exits ${code} with one line, leaves the previous output byte for byte and no temp files`, async () => {
      writeFileSync(out, PREVIOUS);
      const before = readdirSync(dir).sort();
      const r = await interrupt(signal);
      expect(r.code).toBe(code);
      expect(r.afterMs).toBeLessThan(5000);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`quiver: cancelled by ${signal}`);
      expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
      expect(readdirSync(dir).sort()).toEqual(before);
    });
  }

  it('by --timeout exits 124 saying so', async () => {
    writeFileSync(out, PREVIOUS);
    const r = await interrupt(undefined, ['--timeout', '1s']);
    expect(r.code).toBe(124);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'quiver: timed out after 1s (--timeout); raise --timeout, or give the run less input',
    );
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
  });
});

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run, TaskError, UsageError } from 'quiver-engine';
import { CLI, tempDir } from '../helpers/tmp.js';
import { fixture, makeCorpus } from './corpus.js';

const dir = tempDir();
const { file, expected } = makeCorpus(dir);
const PREVIOUS = 'word,count\nkept,1\n';

function outputIn(name: string): { out: string; folder: string } {
  const folder = path.join(dir, name);
  spawnSync('mkdir', ['-p', folder]);
  const out = path.join(folder, 'counts.csv');
  writeFileSync(out, PREVIOUS);
  return { out, folder };
}

describe('writing the output', () => {
  it('refuses to replace an existing file without --overwrite, naming the flag', async () => {
    const { out } = outputIn('refuse');
    await expect(run('wordcount', { input: file, workers: 1, output: out })).rejects.toThrow(
      new UsageError(`--output ${out} already exists; pass --overwrite to replace it`),
    );
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
    const r = spawnSync(process.execPath, [CLI, 'run', 'wordcount', '-i', file, '-o', out], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`quiver: usage error: --output ${out} already exists; pass --overwrite to replace it\n`);
  });

  it('replaces it with --overwrite, through a temp file that is gone afterwards', async () => {
    const { out, folder } = outputIn('replace');
    await run('wordcount', { input: file, workers: 2, output: out, overwrite: true });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('word,count');
    expect(
      lines.slice(1).map((l) => {
        const [word, count] = l.split(',');
        return { word, count: Number(count) };
      }),
    ).toEqual(expected);
    expect(readdirSync(folder)).toEqual(['counts.csv']);
  });

  it('leaves the previous output byte for byte, and no temp file, when the run fails', async () => {
    const { out, folder } = outputIn('failed');
    await expect(
      run(fixture('fold-throws'), { input: file, workers: 2, splitSize: '64KB', params: { in: 'finish' }, output: out, overwrite: true }),
    ).rejects.toThrow(TaskError);
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
    expect(readdirSync(folder)).toEqual(['counts.csv']);
  });

  it('leaves it when the run is cancelled while it writes', async () => {
    const { out, folder } = outputIn('cancelled');
    const controller = new AbortController();
    const running = run('wordcount', {
      input: file,
      workers: 2,
      output: out,
      overwrite: true,
      signal: controller.signal,
      onProgress: (p) => p.phase === 'write' && controller.abort(),
    });
    await expect(running).rejects.toThrow(/cancelled/);
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
    expect(readdirSync(folder)).toEqual(['counts.csv']);
  });
});

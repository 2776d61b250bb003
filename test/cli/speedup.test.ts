import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';
import { parseXml } from '../helpers/xml.js';

const dir = tempDir();
const file = path.join(dir, 'corpus.txt');
writeFileSync(file, [...textChunks(40_000, 5)].join(''));
const quiver = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });

describe('quiver speedup', () => {
  it('prints the scaling and phase tables and writes JSON, SVG and HTML', () => {
    const out = (ext: string) => path.join(dir, `speedup.${ext}`);
    const r = quiver(
      'speedup',
      'wordcount',
      '-i',
      file,
      '--split-size',
      '8KB',
      '--workers',
      '2,1',
      '--repeat',
      '1',
      '--warmup',
      '0',
      '--json',
      out('json'),
      '--svg',
      out('svg'),
      '--html',
      out('html'),
    );
    expect(r.stderr).toContain('speedup: 2 workers, run 1 of 1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^quiver speedup: wordcount — [\d,]+ rows/);
    expect(r.stdout).toMatch(/^sequential\s+[\d.]+ m?s/m);
    expect(r.stdout).toMatch(/^2\s+[\d.]+ m?s\s+0%\s+[\d.]+/m);
    expect(r.stdout).toContain('read+decode');
    expect(JSON.parse(readFileSync(out('json'), 'utf8')).points).toHaveLength(2);
    expect(parseXml(readFileSync(out('svg'), 'utf8')).name).toBe('svg');
    expect(readFileSync(out('html'), 'utf8')).toMatch(/^<!doctype html>[\s\S]*<figure class="chart" data-chart="speedup"><svg/);
  });

  it('prints JSON to stdout with a bare --json', () => {
    const r = quiver(
      'speedup',
      'wordcount',
      '-i',
      file,
      '--workers',
      '1',
      '--repeat',
      '1',
      '--warmup',
      '0',
      '--no-sequential',
      '--json',
      '-q',
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('quiver-speedup/1');
    expect(report.sequential).toBeNull();
  });

  it('says what is wrong with a bad worker list', () => {
    const r = quiver('speedup', 'wordcount', '-i', file, '--workers', '1,two');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workers must be a positive integer, got "two"');
  });

  it('checks the output folders before it starts measuring', () => {
    const r = quiver('speedup', 'wordcount', '-i', file, '--html', path.join(dir, 'no-such-folder', 'r.html'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--html .*r\.html: folder .*no-such-folder does not exist/);
    expect(r.stderr).not.toContain('speedup: sequential');
  });

  it('fails with exit 1 when the results differ between worker counts', () => {
    const r = quiver(
      'speedup',
      path.join(ROOT, 'test/fixtures/jobs/reducer-count.ts'),
      '-i',
      file,
      '--workers',
      '1,2',
      '--repeat',
      '1',
      '--warmup',
      '0',
      '-q',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('quiver: merge error: the result of 2 workers differs from the result of');
  });
});

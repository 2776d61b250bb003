import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Table, vectorFromArray, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** The lines of a text file as the job sees them: split on \n or \r\n, no empty line after a final newline. */
function linesOf(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Matching lines per file, counted with a plain loop; files with lines but no match count 0. */
function referenceCounts(files: Record<string, string>, re: RegExp) {
  return Object.keys(files)
    .sort()
    .filter((f) => linesOf(files[f]!).length > 0)
    .map((file) => ({ file, matches: linesOf(files[file]!).filter((l) => re.test(l)).length }));
}

/** Distinct matching lines per file with their counts, sorted by file then line. */
function referenceLines(files: Record<string, string>, re: RegExp) {
  const rows: Array<{ file: string; line: string; matches: number }> = [];
  for (const file of Object.keys(files).sort()) {
    const counts = new Map<string, number>();
    for (const l of linesOf(files[file]!)) if (re.test(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
    for (const line of [...counts.keys()].sort()) rows.push({ file, line, matches: counts.get(line)! });
  }
  return rows;
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const corpus = path.join(dir, 'corpus.txt');
const small = path.join(dir, 'small.txt');
const texts: Record<string, string> = {
  [corpus]: [...textChunks(60_000, 5)].join('') + 'Zebra crossing\r\n\r\nüber zebra ZEBRA\n\nlast line without newline zebra',
  [small]: 'alpha\nbeta\r\ngamma alpha\n\nALPHA\nalphabet soup\n',
};
for (const [f, t] of Object.entries(texts)) writeFileSync(f, t);

describe('grep', () => {
  const cases = [
    { file: small, label: 'a 40-byte file in 1-byte splits', splitSize: '1' },
    { file: corpus, label: '1KB splits', splitSize: '1KB' },
    { file: corpus, label: '7KB splits', splitSize: '7KB' },
    { file: corpus, label: 'one split bigger than the input', splitSize: '10MB' },
  ];
  const patterns = [
    { pattern: 'alpha|zebra', ignoreCase: false },
    { pattern: '^[a-f]+ [a-f]+', ignoreCase: false },
    { pattern: 'ZEBRA|Alpha', ignoreCase: true },
  ];
  for (const workers of [1, 2, 3]) {
    for (const c of cases) {
      it(`counts matching lines with ${workers} worker(s), ${c.label}`, async () => {
        for (const p of patterns) {
          const re = new RegExp(p.pattern, p.ignoreCase ? 'i' : '');
          const { table } = await engines.get(workers)!.run('grep', { input: c.file, params: p, splitSize: c.splitSize });
          expect(rowsOf(table)).toEqual(referenceCounts({ [c.file]: texts[c.file]! }, re));
        }
      });
      it(`lists the matching lines with ${workers} worker(s), ${c.label}`, async () => {
        const re = /alpha|zebra|^[a-c]+ [a-c]+/i;
        const { table } = await engines
          .get(workers)!
          .run('grep', { input: c.file, params: { pattern: re.source, ignoreCase: true, lines: true }, splitSize: c.splitSize });
        expect(rowsOf(table)).toEqual(referenceLines({ [c.file]: texts[c.file]! }, re));
      });
    }
  }

  it('counts per file over a directory and over a glob, and an empty file has no row', async () => {
    const sub = path.join(dir, 'many');
    mkdirSync(sub);
    const files: Record<string, string> = {
      [path.join(sub, 'a.txt')]: texts[small]!,
      [path.join(sub, 'b.log')]: [...textChunks(9_000, 6)].join(''),
      [path.join(sub, 'c.txt')]: 'no match here\n',
      [path.join(sub, 'empty.txt')]: '',
    };
    for (const [f, t] of Object.entries(files)) writeFileSync(f, t);
    const re = /alpha|ab/;
    const fromDir = await engines.get(3)!.run('grep', { input: sub, params: { pattern: re.source }, splitSize: '2KB' });
    expect(rowsOf(fromDir.table)).toEqual(referenceCounts(files, re));
    expect(rowsOf(fromDir.table).map((r) => r.file)).toContain(path.join(sub, 'c.txt'));
    const txt = Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith('.txt')));
    const fromGlob = await engines.get(2)!.run('grep', { input: path.join(sub, '*.txt'), params: { pattern: re.source } });
    expect(rowsOf(fromGlob.table)).toEqual(referenceCounts(txt, re));
  });

  it('gives an empty result for an empty text file', async () => {
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '');
    for (const workers of [1, 3]) {
      const { table, report } = await engines.get(workers)!.run('grep', { input: empty, params: { pattern: 'x' } });
      expect(table.numRows).toBe(0);
      expect(report.input.bytes).toBe(0);
    }
  });

  it('searches a string column of an in-memory table', async () => {
    const names = Array.from({ length: 500 }, (_, i) => `name-${(i * 7) % 60}`);
    const table = new Table({ name: vectorFromArray(names, new Utf8()) });
    const { table: out } = await engines.get(2)!.run('grep', { table, params: { pattern: '-1\\d$', column: 'name' }, batchRows: 64 });
    expect(rowsOf(out)).toEqual([{ file: '<table>', matches: names.filter((n) => /-1\d$/.test(n)).length }]);
  });

  it('says the pattern is not a valid regular expression', async () => {
    await expect(engines.get(1)!.run('grep', { input: small, params: { pattern: 'a(' } })).rejects.toThrow(
      /--param pattern is not a valid regular expression/,
    );
  });
});

import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { tempDir } from '../helpers/tmp.js';
import { enginesFor } from '../helpers/data.js';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';

const dir = tempDir();
const file = path.join(dir, 'corpus.txt');
writeFileSync(file, [...textChunks(200_000, 7)].join('') + 'tail line without newline  ünïcödé wörds\r\nlast');
const text = readFileSync(file, 'utf8');
const engines = enginesFor([1, 2, 3]);
const expected = [...referenceWordCount(text)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count }));

describe('wordcount', () => {
  for (const workers of [1, 2, 3]) {
    for (const splitSize of ['1KB', '37KB', '10MB']) {
      it(`matches a sequential count with ${workers} worker(s) and ${splitSize} splits`, async () => {
        const { table, report } = await engines.get(workers)!.run('wordcount', { input: file, splitSize });
        expect(rowsOf(table)).toEqual(expected);
        expect(report.input.splits).toBeGreaterThan(0);
      });
    }
  }
});

describe('wordcount on small, empty and several inputs', () => {
  const tiny = path.join(dir, 'tiny.txt');
  const tinyText = 'a b\r\nc  a\n\n  b   \nä ö ä\nend';
  writeFileSync(tiny, tinyText);
  const sub = path.join(dir, 'several');
  mkdirSync(sub);
  const parts = ['one two two\n', [...textChunks(20_000, 8)].join(''), '', 'three\nthree three'];
  parts.forEach((t, i) => {
    writeFileSync(path.join(sub, `part-${i}.txt`), t);
  });
  const sorted = (m: Map<string, number>) =>
    [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count }));

  for (const workers of [1, 2, 3]) {
    it(`counts a 30-byte file in 1-byte splits with ${workers} worker(s)`, async () => {
      const { table } = await engines.get(workers)!.run('wordcount', { input: tiny, splitSize: '1' });
      expect(rowsOf(table)).toEqual(sorted(referenceWordCount(tinyText)));
    });
    it(`counts a directory and a glob of several files (one empty) with ${workers} worker(s)`, async () => {
      const expected = sorted(referenceWordCount(parts.join('\n')));
      const fromDir = await engines.get(workers)!.run('wordcount', { input: sub, splitSize: '4KB' });
      expect(rowsOf(fromDir.table)).toEqual(expected);
      const fromGlob = await engines.get(workers)!.run('wordcount', { input: path.join(sub, 'part-*.txt'), batchRows: 5 });
      expect(rowsOf(fromGlob.table)).toEqual(expected);
      expect(fromGlob.report.input.files).toBe(4);
    });
  }

  it('gives an empty result for an empty text file', async () => {
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const { table, report } = await engines.get(2)!.run('wordcount', { input: empty });
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['word', 'count']);
    expect(report.output.rows).toBe(0);
  });
});

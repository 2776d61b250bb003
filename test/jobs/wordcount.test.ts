import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver';
import { textChunks } from '../../dist/src/datasets/text.js';
import { tempDir } from '../helpers/tmp.js';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';

const dir = tempDir();
const file = path.join(dir, 'corpus.txt');
writeFileSync(file, [...textChunks(200_000, 7)].join('') + 'tail line without newline  ünïcödé wörds\r\nlast');
const text = readFileSync(file, 'utf8');
const expected = [...referenceWordCount(text)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count }));

describe('wordcount', () => {
  for (const workers of [1, 2, 3]) {
    for (const splitSize of ['1KB', '37KB', '10MB']) {
      it(`matches a sequential count with ${workers} worker(s) and ${splitSize} splits`, async () => {
        const { table, report } = await run('wordcount', { input: file, workers, splitSize });
        expect(rowsOf(table)).toEqual(expected);
        expect(report.input.splits).toBeGreaterThan(0);
      });
    }
  }
});

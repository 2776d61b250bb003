import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTextSplit } from '../../dist/src/io/read-text.js';
import { splitTextFile } from '../../dist/src/planner/text.js';
import { tempDir } from '../helpers/tmp.js';

/** The lines of a text as `text.split(/\r?\n/)` gives them, without the empty string after a final newline. */
function referenceLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (/\n$/.test(text)) lines.pop();
  return lines;
}

/** Every line read by every split of `file`, in order. */
async function linesOverSplits(file: string, bytes: number, splitBytes: number, batchRows: number): Promise<string[]> {
  const out: string[] = [];
  for (const split of splitTextFile(file, bytes, splitBytes, 0)) {
    for (const batch of await readTextSplit(split, batchRows)) {
      expect(batch.numRows).toBeLessThanOrEqual(batchRows);
      out.push(...(batch.getChild('line')!.toArray() as string[]));
    }
  }
  return out;
}

const dir = tempDir();
const hugeLine = 'x'.repeat(150_000) + 'é';
const TEXTS: Record<string, string> = {
  'plain lines': 'one\ntwo\nthree\n',
  'CRLF line ends': 'one\r\ntwo\r\n\r\nthree\r\n',
  'mixed LF and CRLF, a lone CR inside a line': 'a\r\nb\nc\rd\r\n\ne',
  'no trailing newline': 'first line\nsecond line',
  'empty lines only': '\n\n\n',
  'a single newline': '\n',
  'a single CRLF': '\r\n',
  'one line without newline': 'lonely',
  'empty lines around text': '\n\nmiddle\n\n\nend\n\n',
  'multi-byte characters across every boundary': 'é€😀 naïve\n日本語のテキスト\n😀😀😀😀😀\nüber€\n',
  'CR at the end of the file': 'last\r',
  'one huge line between short ones': `short\n${hugeLine}\nafter\r\n${hugeLine}`,
};

describe('text splits', () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(`read every line exactly once: ${name}`, async () => {
      const file = path.join(dir, name.replace(/\W+/g, '-') + '.txt');
      writeFileSync(file, text);
      const bytes = Buffer.byteLength(text);
      const expected = referenceLines(text);
      const sizes = bytes > 1000 ? [7_000, 40_000, 64 * 1024, 100_000, bytes + 1] : [1, 2, 3, 4, 5, 7, 11, bytes, bytes + 1];
      for (const splitBytes of sizes) {
        for (const batchRows of [1, 2, 1000]) {
          expect(await linesOverSplits(file, bytes, splitBytes, batchRows), `${splitBytes}-byte splits, ${batchRows}-row batches`).toEqual(
            expected,
          );
        }
      }
    });
  }

  it('has no splits for an empty file', () => {
    expect(splitTextFile('empty.txt', 0, 1024, 0)).toEqual([]);
  });

  it('cut a file into ranges of the split size that cover it', () => {
    const splits = splitTextFile('f.txt', 1000, 300, 5);
    expect(splits.map((s) => [s.id, s.start, s.end])).toEqual([
      [5, 0, 300],
      [6, 300, 600],
      [7, 600, 900],
      [8, 900, 1000],
    ]);
  });
});

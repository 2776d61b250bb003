import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Int32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { spaceAt } from '../../dist/jobs/wordcount/word-counts.js';
import { enginesFor } from '../helpers/data.js';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { tempDir } from '../helpers/tmp.js';

// Word count cuts words from UTF-8 bytes (jobs/wordcount/word-counts.ts); these check it against
// `split(/\s+/)` on JS strings where bytes and strings could part ways.

const dir = tempDir();
const engines = enginesFor([1, 2]);
const sorted = (m: Map<string, number>) =>
  [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count }));

/** Every character JavaScript's \s matches. */
const SPACES = [...Array(0x3001).keys(), 0xfeff].map((c) => String.fromCharCode(c)).filter((c) => /\s/.test(c));

describe('word count from bytes', () => {
  it('finds whitespace in the bytes exactly where /\\s/ does, for every code point', () => {
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const b = Buffer.from(`${ch}x`, 'utf8');
      const want = /\s/.test(ch) ? b.length - 1 : 0;
      if (spaceAt(b, 0, b.length) !== want) wrong.push(cp.toString(16));
      // A continuation byte is never the start of whitespace.
      for (let k = 1; k < b.length - 1; k++) if (spaceAt(b, k, b.length) !== 0) wrong.push(`${cp.toString(16)}+${k}`);
    }
    expect(wrong).toEqual([]);
    expect(SPACES.length).toBe(25);
  });

  const words = ['ünïcödé', 'wörds', '中文字', '😀x😀', 'a', 'abcdefghijklmnop', 'abcdefghijklmnoq', 'x\u200by', 'ǅ', 'word'];
  let s = 7;
  const next = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    let line = '';
    // Some lines far longer than a split, so words and lines cross split boundaries.
    const n = i % 50 === 0 ? 600 : next(12);
    for (let j = 0; j < n; j++) line += words[next(words.length)]! + SPACES[next(SPACES.length)]!.repeat(1 + next(2));
    lines.push(line);
  }
  const text = lines.join('\n') + '\r\n\r\nlast\u3000line\u00a0no newline';
  const file = path.join(dir, 'spaces.txt');
  writeFileSync(file, text);
  const expected = sorted(referenceWordCount(text));

  for (const workers of [1, 2]) {
    for (const splitSize of ['7', '1KB', '64KB']) {
      it(`counts multi-byte words between every kind of whitespace as split(/\\s+/) does (${workers} worker(s), ${splitSize} splits)`, async () => {
        const { table } = await engines.get(workers)!.run('wordcount', { input: file, splitSize, batchRows: 3 });
        expect(rowsOf(table)).toEqual(expected);
      });
    }
  }

  it('counts lines of other layouts (dictionary, nulls, bytes that are not UTF-8) as their strings split', async () => {
    const plain = ['a b', 'b\u00a0c', 'c c c'];
    const dict = makeVector({
      type: new Dictionary(new Utf8(), new Int32()),
      data: Int32Array.from([0, 1, 0, 2]),
      dictionary: vectorFromArray(plain, new Utf8()),
    });
    // Lines with a null among them, and bytes that are not UTF-8 (each decodes to U+FFFD, so 0xff and 0xfe are one word).
    const raw = Buffer.concat([Buffer.from('x '), Buffer.from([0xff]), Buffer.from(' y '), Buffer.from([0xfe]), Buffer.from('ok\u2003ok')]);
    const bad = makeData({
      type: new Utf8(),
      length: 3,
      nullCount: 1,
      nullBitmap: Uint8Array.from([0b101]),
      valueOffsets: Int32Array.from([0, 6, 9, raw.length]),
      data: raw,
    });
    const cases: Array<[string, Table, string[]]> = [
      ['dict', new Table({ line: dict }), [plain[0]!, plain[1]!, plain[0]!, plain[2]!]],
      ['invalid', new Table({ line: makeVector(bad) }), [raw.subarray(0, 6).toString('utf8'), raw.subarray(9).toString('utf8')]],
    ];
    for (const [name, t, strings] of cases) {
      // An Arrow file whose Utf8 column holds bytes that are not UTF-8 is corrupt, and its reader refuses
      // it naming the file; an in-memory table is the job's to read, and word count splits its strings.
      const input = path.join(dir, `${name}.arrow`);
      writeFileSync(input, tableToIPC(t, 'file'));
      const fromFile = await engines
        .get(2)!
        .run('wordcount', { input })
        .catch((e: Error) => e);
      if (name === 'invalid') {
        expect((fromFile as Error).message).toMatch(/invalid\.arrow.*column "line": its strings are not valid UTF-8/);
      } else {
        expect(rowsOf((fromFile as { table: Table }).table), name).toEqual(sorted(referenceWordCount(strings.join('\n'))));
      }
      const { table } = await engines.get(2)!.run('wordcount', { table: t });
      expect(rowsOf(table), name).toEqual(sorted(referenceWordCount(strings.join('\n'))));
    }
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEXT_FOLDER_FILES, writeTextFolder } from '../../dist/src/datasets/text-folder.js';
import { makeVocabulary, textChunks, VOCABULARY_SIZE, writeTextFile } from '../../dist/src/datasets/text.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

describe('generated text', () => {
  it('is about the bytes asked for, in lines of 4–16 words of the vocabulary, the same for a seed', async () => {
    const bytes = 3 << 20;
    const file = path.join(dir, 'words.txt');
    await writeTextFile(file, bytes, 9);
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBeGreaterThanOrEqual(bytes);
    expect(text.length).toBeLessThan(bytes + 200); // at most one line past
    const vocabulary = new Set(makeVocabulary(9));
    expect(vocabulary.size).toBe(VOCABULARY_SIZE);
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) {
      const words = line.split(' ');
      expect(words.length).toBeGreaterThanOrEqual(4);
      expect(words.length).toBeLessThanOrEqual(16);
      for (const w of words) expect(vocabulary.has(w)).toBe(true);
    }
    expect([...textChunks(10_000, 9)].join('')).toBe([...textChunks(10_000, 9)].join(''));
    expect([...textChunks(10_000, 10)].join('')).not.toBe([...textChunks(10_000, 9)].join(''));
  });

  it("follows Zipf's law: the k-th word of the vocabulary is about 1/k as frequent as the first", () => {
    const vocabulary = makeVocabulary(4);
    const counts = new Map<string, number>();
    for (const chunk of textChunks(4 << 20, 4)) for (const w of chunk.split(/\s+/)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
    const first = counts.get(vocabulary[0]!)!;
    for (const k of [2, 3, 5, 10]) expect((counts.get(vocabulary[k - 1]!)! * k) / first).toBeCloseTo(1, 0);
  });

  it('a text folder: files part-00 … of unequal sizes, proportional to 1, 2, …, with different text', async () => {
    const folder = path.join(dir, 'texts');
    const bytes = 4 << 20;
    await writeTextFolder(folder, bytes, 2);
    const names = readdirSync(folder).sort();
    expect(names).toEqual(Array.from({ length: TEXT_FOLDER_FILES }, (_, i) => `part-0${i}.txt`));
    const shares = (TEXT_FOLDER_FILES * (TEXT_FOLDER_FILES + 1)) / 2;
    names.forEach((n, i) => {
      const size = statSync(path.join(folder, n)).size;
      expect(size / ((bytes * (i + 1)) / shares)).toBeCloseTo(1, 1);
    });
    expect(readFileSync(path.join(folder, names[0]!), 'utf8').slice(0, 200)).not.toBe(
      readFileSync(path.join(folder, names[1]!), 'utf8').slice(0, 200),
    );
  });
});

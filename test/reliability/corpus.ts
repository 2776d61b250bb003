import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { textChunks } from '../../dist/src/datasets/text.js';
import { referenceWordCount } from '../helpers/reference.js';

/** A small text corpus in `dir` and its word counts computed sequentially, as `{ word, count }` rows sorted by word. */
export function makeCorpus(
  dir: string,
  bytes = 300_000,
  seed = 11,
): { file: string; expected: Array<{ word: string; count: number }>; top: string; lines: number } {
  const file = path.join(dir, `corpus-${seed}.txt`);
  writeFileSync(file, [...textChunks(bytes, seed)].join(''));
  const text = readFileSync(file, 'utf8');
  const counts = referenceWordCount(text);
  const expected = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count }));
  const top = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  return { file, expected, top, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
}

/** Fixture job paths. */
export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/jobs');
export const fixture = (name: string) => path.join(FIXTURES, `${name}.ts`);

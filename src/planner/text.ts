import type { TextSplit } from './split.js';

/**
 * Cuts a text file into byte ranges of about `splitBytes`. Lines are not looked at here: a split owns
 * the lines that start inside its range, which the worker finds by reading a little past its end.
 */
export function splitTextFile(file: string, bytes: number, splitBytes: number, firstId: number): TextSplit[] {
  const splits: TextSplit[] = [];
  for (let start = 0; start < bytes; start += splitBytes) {
    const end = Math.min(bytes, start + splitBytes);
    splits.push({ kind: 'text', id: firstId + splits.length, file, start, end, bytes: end - start });
  }
  return splits;
}

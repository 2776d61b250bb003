// Hand-written sequential word count: read the file as one string, split it into lines and each line
// on /\s+/ (the tokenization of jobs/wordcount.ts: no case folding), count in a Map.
//   node bench/baselines/wordcount.mjs <file>     prints word,count sorted by word
import { readFileSync } from 'node:fs';
import { runIfMain } from './common.mjs';

/** Word → count for the text file. */
export function wordcount(file) {
  const text = readFileSync(file, 'utf8');
  const counts = new Map();
  for (const line of text.split('\n')) {
    for (const word of line.split(/\s+/)) {
      if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}

runIfMain(import.meta.url, ['word', 'count'], wordcount);

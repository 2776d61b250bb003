import { defineJob } from 'quiver-engine';

/**
 * Counts words: maximal runs of non-whitespace characters, as they are (no case folding).
 *
 *   quiver run wordcount -i corpus.txt -o counts.parquet
 */
export default defineJob({
  name: 'wordcount',
  description: 'count each word (runs of non-whitespace) in text input',
  columns: ['line'],
  output: { key: 'word', value: 'count' },
  map(batch, emit, ctx) {
    for (const line of ctx.strings(batch, 'line')) {
      for (const word of line.split(/\s+/)) if (word !== '') emit(word, 1);
    }
  },
  combine: (a: number, b: number) => a + b,
});

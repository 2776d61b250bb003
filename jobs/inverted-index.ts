import { defineJob, type JobContext, type ParamsSpec } from 'quiver-engine';
import { firstPostings, indexTable, sortedPostings, splitKeyOf, splitStart, type SplitLines } from './inverted-index/postings.js';

/**
 * Reverse index (Phoenix's reverse_index, over lines): for each word, the sorted list of places it
 * occurs in a set of text files. Output: `word` (Utf8, sorted by UTF-16 code units, like every keyed
 * job) and `postings`, a List<Struct<file: Dictionary<Utf8>, line: Int32>> sorted by (file, line);
 * lines are 1-based in their file, and a word twice on one line is listed once for that line.
 *
 * A word is a maximal run of Unicode letters, digits and combining marks in the lower-cased line, so
 * "Word," and "word" are one entry (wordcount, by contrast, counts whitespace-separated runs as they
 * are, as Phoenix's word count does; an index is for lookup). Params: `minLength` (in characters),
 * `stopwords` (a list; those words, in any case, are left out).
 *
 *   quiver datasets generate texts -o corpus/ --mb 20
 *   quiver run inverted-index -i corpus/ -p minLength=3 -p stopwords=the,a,of -o index.arrow
 *
 * .arrow and .parquet keep the nested column; .json and .ndjson write postings as arrays of
 * {file, line} objects; a CSV cell holds that array as JSON text.
 *
 * A driver with two passes. A task reads a byte range of a file and cannot know how many lines came
 * before it, so the first pass (a fold) counts the lines of each split, and the driver turns the
 * counts into the number of each split's first line (a prefix sum per file) for the second pass, a
 * keyed job, as the `json` param `starts`. Each worker gathers its postings per word in `ctx.state`
 * and emits them once (`flush`); reducers concatenate and sort them. Lines skipped as bad records
 * (`--max-bad-records`) are not counted, so the lines after them in their file number lower.
 */
const WORD_PARAMS: ParamsSpec = {
  minLength: { type: 'integer', default: 1, description: 'shortest word indexed, in characters' },
  stopwords: { type: 'list', default: [], description: 'words left out of the index, e.g. the,a,of' },
};

/** Pass 1: the lines in each split (the lines that start in its byte range). */
export const lineCounts = defineJob({
  name: 'inverted-index-lines',
  columns: ['line'],
  identity: (): SplitLines[] => [],
  fold(acc: SplitLines[], batch, ctx) {
    const file = ctx.split.file;
    const start = splitStart(ctx.split);
    const last = acc[acc.length - 1];
    if (last?.file === file && last.start === start) last.lines += batch.numRows;
    else acc.push({ file, start, lines: batch.numRows });
    return acc;
  },
  merge: (a: SplitLines[], b: SplitLines[]) => a.concat(b),
});

interface IndexState {
  words: Map<string, number[]>;
  split?: number;
  next: number;
  skip: (word: string) => boolean;
}

/** Pass 2: word → postings, numbered from each split's first line. */
export const postings = defineJob({
  name: 'inverted-index-postings',
  params: { ...WORD_PARAMS, starts: { type: 'json', description: 'posting of the first line of each split (set by the driver)' } },
  columns: ['line'],
  output: { key: 'word', value: 'postings' },
  map(batch, _emit, ctx) {
    const state = stateOf(ctx);
    if (state.split !== ctx.split.id) {
      const start = (ctx.params.starts as Record<string, number>)[splitKeyOf(ctx.split.file, splitStart(ctx.split))];
      if (start === undefined) throw new Error(`no line count for ${ctx.split.describe}: the two passes planned different splits`);
      state.split = ctx.split.id;
      state.next = start;
    }
    const { words, skip } = state;
    const word = /[\p{L}\p{N}\p{M}]+/gu;
    for (const line of ctx.strings(batch, 'line')) {
      const posting = state.next++;
      const lower = line.toLowerCase();
      for (let m = word.exec(lower); m !== null; m = word.exec(lower)) {
        const w = m[0];
        if (skip(w)) continue;
        const list = words.get(w);
        if (list === undefined) words.set(w, [posting]);
        else if (list[list.length - 1] !== posting) list.push(posting);
      }
    }
  },
  flush(emit, ctx) {
    const state = stateOf(ctx);
    for (const [w, list] of state.words) emit(w, [Float64Array.from(list)]);
    state.words = new Map();
  },
  combine: (a: Float64Array[], b: Float64Array[]) => a.concat(b),
  reduce: (_word, chunks: Float64Array[]) => sortedPostings(chunks),
});

function stateOf(ctx: JobContext): IndexState {
  const state = ctx.state as Partial<IndexState>;
  if (state.words === undefined) {
    const min = ctx.params.minLength as number;
    const stop = new Set((ctx.params.stopwords as string[]).map((w) => w.toLowerCase()));
    // Code points, not UTF-16 units; only counted when the word is short enough for it to matter.
    const short = (w: string) => w.length < min || (w.length < 2 * min && [...w].length < min);
    Object.assign(state, { words: new Map(), next: 0, skip: (w: string) => (min > 1 && short(w)) || stop.has(w) });
  }
  return state as IndexState;
}

export default defineJob({
  name: 'inverted-index',
  description: 'for each word, the sorted (file, line) places it occurs in text files (reverse index)',
  params: WORD_PARAMS,
  async drive(q) {
    const counted = await q.run(lineCounts);
    const { files, starts } = firstPostings(counted.value as SplitLines[]);
    const step = await q.run(postings, { params: { ...q.params, starts } });
    q.count('files', files.length);
    q.count('lines', counted.rows);
    return indexTable(step.table, files);
  },
});

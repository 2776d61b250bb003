import { Dictionary, Field, Int32, List, Struct, Table, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import type { SplitInfo } from 'quiver-engine';

/**
 * A posting — (file, line) — travels as one number, `file rank × 2³² + line`, so the postings of a
 * word are a Float64Array, sorting it numerically sorts by (file, line), and the postings of one split
 * are `start + row` where `start` is the posting of its first line.
 */
const FILE_STRIDE = 2 ** 32;

/** The lines one task read from a split: the first pass of the index. */
export interface SplitLines {
  file: string;
  start: number;
  lines: number;
}

/** Where a split starts in its file: its byte offset for text, its first row for row-addressed formats. */
export function splitStart(split: SplitInfo): number {
  return split.byteStart ?? split.rowStart ?? 0;
}

/** The key of a split in the `starts` param. */
export function splitKeyOf(file: string, start: number): string {
  return `${file}:${start}`;
}

/**
 * From the lines in each split, the posting of each split's first line (keyed by `splitKeyOf`) and
 * the files in rank order (sorted by path; files without lines are left out).
 */
export function firstPostings(splits: SplitLines[]): { files: string[]; starts: Record<string, number> } {
  const sorted = [...splits].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));
  const files: string[] = [];
  const starts: Record<string, number> = {};
  let line = 1;
  for (const s of sorted) {
    if (files[files.length - 1] !== s.file) {
      files.push(s.file);
      line = 1;
    }
    starts[splitKeyOf(s.file, s.start)] = (files.length - 1) * FILE_STRIDE + line;
    line += s.lines;
    if (line > 2 ** 31) throw new Error(`${s.file} has more than 2³¹ − 1 lines; line numbers are Int32`);
  }
  return { files, starts };
}

/** A word's postings chunks (one per worker or task) as one sorted array. */
export function sortedPostings(chunks: Float64Array[]): Float64Array {
  const out = new Float64Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out.sort();
}

/**
 * The index table from the postings step's (word, postings as List<Float64>): postings become
 * List<Struct<file: Dictionary<Int32, Utf8>, line: Int32>>, the file path stored once per file.
 */
export function indexTable(step: Table, files: string[]): Table {
  const words: Vector = step.numRows > 0 ? step.getChild('word')! : vectorFromArray([], new Utf8());
  const lists = step.numRows > 0 ? step.getChild('postings')!.data : [];
  const offsets = new Int32Array(step.numRows + 1);
  let total = 0;
  for (const d of lists) total += d.valueOffsets[d.offset + d.length]! - d.valueOffsets[d.offset]!;
  const fileIds = new Int32Array(total);
  const lines = new Int32Array(total);
  let row = 0;
  let k = 0;
  for (const d of lists) {
    const values = d.children[0]!.values as Float64Array;
    const base = d.children[0]!.offset;
    for (let i = d.offset; i < d.offset + d.length; i++) {
      for (let j = d.valueOffsets[i]!; j < d.valueOffsets[i + 1]!; j++, k++) {
        const p = values[base + j]!;
        fileIds[k] = Math.floor(p / FILE_STRIDE);
        lines[k] = p - fileIds[k]! * FILE_STRIDE;
      }
      offsets[++row] = k;
    }
  }
  const fileType = new Dictionary(new Utf8(), new Int32());
  const posting = new Struct([new Field('file', fileType, false), new Field('line', new Int32(), false)]);
  const children = [
    makeData({ type: fileType, length: total, nullCount: 0, data: fileIds, dictionary: vectorFromArray(files, new Utf8()) }),
    makeData({ type: new Int32(), length: total, nullCount: 0, data: lines }),
  ];
  const child = makeData({ type: posting, length: total, nullCount: 0, children });
  const type = new List(new Field('posting', posting, false));
  const postings = makeVector(makeData({ type, length: step.numRows, nullCount: 0, valueOffsets: offsets, child }));
  return new Table({ word: words, postings });
}

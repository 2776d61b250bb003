import { open } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import type { NdjsonSplit } from '../planner/split.js';
import { BadRecords, badRecordMessage, type BadRecord } from './bad-records.js';
import { readRange } from './file-range.js';
import { NdjsonDecoder, type NdjsonProblem } from './ndjson-decode.js';
import { fillLines, withLines } from './read-csv.js';

const TAIL_CHUNK = 64 * 1024;

/** Reads the JSON lines that start in a split's byte range (a JSON line never holds a raw newline, so line ends are record ends). */
export async function readNdjsonSplit(split: NdjsonSplit, batchRows: number, columns?: string[], bad = new BadRecords()): Promise<RecordBatch[]> {
  const fh = await open(split.file, 'r');
  try {
    const body = await readRange(fh, split.start, split.end - split.start);
    let begin = 0;
    if (split.start > 0) {
      const before = await readRange(fh, split.start - 1, 1);
      if (before[0] !== 10) {
        const nl = body.indexOf(10);
        if (nl < 0) return [];
        begin = nl + 1;
      }
    } else if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) begin = 3;
    if (begin >= body.length) return [];
    let buf = body;
    if (body[body.length - 1] !== 10) {
      const parts = [body];
      for (let at = split.end; ; at += TAIL_CHUNK) {
        const chunk = await readRange(fh, at, TAIL_CHUNK);
        const nl = chunk.indexOf(10);
        parts.push(nl >= 0 ? chunk.subarray(0, nl + 1) : chunk);
        if (nl >= 0 || chunk.length < TAIL_CHUNK) break;
      }
      buf = Buffer.concat(parts);
    }
    const decoder = new NdjsonDecoder(split.columns, batchRows, columns, bad, (p) => ndjsonProblemAt(split.file, split.start, p));
    await withLines('NDJSON', () => decoder.decode(buf, begin, buf.length, true));
    await fillLines('NDJSON', bad.examples);
    return decoder.finish();
  } finally {
    await fh.close();
  }
}

/** A problem at buffer offset `p.offset` as a bad record of the file. */
export function ndjsonProblemAt(file: string, base: number, p: NdjsonProblem): BadRecord {
  const at = { file, byteOffset: base + p.offset, column: p.column, expected: p.expected, found: p.found };
  return { ...at, message: badRecordMessage('NDJSON', at) };
}

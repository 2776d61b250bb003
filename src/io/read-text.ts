import { open, type FileHandle } from 'node:fs/promises';
import { Field, RecordBatch, Schema, Struct, Utf8, makeData } from 'apache-arrow';
import type { TextSplit } from '../planner/split.js';

const NL = 10;
const CR = 13;
const TAIL_CHUNK = 64 * 1024;

/** The schema of text input: one non-null Utf8 column `line`, without line terminators. */
export const TEXT_SCHEMA = new Schema([new Field('line', new Utf8(), false)]);

/**
 * Reads the lines that start inside a split's byte range: it skips a partial first line (owned by the
 * previous split) and reads past its end to finish its own last line. `\n` and `\r\n` both end a line.
 */
export async function readTextSplit(split: TextSplit, batchRows: number): Promise<RecordBatch[]> {
  const fh = await open(split.file, 'r');
  try {
    const body = await readRange(fh, split.start, split.end - split.start);
    let begin = 0;
    if (split.start > 0) {
      const before = await readRange(fh, split.start - 1, 1);
      if (before[0] !== NL) {
        const nl = body.indexOf(NL);
        if (nl < 0) return []; // the whole range lies inside a line that started earlier
        begin = nl + 1;
      }
    }
    if (begin >= body.length) return [];
    let text = body;
    if (body[body.length - 1] !== NL) text = Buffer.concat([body, await readToLineEnd(fh, split.end)]);
    return linesToBatches(text, begin, text.length, batchRows);
  } finally {
    await fh.close();
  }
}

async function readRange(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafeSlow(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Reads from `position` up to and including the next newline, or to the end of the file. */
async function readToLineEnd(fh: FileHandle, position: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = position; ; at += TAIL_CHUNK) {
    const chunk = await readRange(fh, at, TAIL_CHUNK);
    const nl = chunk.indexOf(NL);
    if (nl >= 0) {
      parts.push(chunk.subarray(0, nl + 1));
      break;
    }
    parts.push(chunk);
    if (chunk.length < TAIL_CHUNK) break;
  }
  return Buffer.concat(parts);
}

/** Turns the lines in `buf[from, to)` into record batches of at most `batchRows` lines each. */
export function linesToBatches(buf: Buffer, from: number, to: number, batchRows: number): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let pos = from;
  while (pos < to) {
    // First pass: find this batch's line ends and its byte size without terminators.
    const ends: number[] = [];
    let bytes = 0;
    let p = pos;
    while (p < to && ends.length < batchRows) {
      let nl = buf.indexOf(NL, p);
      if (nl < 0 || nl >= to) nl = to;
      let end = nl;
      // Only `\r\n` ends a line: a `\r` at the end of the file, with no `\n`, belongs to the last line.
      if (nl < to && end > p && buf[end - 1] === CR) end--;
      ends.push(end);
      bytes += end - p;
      p = nl + 1;
    }
    const values = new Uint8Array(bytes);
    const offsets = new Int32Array(ends.length + 1);
    let q = pos;
    let o = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!;
      buf.copy(values, o, q, end);
      o += end - q;
      offsets[i + 1] = o;
      q = buf[end] === CR ? end + 2 : end + 1;
    }
    batches.push(utf8Batch(values, offsets, ends.length));
    pos = p;
  }
  return batches;
}

function utf8Batch(values: Uint8Array, offsets: Int32Array, length: number): RecordBatch {
  const line = makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data: values });
  const struct = makeData({ type: new Struct(TEXT_SCHEMA.fields), length, nullCount: 0, children: [line] });
  return new RecordBatch(TEXT_SCHEMA, struct);
}

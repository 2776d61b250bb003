import { Field, RecordBatch, Schema, Struct, Utf8, makeData } from 'apache-arrow';
import type { TextSplit } from '../planner/split.js';
import { describeSplit } from '../planner/split.js';
import { readRange } from './file-range.js';
import { changedWhileRead } from './input-changed.js';
import { openInput, type InputHandle } from './input-source.js';
import { BadRecords } from './bad-records.js';
import { validUtf8Lines } from './text-utf8.js';

const NL = 10;
const CR = 13;
const TAIL_CHUNK = 64 * 1024;

/** The schema of text input: one non-null Utf8 column `line`, without line terminators. */
export const TEXT_SCHEMA = new Schema([new Field('line', new Utf8(), false)]);

/**
 * Reads the lines that start inside a split's byte range: it skips a partial first line (owned by the
 * previous split) and reads past its end to finish its own last line. `\n` and `\r\n` both end a line.
 * Lines that are not valid UTF-8 go to `bad`.
 */
export async function readTextSplit(split: TextSplit, batchRows: number, bad = new BadRecords()): Promise<RecordBatch[]> {
  const fh = await openInput(split.file);
  try {
    // One read: the byte before the split (is the split's first byte a line start?), the split, and
    // TAIL_CHUNK bytes past it, where its last line almost always ends.
    const from = split.start > 0 ? split.start - 1 : 0;
    const lim = split.end - from; // byte `end` of the file is raw[lim]
    const want = lim + TAIL_CHUNK;
    const raw = await readRange(fh, from, want);
    // The plan saw the file reach split.end: a shorter file was cut while the run read it.
    if (raw.length < lim) throw changedWhileRead(describeSplit(split), from + raw.length, split.end);
    let begin = split.start - from;
    if (split.start > 0 && raw[0] !== NL) {
      const nl = raw.indexOf(NL, 1);
      if (nl < 0 || nl + 1 >= lim) return []; // the whole range lies inside a line that started earlier
      begin = nl + 1;
    }
    if (begin >= Math.min(lim, raw.length)) return [];
    let text = raw;
    let stop = raw.length;
    if (raw.length > lim && raw[lim - 1] === NL) stop = lim;
    else if (raw.length > lim) {
      const nl = raw.indexOf(NL, lim);
      if (nl >= 0) stop = nl + 1;
      // A last line running more than TAIL_CHUNK past the split: read on to its end.
      else if (raw.length === want) (text = Buffer.concat([raw, await readToLineEnd(fh, from + want)])), (stop = text.length);
    }
    // A line that is not UTF-8 is a bad record (skipped under --max-bad-records), not silently mangled.
    const valid = await validUtf8Lines(text, begin, stop, split.file, from, bad);
    return linesToBatches(valid.buf, valid.from, valid.to, batchRows);
  } finally {
    await fh.close();
  }
}

/** Reads from `position` up to and including the next newline, or to the end of the file. */
async function readToLineEnd(fh: InputHandle, position: number): Promise<Buffer> {
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

/**
 * Turns the lines in `buf[from, to)` into record batches of at most `batchRows` lines each. The line
 * bytes are compacted in place (line terminators squeezed out with one memmove per line), so each
 * batch's Utf8 values are a view of `buf`: no second buffer, no per-line copy into one. Bytes of `buf`
 * from `from` to `to` are overwritten; bytes outside that range are left alone.
 */
export function linesToBatches(buf: Buffer, from: number, to: number, batchRows: number): RecordBatch[] {
  const batches: RecordBatch[] = [];
  const scratch = new Int32Array(Math.min(batchRows, 1 << 20) + 1);
  let p = from;
  while (p < to) {
    const start = p;
    let w = p;
    let n = 0;
    let offsets = scratch;
    while (p < to && n < batchRows) {
      let nl = buf.indexOf(NL, p);
      if (nl < 0 || nl >= to) nl = to;
      let end = nl;
      // Only `\r\n` ends a line: a `\r` at the end of the file, with no `\n`, belongs to the last line.
      if (nl < to && end > p && buf[end - 1] === CR) end--;
      if (w !== p) buf.copyWithin(w, p, end);
      w += end - p;
      if (n + 1 >= offsets.length) {
        const grown = new Int32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[++n] = w - start;
      p = nl + 1;
    }
    const values = new Uint8Array(buf.buffer, buf.byteOffset + start, w - start);
    batches.push(utf8Batch(values, offsets.slice(0, n + 1), n));
  }
  return batches;
}

function utf8Batch(values: Uint8Array, offsets: Int32Array, length: number): RecordBatch {
  const line = makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data: values });
  const struct = makeData({ type: new Struct(TEXT_SCHEMA.fields), length, nullCount: 0, children: [line] });
  return new RecordBatch(TEXT_SCHEMA, struct);
}

import type { RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import { describeSplit, type NdjsonSplit } from '../planner/split.js';
import { batchStream, collected } from './batch-stream.js';
import { BadRecords, badRecordMessage, type BadRecord } from './bad-records.js';
import { duplicateKeysByElement } from './duplicate-keys.js';
import { decodeInChunks, readRange } from './file-range.js';
import { changedWhileRead } from './input-changed.js';
import { openInput, readWholeInput, type InputHandle } from './input-source.js';
import { wholeJsonArray } from './json-line.js';
import { NdjsonDecoder, type NdjsonProblem } from './ndjson-decode.js';
import { fillLines, withLines } from './read-csv.js';

const TAIL_CHUNK = 64 * 1024;

/** Reads the JSON lines that start in a split's byte range (a JSON line never holds a raw newline, so line ends are record ends). */
export async function readNdjsonSplit(
  split: NdjsonSplit,
  batchRows: number,
  columns?: string[],
  bad = new BadRecords(),
): Promise<RecordBatch[]> {
  return collected((give) => decodeNdjsonSplit(split, batchRows, columns, bad, give));
}

/** The same batches as they fill, a read chunk at a time (see `batchStream` and `streamCsvSplit`). */
export function streamNdjsonSplit(
  split: NdjsonSplit,
  batchRows: number,
  columns?: string[],
  bad = new BadRecords(),
): AsyncGenerator<RecordBatch> {
  return batchStream((give) => decodeNdjsonSplit(split, batchRows, columns, bad, give));
}

async function decodeNdjsonSplit(
  split: NdjsonSplit,
  batchRows: number,
  columns: string[] | undefined,
  bad: BadRecords,
  give: (batches: RecordBatch[]) => Promise<void>,
): Promise<void> {
  if (split.array === 'whole') return decodeWholeArray(split, batchRows, columns, bad, give);
  const fh = await openInput(split.file, { start: Math.max(0, split.start - 1), end: split.end, plannedSize: split.fileBytes });
  try {
    const { size } = await fh.stat();
    // The plan saw the file reach split.end (fuzz seed 5, cases 336 and 413: big.ndjson cut to half while
    // read gave 35,139 of 60,000 rows, exit 0: the later splits began past the cut and read nothing).
    if (size < split.end) throw changedWhileRead(describeSplit(split), size, split.end);
    if (split.array === 'lines' && split.end >= size) await checkArrayClosed(fh, split, size);
    const begin = split.start === 0 ? await afterBom(fh) : await lineStartAt(fh, split.file, split.start, size);
    const stop = split.end >= size ? size : await lineStartAt(fh, split.file, split.end, size);
    if (begin >= stop) return;
    let base = begin;
    const decoder = new NdjsonDecoder(split.columns, batchRows, columns, bad, (p) => ndjsonProblemAt(split.file, base, p));
    await decodeInChunks(fh, split.file, begin, stop, async (buf, from, to, final, at) => {
      base = at;
      const stopped = await withLines('NDJSON', () => decoder.decode(buf, from, to, final, split.array === 'lines'));
      if (decoder.batches.length > 0) await give(decoder.batches.splice(0));
      return stopped;
    });
    await fillLines('NDJSON', bad.examples);
    await give(decoder.finish().splice(0));
  } finally {
    await fh.close();
  }
}

/**
 * A JSON array whose elements span lines, parsed whole by the one task that reads it (its planner
 * made one split); a bad element is reported by its index in the array.
 */
async function decodeWholeArray(
  split: NdjsonSplit,
  batchRows: number,
  columns: string[] | undefined,
  bad: BadRecords,
  give: (batches: RecordBatch[]) => Promise<void>,
): Promise<void> {
  const bytes = await readWholeInput(split.file);
  const values = wholeJsonArray(split.file, bytes);
  const decoder = new NdjsonDecoder(split.columns, batchRows, columns, bad, (p) => {
    const at = { file: split.file, column: p.column, expected: p.expected, found: `${p.found ?? ''} (array element ${p.offset})` };
    return { ...at, message: badRecordMessage('JSON', at) };
  });
  decoder.decodeValues(values, duplicateKeysByElement(bytes, 0, bytes.length), (i) => i);
  await give(decoder.finish().splice(0));
}

/**
 * The first line start at or after `at`: `at` itself after a LF, else just past the next LF (or the end).
 * Bytes missing before `size` (the size this task found) mean the file shrank since: an error, not the
 * end (fuzz seed 1, case 2424: a split past a cut found no LF, began at `size` and read nothing, exit 0).
 */
export async function lineStartAt(fh: InputHandle, file: string, at: number, size: number): Promise<number> {
  const before = await readRange(fh, at - 1, 1);
  if (before.length < 1) throw changedWhileRead(file, at - 1, size);
  if (before[0] === 10) return at;
  for (let pos = at; pos < size; pos += TAIL_CHUNK) {
    const chunk = await readRange(fh, pos, TAIL_CHUNK);
    const nl = chunk.indexOf(10);
    if (nl >= 0) return pos + nl + 1;
    if (chunk.length < Math.min(TAIL_CHUNK, size - pos)) throw changedWhileRead(file, pos + chunk.length, size);
  }
  return size;
}

async function afterBom(fh: InputHandle): Promise<number> {
  const head = await readRange(fh, 0, 3);
  return head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
}

/** A problem at buffer offset `p.offset` as a bad record of the file. */
export function ndjsonProblemAt(file: string, base: number, p: NdjsonProblem): BadRecord {
  const at = { file, byteOffset: base + p.offset, column: p.column, expected: p.expected, found: p.found };
  return { ...at, message: badRecordMessage('NDJSON', at) };
}

/**
 * A JSON array read one element a line must end with its `]`: a file cut after an element's line
 * would otherwise give the elements before the cut, exit 0 (fuzz, `.json` seed, case 334; DuckDB
 * refuses such a file as malformed). Checked by the split that reads the file's end.
 */
async function checkArrayClosed(fh: InputHandle, split: NdjsonSplit, size: number): Promise<void> {
  const n = Math.min(size, 4096);
  const tail = await readRange(fh, size - n, n);
  let i = tail.length - 1;
  while (i >= 0 && (tail[i] === 0x20 || tail[i] === 0x0a || tail[i] === 0x0d || tail[i] === 0x09)) i--;
  if (i >= 0 && tail[i] === 0x5d) return;
  throw new InputError(
    `${split.file}: the JSON array that starts the file has no closing "]" at its end (its last ${n} ` +
      `bytes): the file was cut short or is not one JSON array; write it again, or as NDJSON (one object a line, no brackets)`,
    { location: { file: split.file } },
  );
}

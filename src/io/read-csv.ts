import type { RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import { describeSplit, type CsvSplit } from '../planner/split.js';
import { batchStream, collected } from './batch-stream.js';
import { BadRecords, badRecordMessage, type BadRecord } from './bad-records.js';
import { ColumnTooNarrow } from './column-widening.js';
import { CsvDecoder, type CsvDialect, type CsvProblem } from './csv-decode.js';
import { FS, agreedRecordStart, stateAfter, type RecordSyntax } from './csv-records.js';
import { decodeInChunks, lineAt, linesAt, readRange } from './file-range.js';
import { changedWhileRead } from './input-changed.js';
import { openInput, type InputHandle } from './input-source.js';

const TAIL_CHUNK = 64 * 1024;
const PREFIX_CHUNK = 8 << 20;

/** The bytes that drive record boundaries in a dialect. */
export function syntaxOf(d: CsvDialect): RecordSyntax {
  return { delimiter: d.delimiter.charCodeAt(0), quote: d.quote === '' ? -1 : d.quote.charCodeAt(0), maxRecordBytes: d.maxRecordBytes };
}

/**
 * Reads the records of a CSV split into record batches. The split owns the records that start in
 * `[recordStartAt(start), recordStartAt(end))`, where `recordStartAt` is the agreed record start of
 * io/csv-records.ts — computed the same way by this split and its neighbours, so every record is read
 * exactly once, even when a split boundary falls inside a quoted field.
 */
export async function readCsvSplit(split: CsvSplit, batchRows: number, columns?: string[], bad = new BadRecords()): Promise<RecordBatch[]> {
  return collected((give) => decodeCsvSplit(split, batchRows, columns, bad, give));
}

/**
 * The same batches as they fill, a read chunk at a time (see `batchStream`): a task that folds or
 * maps each batch as it comes holds a few batches of decoded columns, not the whole split's.
 */
export function streamCsvSplit(
  split: CsvSplit,
  batchRows: number,
  columns?: string[],
  bad = new BadRecords(),
): AsyncGenerator<RecordBatch> {
  return batchStream((give) => decodeCsvSplit(split, batchRows, columns, bad, give));
}

async function decodeCsvSplit(
  split: CsvSplit,
  batchRows: number,
  columns: string[] | undefined,
  bad: BadRecords,
  give: (batches: RecordBatch[]) => Promise<void>,
): Promise<void> {
  const fh = await openInput(split.file, { start: split.start, end: split.end, plannedSize: split.fileBytes });
  try {
    // The plan saw the file reach split.end: a split past a cut found no record start and read nothing,
    // so a CSV cut while read gave the rows before the cut, exit 0 (as NDJSON did: fuzz seed 5, case 336).
    const { size } = await fh.stat();
    if (size < split.end) throw changedWhileRead(describeSplit(split), size, split.end);
    const syntax = syntaxOf(split.dialect);
    // Find both record starts (their reads run at once), then decode exactly [begin, stop).
    const [begin, stop] = await Promise.all([
      split.start <= split.dataStart ? split.dataStart : recordStartAt(fh, split, syntax, split.start),
      split.end >= split.fileBytes ? split.fileBytes : recordStartAt(fh, split, syntax, split.end),
    ]);
    if (begin >= stop) return;
    // Decode [begin, stop) a few MB at a time (raw bytes per task stay small whatever the split size).
    let base = begin;
    const decoder = new CsvDecoder(split.dialect, split.columns, batchRows, columns, bad, (p) => problemAt(split.file, base, p));
    const left = await decodeInChunks(fh, split.file, begin, stop, async (buf, from, to, final, at) => {
      base = at;
      const stopped = await withLines('CSV', () => decoder.decode(buf, from, to, final));
      if (decoder.batches.length > 0) await give(decoder.batches.splice(0));
      return stopped;
    });
    if (left !== 0)
      throw new InputError(
        `${split.file}, byte ${stop - left}: the record ends past the next split's first record; the file has a record longer than ` +
          `--max-record-size (${split.dialect.maxRecordBytes} bytes) or unbalanced quotes`,
      );
    await fillLines('CSV', bad.examples);
    await give(decoder.finish().splice(0));
  } finally {
    await fh.close();
  }
}

export function problemAt(file: string, base: number, p: CsvProblem): BadRecord {
  const at = { file, byteOffset: base + p.offset, column: p.column, expected: p.expected, found: p.found };
  return { ...at, message: badRecordMessage('CSV', at) };
}

/** Runs a decode; an InputError about a bad record gets its line number (counted only on error). */
export async function withLines<T>(kind: 'CSV' | 'NDJSON', decode: () => T): Promise<T> {
  try {
    return decode();
  } catch (e) {
    if (ColumnTooNarrow.isColumnTooNarrow(e) && e.widening.byteOffset !== undefined && e.widening.line === undefined) {
      throw new ColumnTooNarrow({ ...e.widening, line: await lineAt(e.widening.file, e.widening.byteOffset) });
    }
    const at = e instanceof InputError ? (e.location as BadRecord | undefined) : undefined;
    if (!at || at.byteOffset === undefined || at.line !== undefined || !at.message || !(e as Error).message.startsWith(at.message)) throw e;
    const location = { ...at, line: await lineAt(at.file, at.byteOffset) };
    location.message = badRecordMessage(kind, location);
    throw new InputError(location.message + (e as Error).message.slice(at.message.length), { location });
  }
}

/** Fills in the line numbers of example bad records (one pass over the file for all of them). */
export async function fillLines(kind: 'CSV' | 'NDJSON' | 'text', examples: BadRecord[]): Promise<void> {
  const todo = examples.filter((r) => r.line === undefined && r.byteOffset !== undefined);
  if (todo.length === 0) return;
  const lines = await linesAt(
    todo[0]!.file,
    todo.map((r) => r.byteOffset!),
  );
  todo.forEach((r, i) => {
    r.line = lines[i];
    r.message = badRecordMessage(kind, r);
  });
}

/**
 * The agreed record start at or after byte `at`. A small window settles it on files with quotes; a file
 * without them needs 2 × maxRecordBytes (the "inside a quote" reading must die of a too-long record),
 * so the second read takes that whole window at once.
 */
async function recordStartAt(fh: InputHandle, split: CsvSplit, syntax: RecordSyntax, at: number): Promise<number> {
  let buf = await readRange(fh, at, TAIL_CHUNK);
  for (;;) {
    const atEof = at + buf.length >= split.fileBytes;
    const r = agreedRecordStart(buf, 0, buf.length, atEof, syntax);
    if (r.kind === 'found') return at + r.pos;
    if (r.kind === 'more') {
      const more = await readRange(fh, at, Math.max(2 * buf.length, 2 * syntax.maxRecordBytes + TAIL_CHUNK));
      if (more.length <= buf.length) throw changedWhileRead(split.file, at + buf.length, split.fileBytes);
      buf = more;
      continue;
    }
    // Ambiguous or broken quoting: learn the true parser state at `at` by reading from the data start.
    return exactRecordStartAt(fh, split, syntax, at, buf);
  }
}

/** The first record start at or after `at` under the true parser state, found by parsing from the data start. */
async function exactRecordStartAt(fh: InputHandle, split: CsvSplit, syntax: RecordSyntax, at: number, after: Buffer): Promise<number> {
  let state = FS;
  for (let pos = split.dataStart; pos < at; pos += PREFIX_CHUNK) {
    const chunk = await readRange(fh, pos, Math.min(PREFIX_CHUNK, at - pos));
    state = stateAfter(chunk, 0, chunk.length, syntax, state);
  }
  let buf = after;
  for (;;) {
    const atEof = at + buf.length >= split.fileBytes;
    const r = agreedRecordStart(buf, 0, buf.length, atEof, { ...syntax, maxRecordBytes: Number.MAX_SAFE_INTEGER / 4 }, [state]);
    if (r.kind === 'found') return at + r.pos;
    if (r.kind === 'malformed') {
      // The decoder skips a broken record to its line end; agree with it.
      const nl = buf.indexOf(10, r.pos);
      if (nl >= 0) return at + nl + 1;
      if (atEof) return split.fileBytes;
    } else if (atEof) return split.fileBytes;
    const more = await readRange(fh, at + buf.length, Math.max(TAIL_CHUNK, buf.length));
    if (more.length === 0) return split.fileBytes;
    buf = Buffer.concat([buf, more]);
  }
}

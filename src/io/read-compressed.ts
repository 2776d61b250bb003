import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import type { CompressedSplit } from '../planner/split.js';
import { BadRecords, badRecordMessage, type BadRecord } from './bad-records.js';
import { CsvDecoder } from './csv-decode.js';
import { sampleRecords } from './csv-sample.js';
import { NdjsonDecoder } from './ndjson-decode.js';
import { linesToBatches } from './read-text.js';
import { batchStream } from './batch-stream.js';
import { ZstdFrames } from './zstd-frames.js';
import { keepUtf8Lines } from './text-utf8.js';
import { inputChunks, inputSize } from './input-source.js';

/** The decompressed bytes of a file, chunk by chunk. */
export async function* decompressedChunks(file: string, codec: 'gzip' | 'zstd'): AsyncGenerator<Buffer> {
  // An empty file holds no gzip member or zstd frame (those of empty text take 20 and 9 bytes): it was
  // cut short, as gzip -t and zstd -t say, not a file of no lines.
  // (A pipe has no size: it is read until its writer closes it.)
  if ((await inputSize(file)) === 0)
    throw new InputError(
      `${file} is empty, so it is not ${codec} (truncated?); an empty ${codec} file of no lines still has a ` +
        `${codec === 'gzip' ? 'member header' : 'frame header'}`,
    );
  const source = Readable.from(inputChunks(file), { objectMode: false });
  if (codec === 'gzip') {
    const gunzip = source.pipe(createGunzip({ chunkSize: 1 << 20 }));
    source.on('error', (e) => gunzip.destroy(e));
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (e) {
      throw new InputError(`${file} does not decompress as gzip: ${(e as Error).message} (truncated or not gzip?)`, { cause: e });
    }
    return;
  }
  const fzstd = await import('fzstd');
  const out: Buffer[] = [];
  const z = new ZstdFrames(fzstd, (data) => void out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  try {
    for await (const chunk of source) {
      z.push(chunk as Buffer);
      yield* out.splice(0);
    }
    z.end();
  } catch (e) {
    throw new InputError(`${file} does not decompress as zstd: ${(e as Error).message} (truncated or not zstd?)`, { cause: e });
  }
  yield* out.splice(0);
}

/** Reads a whole compressed file as one split, all its batches at once (`quiver inspect`, drivers). */
export async function readCompressedSplit(
  split: CompressedSplit,
  batchRows: number,
  columns?: string[],
  bad = new BadRecords(),
): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  await decodeCompressedSplit(split, batchRows, columns, bad, async (batches) => void out.push(...batches));
  return out;
}

/**
 * A compressed file's batches as a task consumes them, one decompressed chunk's worth at a time: a
 * 200 KB .gz that expands to 200 MB is never held whole, decompressed or decoded.
 */
export function streamCompressedSplit(
  split: CompressedSplit,
  batchRows: number,
  columns?: string[],
  bad = new BadRecords(),
): AsyncGenerator<RecordBatch> {
  return batchStream((give) => decodeCompressedSplit(split, batchRows, columns, bad, give));
}

/**
 * Decompresses a file as a stream and decodes complete records as they arrive (an unfinished record
 * waits for the next chunk), giving each chunk's batches to `give`. Byte offsets and lines in errors
 * are those of the decompressed text.
 */
async function decodeCompressedSplit(
  split: CompressedSplit,
  batchRows: number,
  columns: string[] | undefined,
  bad: BadRecords,
  give: (batches: RecordBatch[]) => Promise<void>,
): Promise<void> {
  const inner = split.inner;
  let base = 0; // decompressed offset of pending[0]
  let lines = 1; // line number at pending[0]
  let pending: Buffer = Buffer.alloc(0);
  const locate =
    (kind: 'CSV' | 'NDJSON' | 'text') =>
    (p: { offset: number; column?: string; expected: string; found?: string }): BadRecord => {
      let line = lines;
      for (let i = pending.indexOf(10); i >= 0 && i < p.offset; i = pending.indexOf(10, i + 1)) line++;
      const at = {
        file: `${split.file} (decompressed)`,
        line,
        byteOffset: base + p.offset,
        column: p.column,
        expected: p.expected,
        found: p.found,
      };
      return { ...at, message: badRecordMessage(kind, at) };
    };
  const batches: RecordBatch[] = [];
  let decode: (buf: Buffer, final: boolean) => number;
  let decoded: RecordBatch[] = batches;
  let finish = () => {};
  let skipHeader = false;
  if (inner.kind === 'csv') {
    const d = new CsvDecoder(inner.dialect, inner.columns, batchRows, columns, bad, locate('CSV'));
    decode = (buf, final) => d.decode(buf, 0, buf.length, final);
    decoded = d.batches;
    finish = () => void d.finish();
    skipHeader = inner.dialect.header || inner.bom;
  } else if (inner.kind === 'ndjson') {
    const d = new NdjsonDecoder(inner.columns, batchRows, columns, bad, locate('NDJSON'));
    decode = (buf, final) => d.decode(buf, 0, buf.length, final);
    decoded = d.batches;
    finish = () => void d.finish();
  } else {
    // The same UTF-8 rule as plain text: a line that is not UTF-8 is a bad record, not `caf\ufffd`.
    const text = locate('text');
    decode = (buf, final) => {
      const end = final ? buf.length : buf.lastIndexOf(10) + 1;
      if (end === 0) return 0;
      const kept = keepUtf8Lines(buf, 0, end, bad, (offset, found) => text({ offset, expected: 'UTF-8 text', found }));
      if (kept.fatal) bad.add(kept.fatal);
      // Count the lines before linesToBatches squeezes their newlines out of `buf` in place.
      advance(end);
      batches.push(...linesToBatches(kept.buf, kept.from, kept.to, batchRows));
      return 0;
    };
  }
  const consume = (final: boolean) => {
    if (skipHeader) {
      let from = pending[0] === 0xef && pending[1] === 0xbb && pending[2] === 0xbf ? 3 : 0;
      if (inner.kind === 'csv' && inner.dialect.header) {
        const { records, end } = sampleRecords(pending, from, pending.length, final, inner.dialect, 1);
        if (records.length === 0 && !final) return;
        from = end;
      }
      advance(from);
      skipHeader = false;
    }
    advance(decode(pending, final));
  };
  const advance = (n: number) => {
    for (let i = pending.indexOf(10); i >= 0 && i < n; i = pending.indexOf(10, i + 1)) lines++;
    base += n;
    pending = pending.subarray(n);
  };
  for await (const chunk of decompressedChunks(split.file, split.codec)) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    consume(false);
    if (decoded.length > 0) await give(decoded.splice(0));
  }
  consume(true);
  finish();
  await give(decoded.splice(0));
}

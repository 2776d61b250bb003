import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import type { CompressedSplit } from '../planner/split.js';
import { BadRecords, badRecordMessage, type BadRecord } from './bad-records.js';
import { CsvDecoder } from './csv-decode.js';
import { sampleRecords } from './csv-sample.js';
import { NdjsonDecoder } from './ndjson-decode.js';
import { linesToBatches } from './read-text.js';

/** The decompressed bytes of a file, chunk by chunk. */
export async function* decompressedChunks(file: string, codec: 'gzip' | 'zstd'): AsyncGenerator<Buffer> {
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
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
  const { Decompress } = await import('fzstd');
  const out: Buffer[] = [];
  const z = new Decompress((data) => void out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  try {
    for await (const chunk of source) {
      z.push(chunk as Buffer);
      yield* out.splice(0);
    }
    z.push(new Uint8Array(0), true);
  } catch (e) {
    throw new InputError(`${file} does not decompress as zstd: ${(e as Error).message} (truncated or not zstd?)`, { cause: e });
  }
  yield* out.splice(0);
}

/**
 * Reads a whole compressed file as one split: decompresses it as a stream and decodes complete records
 * as they arrive (an unfinished record waits for the next chunk). Byte offsets and lines in errors
 * are those of the decompressed text.
 */
export async function readCompressedSplit(split: CompressedSplit, batchRows: number, columns?: string[], bad = new BadRecords()): Promise<RecordBatch[]> {
  const inner = split.inner;
  let base = 0; // decompressed offset of pending[0]
  let lines = 1; // line number at pending[0]
  let pending: Buffer = Buffer.alloc(0);
  const locate = (kind: 'CSV' | 'NDJSON') => (p: { offset: number; column?: string; expected: string; found?: string }): BadRecord => {
    let line = lines;
    for (let i = pending.indexOf(10); i >= 0 && i < p.offset; i = pending.indexOf(10, i + 1)) line++;
    const at = { file: `${split.file} (decompressed)`, line, byteOffset: base + p.offset, column: p.column, expected: p.expected, found: p.found };
    return { ...at, message: badRecordMessage(kind, at) };
  };
  const batches: RecordBatch[] = [];
  let decode: (buf: Buffer, final: boolean) => number;
  let finish: () => RecordBatch[];
  let skipHeader = false;
  if (inner.kind === 'csv') {
    const d = new CsvDecoder(inner.dialect, inner.columns, batchRows, columns, bad, locate('CSV'));
    decode = (buf, final) => d.decode(buf, 0, buf.length, final);
    finish = () => d.finish();
    skipHeader = inner.dialect.header || inner.bom;
  } else if (inner.kind === 'ndjson') {
    const d = new NdjsonDecoder(inner.columns, batchRows, columns, bad, locate('NDJSON'));
    decode = (buf, final) => d.decode(buf, 0, buf.length, final);
    finish = () => d.finish();
  } else {
    decode = (buf, final) => {
      const end = final ? buf.length : buf.lastIndexOf(10) + 1;
      if (end > 0) batches.push(...linesToBatches(buf, 0, end, batchRows));
      return end;
    };
    finish = () => batches;
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
  }
  consume(true);
  return finish();
}

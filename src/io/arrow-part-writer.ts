import { appendFileSync, closeSync, fstatSync, openSync, writevSync } from 'node:fs';
import { DataType, Message, Table, tableFromIPC, tableToIPC, type RecordBatch, type Schema } from 'apache-arrow';
import { BufferRegion, RecordBatch as BatchMetadata } from 'apache-arrow/ipc/metadata/message';
import { VectorAssembler } from 'apache-arrow/visitor/vectorassembler';
import { batchHeaderCheck } from './arrow-check.js';

/**
 * Appends record batches to an Arrow IPC part file as messages written straight from the columns'
 * buffers: the batch's metadata is encoded (a few hundred bytes) and its buffers go to the file in one
 * `writev`, as views, with the zero padding IPC aligns them by. A part is an IPC stream: its schema
 * message first, then one message a batch; a batch whose schema differs from the one before it starts
 * a new stream (end-of-stream marker, schema), so a part stays a run of streams as the readers of parts
 * (`arrow-parts.ts`, `RecordBatchReader.readAll`) take them. Nothing is written for the stream's end:
 * the end of the file ends it.
 *
 * Why: on a 10M-row Parquet → Arrow convert, encoding each batch with Arrow JS's stream writer joined
 * its buffers into one new array (`joinUint8Arrays`, `memcpy`), decoding it back to check it
 * (`tableFromIPC`) and `appendFileSync` took about 10% of the workers' CPU (bench/results/fast-paths.md).
 *
 * The check that reading back gave (fuzz case 2541: a batch whose buffers are shorter than its rows
 * need encoded into a message whose body is shorter than it says) is made on the metadata instead:
 * the header this writer is about to write, with each buffer's true length, must pass the readers' own
 * header check (`batchHeaderCheck`: every buffer inside the body and long enough for its values).
 * Layouts that check cannot walk (unions, views) and batches with dictionaries (their dictionary
 * messages) are encoded by Arrow JS's stream writer and read back instead (`checkedIpc`).
 */

/** The end-of-stream marker: continuation, then a zero metadata length. */
const END_OF_STREAM = new Uint8Array(Int32Array.of(-1, 0).buffer);
/** Zero bytes that pad a buffer or a message to a multiple of 8. */
const ZEROS = new Uint8Array(8);
/** Buffers a `writev` call is given at most (Linux's IOV_MAX is 1024). */
const MAX_IOV = 512;

/** The part this thread appended to last, and its current stream's schema message. */
let last: { file: string; schema: Uint8Array } | undefined;
const schemaMessages = new WeakMap<Schema, Uint8Array>();

/** A batch written as its bytes would not be a record batch of its rows: the input is corrupt (the caller names the split). */
export class BatchEncodingError extends Error {}

/** Appends `batch` to the Arrow part `file` (created when missing), as a record batch message of its own stream. */
export function appendArrowBatch(file: string, batch: RecordBatch): void {
  if (!appendedFromBuffers(file, batch)) {
    last = undefined; // the stream Arrow JS writes ends with its own end-of-stream marker
    appendFileSync(file, checkedIpc(batch));
  }
}

/** `appendArrowBatch` straight from the buffers; false, with nothing written, for the batches it leaves to Arrow JS. */
function appendedFromBuffers(file: string, batch: RecordBatch): boolean {
  if (batch.schema.fields.some((f) => DataType.isDictionary(f.type))) return false;
  const { nodes, bufferRegions, buffers, byteLength, variadicBufferCounts } = VectorAssembler.assemble(batch);
  // The header as the buffers really are: a buffer cut short by `subarray` is caught here, not in the output.
  const actual = bufferRegions.map((r, i) => new BufferRegion(r.offset, buffers[i]!.byteLength));
  const check = batchHeaderCheck({ length: batch.numRows, nodes, buffers: actual, compressed: false }, batch.schema, byteLength);
  if (check.problem) throw new BatchEncodingError(`its batch of ${batch.numRows} rows does not encode as Arrow IPC (${check.problem})`);
  if (!check.complete) return false;
  const metadata = new BatchMetadata(batch.numRows, nodes, bufferRegions, null, variadicBufferCounts, batch.metadata);
  const pieces: Uint8Array[] = [];
  const fd = openSync(file, 'a');
  try {
    const schema = schemaMessage(batch.schema);
    const fresh = fstatSync(fd).size === 0;
    if (fresh || last?.file !== file || !sameBytes(last.schema, schema)) {
      if (!fresh) pieces.push(END_OF_STREAM);
      pieces.push(schema);
    }
    pieces.push(...framed(Message.encode(Message.from(metadata, byteLength))));
    for (const view of buffers) {
      if (view.byteLength === 0) continue;
      const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      pieces.push(b);
      if (b.byteLength % 8 !== 0) pieces.push(ZEROS.subarray(0, 8 - (b.byteLength % 8)));
    }
    writeAll(fd, pieces);
    last = { file, schema };
  } catch (e) {
    last = undefined; // what the part holds is no longer known
    throw e;
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * A batch as an IPC stream, read back before it is kept: apache-arrow's writer encodes a batch whose
 * buffers are inconsistent in a way the bounds checks allow (fuzz case 2541: one buffer length in an
 * Arrow stream's header set from 64 to 128) into a message whose body is shorter than it says, and
 * reading the part back then lost the batch: convert wrote 200 of 300 rows, exit 0.
 */
function checkedIpc(batch: RecordBatch): Uint8Array {
  const bytes = tableToIPC(new Table([batch]), 'stream');
  let rows: number;
  try {
    rows = tableFromIPC(bytes).numRows;
  } catch (e) {
    throw new BatchEncodingError(`its batch of ${batch.numRows} rows does not encode as Arrow IPC (${(e as Error).message})`, { cause: e });
  }
  if (rows !== batch.numRows) throw new BatchEncodingError(`its batch of ${batch.numRows} rows encodes as ${rows} rows`);
  return bytes;
}

/** A schema's message as Arrow JS's stream writer frames it (so parts of one schema compare equal byte for byte). */
function schemaMessage(schema: Schema): Uint8Array {
  let bytes = schemaMessages.get(schema);
  if (!bytes) {
    bytes = Buffer.concat(framed(Message.encode(Message.from(schema))));
    schemaMessages.set(schema, bytes);
  }
  return bytes;
}

/** A message's metadata with its prefix (continuation, length) and the padding to a multiple of 8. */
function framed(metadata: Uint8Array): Uint8Array[] {
  const aligned = (metadata.byteLength + 8 + 7) & ~7;
  const prefix = new Uint8Array(Int32Array.of(-1, aligned - 8).buffer);
  const padding = aligned - 8 - metadata.byteLength;
  return padding > 0 ? [prefix, metadata, ZEROS.subarray(0, padding)] : [prefix, metadata];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Writes every piece at the end of `fd`, however many `writev` calls that takes. */
function writeAll(fd: number, pieces: Uint8Array[]): void {
  let i = 0;
  while (i < pieces.length) {
    const group = pieces.slice(i, i + MAX_IOV);
    let written = writevSync(fd, group);
    const total = group.reduce((n, p) => n + p.byteLength, 0);
    if (written === total) {
      i += group.length;
      continue;
    }
    // A short write (rare on a regular file): the rest of the piece it stopped in, then on from there.
    let k = 0;
    while (written >= group[k]!.byteLength) written -= group[k++]!.byteLength;
    pieces[i + k] = group[k]!.subarray(written);
    i += k;
  }
}

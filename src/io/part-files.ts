import { once } from 'node:events';
import { appendFileSync, createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  DataType,
  Field,
  makeVector,
  type Dictionary,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableToIPC,
  vectorFromArray,
  type Data,
} from 'apache-arrow';
import { InputError } from '../errors.js';
import { appendArrowBatch } from './arrow-part-writer.js';
import { copyArrowParts } from './arrow-parts.js';
import { BatchLines, csvHeader } from './batch-text.js';
import { DictionaryUnifier } from './dictionaries.js';
import { annotateParquetFile, parquetWriterProperties } from './parquet-sink.js';
import { forParquet, parquetWritable } from './parquet-types.js';

/**
 * Part files: how a parallel job writes a large result as it is produced. Each task appends its
 * batches to its own part file (in the final format where parts simply concatenate — CSV without
 * header, NDJSON — and as Arrow IPC streams otherwise), and the coordinator then assembles the parts,
 * in split order, into the output: a temp file beside it, renamed over it at the end. Memory stays
 * at about one batch per worker plus one batch in the coordinator, whatever the output size.
 */

/** Bytes a text part is copied into the output by. */
const PART_CHUNK = 4 << 20;

/** Formats a part-file job can produce. */
export type PartFormat = 'arrow' | 'arrows' | 'parquet' | 'csv' | 'ndjson' | 'json';

/** The extension of the parts written for an output format (a JSON array's parts are NDJSON). */
export function partExtension(format: PartFormat): string {
  return format === 'csv' ? 'csv' : format === 'ndjson' || format === 'json' ? 'ndjson' : 'arrows';
}

/**
 * A batch as a part file keeps it: dictionaries of text stay (one output dictionary is made of them
 * all when the parts are assembled: `DictionaryUnifier`); a dictionary of anything else is decoded to
 * a plain column of its value type.
 */
function forPart(batch: RecordBatch): RecordBatch {
  const other = (t: DataType) => DataType.isDictionary(t) && !DictionaryUnifier.textDictionary(t);
  if (!batch.schema.fields.some((f) => other(f.type))) return batch;
  const fields: Field[] = [];
  const children: Data[] = batch.schema.fields.map((f, i) => {
    const data = batch.data.children[i]!;
    if (!other(f.type)) return (fields.push(f), data);
    const type = (f.type as Dictionary).dictionary;
    fields.push(new Field(f.name, type, true, f.metadata));
    return vectorFromArray([...makeVector(data)], type).data[0]!;
  });
  const schema = new Schema(fields, batch.schema.metadata);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
}

/** The line writers of this thread's part files, made on first use: their buffers are kept from batch to batch. */
let csvLines: BatchLines | undefined;
let jsonLines: BatchLines | undefined;

/** Appends one batch to a part file, encoded for `format`. Synchronous: it runs inside a job's `fold`. */
export function appendBatchToPart(file: string, batch: RecordBatch, format: PartFormat): void {
  if (format === 'csv') appendFileSync(file, (csvLines ??= new BatchLines('csv')).of(batch));
  else if (format === 'ndjson' || format === 'json') appendFileSync(file, (jsonLines ??= new BatchLines('json')).of(batch));
  else appendArrowBatch(file, forPart(batch));
}

export { BatchEncodingError } from './arrow-part-writer.js';

/**
 * NDJSON lines, streamed in chunks, as the rows of a JSON array: every line end becomes `,\n` except
 * the last one's. A JSON line holds no raw newline (JSON escapes it), so each LF byte ends a row.
 */
class JsonArrayLines {
  private started = false;
  private pending = false;

  /** The chunk with its line ends as row separators; a line end is held back until another row follows it. */
  push(chunk: Buffer): Buffer {
    const pieces = chunk.toString('latin1').split('\n'); // latin1 keeps each byte one char, so UTF-8 passes through
    let out = '';
    for (let j = 0; j < pieces.length; j++) {
      if (j > 0) this.pending = true;
      if (pieces[j] === '') continue;
      if (this.pending) out += ',\n';
      else if (!this.started) out += '\n';
      this.pending = false;
      this.started = true;
      out += pieces[j];
    }
    return Buffer.from(out, 'latin1');
  }

  /** The end of the array. */
  end(): string {
    return this.started ? '\n]\n' : ']\n';
  }
}

/** The batches of the parts, in order, their text dictionaries made one per column (`DictionaryUnifier`). */
async function* batchesOfParts(parts: string[]): AsyncGenerator<RecordBatch> {
  const all = async function* () {
    for (const p of parts) yield* partBatches(p);
  };
  const it = all();
  const first = await it.next();
  if (first.done) return;
  if (!DictionaryUnifier.applies(first.value.schema)) {
    yield first.value;
    return yield* it;
  }
  // A first pass reads the dictionaries; only an output with dictionary columns pays for it.
  const unifier = new DictionaryUnifier();
  unifier.add(first.value);
  for await (const b of it) unifier.add(b);
  for await (const b of all()) yield unifier.remap(b);
}

/**
 * The batches of an Arrow part file (a run of concatenated IPC streams), one at a time, read as a
 * stream: a part holds a whole split's output, which for a 200 KB .gz that expands to 200 MB of text
 * is 200 MB of Arrow, and reading it whole made convert's peak RSS grow with the output.
 */
async function* partBatches(file: string): AsyncGenerator<RecordBatch> {
  for await (const reader of RecordBatchReader.readAll(createReadStream(file, { highWaterMark: 1 << 20 }))) yield* reader;
}

/**
 * Writes `parts` (in order) to `out` in `format`, atomically. `columns` names the CSV header.
 * Returns the rows written for the Arrow-based formats (text formats are counted by the job).
 */
export async function assembleParts(parts: string[], out: string, format: PartFormat, columns: string[]): Promise<void> {
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.quiver-${process.pid}-${Date.now()}.tmp`);
  try {
    if (format === 'csv' || format === 'ndjson' || format === 'json') {
      const fh = await open(tmp, 'w');
      try {
        if (format === 'csv') await fh.write(csvHeader(columns));
        const array = format === 'json' ? new JsonArrayLines() : undefined;
        if (array) await fh.write('[');
        // One buffer carries every part: a fresh 1 MB chunk per read of a 500 MB output kept the
        // coordinator's garbage collector busy for a quarter of its CPU time.
        const buf = Buffer.allocUnsafe(PART_CHUNK);
        for (const part of parts) {
          const ph = await open(part, 'r');
          try {
            for (;;) {
              const { bytesRead } = await ph.read(buf, 0, buf.length, null);
              if (bytesRead === 0) break;
              const chunk = buf.subarray(0, bytesRead);
              await fh.write(array ? array.push(chunk) : chunk);
            }
          } finally {
            await ph.close();
          }
        }
        if (array) await fh.write(array.end());
      } finally {
        await fh.close();
      }
    } else if (format === 'parquet') {
      await writeParquetStream(batchesOfParts(parts), tmp, columns);
    } else if (!(await copiedArrowParts(parts, tmp, format === 'arrow'))) {
      const writer = format === 'arrow' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
      const sink = createWriteStream(tmp);
      const done = pipeline(writer.toNodeStream() as unknown as NodeJS.ReadableStream, sink);
      done.catch(() => undefined); // awaited below; a failure while batches are still read must not go unhandled meanwhile
      let started = false;
      for await (const batch of batchesOfParts(parts)) {
        if (!started) writer.reset(undefined, batch.schema);
        started = true;
        writer.write(batch);
        // The writer queues what it is given; wait for the file to take it, so a batch at a time is held.
        if (sink.writableNeedDrain) await once(sink, 'drain');
      }
      if (!started) writer.reset(undefined, new Schema(columns.map((c) => new Field(c, new Utf8()))));
      writer.finish();
      await done;
    }
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new InputError(`could not write ${out}: ${(e as Error).message}`, { cause: e });
  }
}

/** Whether `parts` were copied into `tmp` as they are (`copyArrowParts`); if not, `tmp` is left to be written afresh. */
async function copiedArrowParts(parts: string[], tmp: string, file: boolean): Promise<boolean> {
  const fh = await open(tmp, 'w');
  try {
    return await copyArrowParts(parts, fh, file);
  } finally {
    await fh.close();
  }
}

/** Writes record batches to a Parquet file with parquet-wasm's streaming writer (a row group at a time). */
export async function writeParquetStream(
  batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
  file: string,
  columns: string[] = [],
): Promise<void> {
  const pq = await import('parquet-wasm/node');
  const it = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  const first = await it.next();
  const props = parquetWriterProperties(pq, first.done ? undefined : first.value);
  if (first.done) {
    const empty = new Table(new Schema(columns.map((c) => new Field(c, new Utf8(), true))));
    await writeFile(file, pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(empty, 'stream')), props));
    return;
  }
  let pending: RecordBatch | undefined = first.value;
  const source = new ReadableStream({
    async pull(controller) {
      try {
        const next = pending ? { done: false as const, value: pending } : await it.next();
        pending = undefined;
        if (next.done) return controller.close();
        controller.enqueue(pq.Table.fromIPCStream(tableToIPC(new Table([forParquet(next.value)]), 'stream')).recordBatch(0));
      } catch (e) {
        // parquet-wasm ends its output normally when its input stream fails, so a batch it refuses
        // (invalid UTF-8 in a string column), or a part that fails to read, would silently leave the
        // rest out: keep the error.
        failed = { error: e };
        controller.error(e);
      }
    },
  });
  let failed: { error: unknown } | undefined;
  try {
    const bytes = await pq.transformParquetStream(source, props);
    await pipeline(Readable.fromWeb(bytes as never), createWriteStream(file));
  } catch (e) {
    throw failed?.error ?? e; // parquet-wasm's own message for a failed input is "Dyn casting error"
  }
  if (failed) throw failed.error;
  await annotateParquetFile(file, parquetWritable(first.value.schema).annotations);
}

import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { makeVector, type RecordBatch, RecordBatchFileWriter, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { makeRandom, sampleInt } from './random.js';

/** Rows per record batch written by the generators. */
export const GENERATED_BATCH_ROWS = 1 << 16;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Record batches of the db-benchmark group-by table G1 with `rows` rows and K = 100: id1, id2 strings
 * with K distinct values, id3 strings with rows/K values; id4, id5 integers 1–K, id6 integers 1–rows/K;
 * v1 integers 1–5, v2 integers 1–15, v3 floats 0–100 rounded to 6 decimals.
 */
export function* groupbyBatches(rows: number, seed = 1, batchRows = GENERATED_BATCH_ROWS): Generator<RecordBatch> {
  const K = 100;
  const NK = Math.max(1, Math.round(rows / K));
  const random = makeRandom(seed);
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const id1 = new Array<string>(n),
      id2 = new Array<string>(n),
      id3 = new Array<string>(n);
    const id4 = new Int32Array(n),
      id5 = new Int32Array(n),
      id6 = new Int32Array(n);
    const v1 = new Int32Array(n),
      v2 = new Int32Array(n),
      v3 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      id1[i] = `id${pad(sampleInt(random, K), 3)}`;
      id2[i] = `id${pad(sampleInt(random, K), 3)}`;
      id3[i] = `id${pad(sampleInt(random, NK), 10)}`;
      id4[i] = sampleInt(random, K);
      id5[i] = sampleInt(random, K);
      id6[i] = sampleInt(random, NK);
      v1[i] = sampleInt(random, 5);
      v2[i] = sampleInt(random, 15);
      v3[i] = Math.round(random() * 100 * 1e6) / 1e6;
    }
    const table = new Table({
      id1: vectorFromArray(id1, new Utf8()),
      id2: vectorFromArray(id2, new Utf8()),
      id3: vectorFromArray(id3, new Utf8()),
      id4: makeVector(id4),
      id5: makeVector(id5),
      id6: makeVector(id6),
      v1: makeVector(v1),
      v2: makeVector(v2),
      v3: makeVector(v3),
    });
    yield* table.batches;
  }
}

/** Writes record batches to an Arrow IPC file as they come (memory stays at about one batch). */
export async function writeArrowFile(file: string, batches: Iterable<RecordBatch>, schema?: Schema): Promise<void> {
  const writer = new RecordBatchFileWriter();
  const out = createWriteStream(file);
  const done = pipeline(writer.toNodeStream() as unknown as NodeJS.ReadableStream, out);
  let started = false;
  for (const batch of batches) {
    if (!started) {
      writer.reset(undefined, batch.schema);
      started = true;
    }
    writer.write(batch);
  }
  if (!started) writer.reset(undefined, schema ?? new Schema([]));
  writer.finish();
  await done;
}

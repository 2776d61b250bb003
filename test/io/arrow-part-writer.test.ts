import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC as flechetteTable } from '@uwdata/flechette';
import {
  DataType,
  Field,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  tableFromArrays,
  tableToIPC,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { appendArrowBatch, BatchEncodingError } from '../../dist/src/io/arrow-part-writer.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import { readParquetLayout, splitParquetFile } from '../../dist/src/planner/parquet.js';
import { DUCK_SQL, polarsFrame } from '../jobs/typed/matrix-data.js';
import { duckRows } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

// convert's Arrow part writer (src/io/arrow-part-writer.ts) writes each batch's metadata and its
// buffers as they are, instead of Arrow JS's stream writer. Judged by readers that are not it: the
// part read by flechette holds every value and null that flechette reads from Arrow JS's own encoding
// of the same batches, on the type matrix's files written by DuckDB and Polars (every type family,
// nulls in every column); without dictionaries the bytes are Arrow JS's stream, message for message.

const dir = tempDir();
const file = (name: string) => path.join(dir, name);
const text = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
/** flechette's rows, one text each (from a plain Uint8Array: a Buffer's slices would print as Buffers). */
const rowsOf = (bytes: Uint8Array) => flechetteTable(new Uint8Array(bytes), { useBigInt: true }).toArray().map(text);

/** Every batch of a Parquet file as quiver's reader gives them, cut into batches of `batchRows`. */
async function batchesOf(parquet: string, batchRows: number): Promise<RecordBatch[]> {
  const layout = await readParquetLayout(parquet, statSync(parquet).size);
  const out: RecordBatch[] = [];
  for (const split of splitParquetFile(layout, 1 << 20, 0)) out.push(...(await readParquetSplit(split, batchRows)));
  return out;
}

/** A batch without its dictionary columns. */
function withoutDictionaries(b: RecordBatch): RecordBatch {
  const keep = b.schema.fields.flatMap((f, i) => (DataType.isDictionary(f.type) ? [] : [i]));
  const schema = new Schema(keep.map((i) => b.schema.fields[i]!));
  const children = keep.map((i) => b.data.children[i]!);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: b.numRows, nullCount: 0, children }));
}

describe('Arrow part writer: batches written from their buffers', () => {
  it('DuckDB and Polars files of every type: the part reads back to the values of Arrow JS encoding the same batches', async () => {
    await duckRows(`COPY (${DUCK_SQL}) TO '${file('duck.parquet')}' (ROW_GROUP_SIZE 100)`);
    polarsFrame().writeParquet(file('polars.parquet'));
    for (const source of ['duck.parquet', 'polars.parquet']) {
      // Batches of 70 rows: slices of 100-row groups (offsets not at 0, bitmaps not byte-aligned).
      const batches = await batchesOf(file(source), 70);
      // Dictionary columns (DuckDB's ENUM, Polars' Categorical) go through Arrow JS's writer: the rest is written from its buffers.
      const plain = batches.map(withoutDictionaries);
      expect(plain[0]!.numCols, source).toBeGreaterThan(15);
      const part = file(`${source}.arrows`);
      for (const b of plain) appendArrowBatch(part, b);
      const written = readFileSync(part);
      const reference = tableToIPC(new Table(plain), 'stream');
      expect(rowsOf(written), source).toEqual(rowsOf(reference));
      // The very bytes of Arrow JS's stream but its end marker.
      expect(Buffer.compare(written, Buffer.from(reference.subarray(0, reference.length - 8))), source).toBe(0);
      // With the dictionary columns, a part mixes both writers' streams: Arrow JS reads every row back.
      const mixed = file(`${source}.mixed.arrows`);
      for (const b of batches) appendArrowBatch(mixed, b);
      const back: RecordBatch[] = [];
      for await (const reader of RecordBatchReader.readAll(createReadStream(mixed))) for await (const b of reader) back.push(b);
      expect(back.map((b) => b.numRows)).toEqual(batches.map((b) => b.numRows));
      expect(text(new Table(back).toArray())).toBe(text(new Table(batches).toArray()));
    }
  }, 120_000);

  it('a batch whose schema changes starts a new stream in the part; both read back', () => {
    const a = tableFromArrays({ x: Int32Array.of(1, 2, 3) }).batches[0]!;
    const schemaB = new Schema([new Field('y', new Int32(), true)]);
    const b = new RecordBatch(
      schemaB,
      makeData({
        type: new Struct(schemaB.fields),
        length: 2,
        nullCount: 0,
        children: [makeData({ type: new Int32(), data: Int32Array.of(7, 8) })],
      }),
    );
    const part = file('two-streams.arrows');
    appendArrowBatch(part, a);
    appendArrowBatch(part, b);
    appendArrowBatch(part, b);
    const bytes = readFileSync(part);
    // flechette reads the first stream; Arrow JS's readAll reads each.
    expect(flechetteTable(bytes).toArray()).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(bytes.indexOf(Buffer.from(Int32Array.of(-1, 0).buffer))).toBeGreaterThan(0);
  });

  it('a column whose values are fewer than its rows is refused, not written short (fuzz case 2541 class)', () => {
    const schema = new Schema([new Field('x', new Int32(), true)]);
    const short = makeData({ type: new Int32(), length: 10, nullCount: 0, data: new Int32Array(5) });
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 10, nullCount: 0, children: [short] }));
    const part = file('short.arrows');
    writeFileSync(part, '');
    expect(() => appendArrowBatch(part, batch)).toThrow(BatchEncodingError);
    expect(() => appendArrowBatch(part, batch)).toThrow(/values of column "x" has 20 bytes, 10 values need 40/);
    expect(readFileSync(part).length).toBe(0);
  });
});

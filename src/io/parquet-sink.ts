import { open } from 'node:fs/promises';
import { DataType, makeVector, Table, tableToIPC, type Data, type RecordBatch } from 'apache-arrow';
import { withOneDictionary } from './dictionaries.js';
import { readRange } from './file-range.js';
import { withAnnotations, type ParquetAnnotations } from './parquet-thrift.js';
import { forParquet, parquetWritable } from './parquet-types.js';

/**
 * Rows per Parquet row group quiver writes. Row groups are the splits of a Parquet input, so groups
 * of 128K rows (as DuckDB writes about) keep files readable in parallel and a task's memory small.
 */
export const PARQUET_ROW_GROUP_ROWS = 1 << 17;

/** Rows of the first batch that `parquetWriterProperties` counts distinct values in. */
const DICTIONARY_SAMPLE_ROWS = 1 << 16;

/**
 * parquet-wasm's writer properties for an output whose first batch is `first`: Snappy, 128K-row groups,
 * and dictionary encoding only for the columns where it pays: at most one distinct value in 20 among
 * the first batch's rows (up to 64K of them); nested columns and dictionaries keep arrow-rs's default.
 *
 * Why: arrow-rs dictionary-encodes every column by default, building each row group's dictionary by
 * hashing every value until the dictionary outgrows its page (1 MB), in WebAssembly: on 2.5M rows of
 * G1 that was 2.9-3.6 s of CPU against 0.9-1.0 s with dictionaries only where this rule puts them
 * (file 61 → 68 MB; no dictionaries at all: 74 MB). The rule gives the choice DuckDB made for the same
 * columns (dictionaries for id1, id2, id4, id5, v1, v2, of at most 100 values per 122,880-row group;
 * plain for id3, id6, v3, of ~72K and ~163K); the values written are the same either way.
 */
export function parquetWriterProperties(pq: typeof import('parquet-wasm/node'), first: RecordBatch | undefined) {
  let builder = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY).setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS);
  for (const [i, field] of (first?.schema.fields ?? []).entries()) {
    if (!dictionaryPays(first!.data.children[i]!)) builder = builder.setColumnDictionaryEnabled(field.name, false);
  }
  return builder.build();
}

/** Whether a column's sample has at most one distinct value in 20 (nested columns and dictionaries: yes, arrow-rs decides). */
function dictionaryPays(data: Data): boolean {
  const type = data.type;
  if (DataType.isDictionary(type) || data.children.length > 0) return true;
  const rows = Math.min(data.length, DICTIONARY_SAMPLE_ROWS);
  const limit = Math.max(1, Math.floor(rows / 20));
  const values = makeVector(data);
  const seen = new Set<unknown>();
  for (let i = 0; i < rows; i++) {
    const v = values.get(i);
    // Decimals and intervals come as typed arrays, 64-bit values as bigints: compared by their text.
    seen.add(v !== null && typeof v === 'object' ? String(v) : v);
    if (seen.size > limit) return false;
  }
  return true;
}

/**
 * A table as Parquet bytes (Snappy), through parquet-wasm; dictionary columns stay dictionary-encoded,
 * intervals are written as Parquet INTERVAL and UUIDs keep their annotation (`parquetWritable`).
 */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const pq = await import('parquet-wasm/node');
  const batches = withOneDictionary(table.batches);
  const props = parquetWriterProperties(pq, batches[0]);
  const { schema, annotations } = parquetWritable(batches[0]?.schema ?? table.schema);
  const writable = batches === table.batches && schema === table.schema ? table : new Table(schema, batches.map(forParquet));
  const bytes = pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(writable, 'stream')), props);
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  const body = bytes.length - 8 - length;
  const footer = withAnnotations(bytes.subarray(body, bytes.length - 8), annotations);
  return footer ? Buffer.concat([bytes.subarray(0, body), footer, footerTail(footer.length)]) : bytes;
}

/**
 * Gives the UUID and INTERVAL columns of a Parquet file quiver wrote their annotations, which
 * parquet-wasm's writer leaves out (it writes a FixedSizeBinary(16) column as a bare
 * FIXED_LEN_BYTE_ARRAY(16), even with Arrow's `arrow.uuid` extension name on the field; an interval is
 * handed to it as its 12 bytes): the footer is written again in place of the old one. Without it
 * DuckDB reads a UUID written back by quiver as a BLOB, and an INTERVAL as a BLOB.
 */
export async function annotateParquetFile(file: string, annotations: ParquetAnnotations): Promise<void> {
  if (annotations.uuids.length + annotations.intervals.length === 0) return;
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    const length = (await readRange(fh, size - 8, 4)).readUInt32LE(0);
    const body = size - 8 - length;
    const footer = withAnnotations(await readRange(fh, body, length), annotations);
    if (!footer) return;
    await fh.truncate(body);
    await fh.write(Buffer.concat([footer, footerTail(footer.length)]), 0, undefined, body);
  } finally {
    await fh.close();
  }
}

/** A Parquet file's last 8 bytes: the footer's length and the magic PAR1. */
function footerTail(length: number): Buffer {
  const tail = Buffer.from('\0\0\0\0PAR1', 'latin1');
  tail.writeUInt32LE(length, 0);
  return tail;
}

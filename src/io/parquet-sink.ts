import { open } from 'node:fs/promises';
import { Table, tableToIPC } from 'apache-arrow';
import { withOneDictionary } from './dictionaries.js';
import { readRange } from './file-range.js';
import { withAnnotations, type ParquetAnnotations } from './parquet-thrift.js';
import { forParquet, parquetWritable } from './parquet-types.js';

/**
 * Rows per Parquet row group quiver writes. Row groups are the splits of a Parquet input, so groups
 * of 128K rows (as DuckDB writes about) keep files readable in parallel and a task's memory small.
 */
export const PARQUET_ROW_GROUP_ROWS = 1 << 17;

/**
 * A table as Parquet bytes (Snappy), through parquet-wasm; dictionary columns stay dictionary-encoded,
 * intervals are written as Parquet INTERVAL and UUIDs keep their annotation (`parquetWritable`).
 */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const pq = await import('parquet-wasm/node');
  const props = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY).setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS).build();
  const batches = withOneDictionary(table.batches);
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

import { tableToIPC, type Table } from 'apache-arrow';

/**
 * Rows per Parquet row group quiver writes. Row groups are the splits of a Parquet input, so groups
 * of 128K rows (as DuckDB writes about) keep files readable in parallel and a task's memory small.
 */
export const PARQUET_ROW_GROUP_ROWS = 1 << 17;

/** A table as Parquet bytes (Snappy), through parquet-wasm; dictionary columns stay dictionary-encoded. */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const pq = await import('parquet-wasm/node');
  const props = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY).setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS).build();
  return pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}

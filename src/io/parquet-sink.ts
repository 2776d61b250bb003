import { tableToIPC, type Table } from 'apache-arrow';

/** A table as Parquet bytes (Snappy), through parquet-wasm; dictionary columns stay dictionary-encoded. */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const pq = await import('parquet-wasm/node');
  const props = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.SNAPPY).build();
  return pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}

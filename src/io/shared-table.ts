import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';

/**
 * Places an in-memory table once in a SharedArrayBuffer as an Arrow IPC stream. Every worker decodes
 * it into views over that same memory: one copy in, zero copies per worker.
 */
export function tableToShared(table: Table): SharedArrayBuffer {
  const ipc = tableToIPC(table, 'stream');
  const shared = new SharedArrayBuffer(ipc.byteLength);
  new Uint8Array(shared).set(ipc);
  return shared;
}

/** Decodes a table placed by `tableToShared` into zero-copy views of the shared memory. */
export function tableFromShared(shared: SharedArrayBuffer): Table {
  return tableFromIPC(new Uint8Array(shared));
}

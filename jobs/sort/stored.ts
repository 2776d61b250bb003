import { Table, tableFromIPC, tableToIPC, type Field, type RecordBatch } from 'apache-arrow';
import type { DriverContext } from 'quiver-engine';
import { pick } from '../join/take.js';
import { allocate, copyRows, viewOfBatch, type ColumnPlan } from './columns.js';
import { boundTableOf, type BoundTable, type SortKey } from './keys.js';
import { nestedTable, partitionBatch, rangesOfRows, sortRange, type PartAcc, type SortPlan } from './partition.js';
import { rangeLayoutOf, tableOf } from './plan.js';
import { textBytesOf } from './sample.js';

/**
 * TeraSort through the store, for workers that share no memory (`--cluster`): the same sample and
 * boundaries as in shared memory, then one keyed step whose map sends each batch's rows of range r,
 * as Arrow IPC, under key r, and whose reduce task r sorts its range with the shared-memory kernel
 * (one range over the rows it received) and returns it as Arrow IPC; the driver lays the ranges end
 * to end. The shuffle's map outputs and the sorted ranges travel through the store as any keyed job's do.
 */

/** What the map and reduce tasks of the store's shuffle need: plain data, so it travels in the stage plan. */
export interface StoredPlan {
  keys: SortKey[];
  cols: ColumnPlan[];
  keyCols: number[];
  bounds: BoundTable;
  /** First input position of each split, by split id. */
  splitBase: number[];
  /** The input's schema (Arrow IPC), for the output's field metadata. */
  schema: Uint8Array;
  output: number[];
}

/** A batch's rows of one range: its first input position (rows of a batch are consecutive positions) and the rows as Arrow IPC. */
export interface RangeChunk {
  pos: number;
  ipc: Uint8Array;
}

/** Arrays of a task's own memory, for the shared-memory kernels run where no memory is shared. */
export const ownMemory: DriverContext['shared'] = (type, length) => new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));

/** The rows of a batch (input positions from `start`) grouped by range, each group in input order as a chunk. */
export function chunksOfBatch(batch: RecordBatch, plan: StoredPlan, start: number): Map<number, RangeChunk> {
  const n = batch.numRows;
  const kv = plan.keyCols.map((c) => viewOfBatch(batch, plan.cols[c]!));
  const range = rangesOfRows(kv, n, start, plan);
  const counts = new Int32Array(plan.bounds.pos.length + 1);
  for (let i = 0; i < n; i++) counts[range[i]!]!++;
  const rows = new Map<number, Int32Array>();
  const next = new Int32Array(counts.length);
  for (let i = 0; i < n; i++) {
    const r = range[i]!;
    let list = rows.get(r);
    if (!list) rows.set(r, (list = new Int32Array(counts[r]!)));
    list[next[r]!++] = i;
  }
  const out = new Map<number, RangeChunk>();
  for (const [r, list] of rows) out.set(r, { pos: start, ipc: tableToIPC(new Table(pick(batch, list)), 'stream') });
  return out;
}

/**
 * Sorts one range's chunks: in input order (by position), through the shared-memory partition and
 * range sort with a single range, so ties keep their input order exactly as a local run's do.
 */
export function sortChunks(chunks: RangeChunk[], plan: StoredPlan): Uint8Array {
  const batches = [...chunks].sort((a, b) => a.pos - b.pos).flatMap((c) => tableFromIPC(c.ipc).batches);
  const { cols, keys, keyCols, output } = plan;
  let rows = 0;
  const bytes = cols.map(() => 0);
  for (const b of batches) {
    rows += b.numRows;
    cols.forEach((p, c) => {
      if (p.holding === 'bytes')
        bytes[c]! += textBytesOf(
          b,
          p,
          b.schema.fields.findIndex((f) => f.name === p.name),
        );
    });
  }
  const one: SortPlan = {
    keys,
    cols,
    keyCols,
    bounds: boundTableOf([], keys.length),
    splitBase: [0],
    byteBase: [cols.map(() => 0)],
    held: allocate(ownMemory, cols, rows, bytes),
  };
  const acc: PartAcc = { split: 0, rows: 0, at: cols.map(() => 0), batches: [], bytes: cols.map(() => 0), nested: [] };
  for (const b of batches) partitionBatch(acc, b, one);
  one.held.offsets.forEach((o, c) => {
    o && (o[rows] = bytes[c]!);
  });
  const out = allocate(ownMemory, cols, rows, bytes, output);
  sortRange({ plan: one, out, output, ...rangeLayoutOf(acc, 1, cols.length, rows) }, 0);
  return tableToIPC(tableOf(out, cols, fieldsOf(plan), output, rows, acc.nested), 'stream');
}

/** The sorted ranges, in range order, as one table laid out as a local run's (one chunk per column). */
export function concatRanges(ranges: Table[], plan: StoredPlan, rows: number, bytes: number[]): Table {
  const { cols, output } = plan;
  const out = allocate(ownMemory, cols, rows, bytes, output);
  const at = cols.map(() => 0);
  // Nested columns are taken by position, as in a local run: here each row's own, with its batch beside.
  const nestedNames = output.filter((c) => cols[c]!.nested).map((c) => cols[c]!.name);
  const nested: PartAcc['nested'] = [];
  let base = 0;
  for (const t of ranges) {
    for (const batch of t.batches) {
      const n = batch.numRows;
      const all = Int32Array.from({ length: n }, (_, i) => i);
      if (nestedNames.length) nested.push({ start: base, ipc: tableToIPC(nestedTable(batch, nestedNames)) });
      for (const c of output) at[c] = copyRows(viewOfBatch(batch, cols[c]!, base), all, n, out, cols[c]!, c, base, at[c]!);
      base += n;
    }
  }
  if (base !== rows)
    throw new Error('the input changed while it was being sorted (its row count differs between two reads); sort a stable input');
  return tableOf(out, cols, fieldsOf(plan), output, rows, nested);
}

const fieldsOf = (plan: StoredPlan): Field[] => tableFromIPC(plan.schema).schema.fields;

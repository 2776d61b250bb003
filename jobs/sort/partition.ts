import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { copyRows, fixedRangeView, scatterRows, viewOfBatch, viewOfHeld, type ColumnPlan, type ColumnView, type Held } from './columns.js';
import { encoded, encodeKeys, rangesOf, type BoundTable, type SortKey } from './keys.js';
import { radixOrder, refineText, type TextKey } from './radix.js';

/** Everything the partition step and the range sorts share, built by the driver (plain data and shared arrays). */
export interface SortPlan {
  keys: SortKey[];
  cols: ColumnPlan[];
  /** The column of each key. */
  keyCols: number[];
  /** Range r holds the rows ordered at or after bound r − 1 and before bound r. */
  bounds: BoundTable;
  /** First held row and first held text byte (per column) of each split, by split id. */
  splitBase: number[];
  byteBase: number[][];
  /** The input's rows as the partition step lays them out: each batch's rows grouped by range. */
  held: Held;
}

/** The partition step's accumulator: per batch its first held row and its rows per range; text bytes per range and column. */
export interface PartAcc {
  split: number;
  rows: number;
  at: number[];
  batches: number[];
  bytes: number[];
  /** The nested columns of each batch (Arrow IPC), from input position `start` on: taken by position at the end. */
  nested: Array<{ start: number; ipc: Uint8Array }>;
}

/**
 * Copies a batch into the held arrays at its place in its split, its rows grouped by range (in input
 * order within a range, so positions keep the tie order), and counts them per range. A row's range comes
 * from comparing full keys, then input position, with the boundaries (`rangesOf`), so rows with equal
 * keys still spread over ranges.
 */
export function partitionBatch(acc: PartAcc, batch: RecordBatch, plan: SortPlan): void {
  const n = batch.numRows,
    R = plan.bounds.pos.length + 1;
  const start = plan.splitBase[acc.split]! + acc.rows;
  const views = plan.cols.map((p) => viewOfBatch(batch, p, start));
  const nested = plan.cols.filter((p) => p.nested).map((p) => p.name);
  if (nested.length) acc.nested.push({ start, ipc: tableToIPC(nestedTable(batch, nested)) });
  const range = rangesOfRows(
    plan.keyCols.map((c) => views[c]!),
    n,
    start,
    plan,
  );
  const counts = new Array<number>(R).fill(0);
  for (let i = 0; i < n; i++) counts[range[i]!]!++;
  // Each row's place in the batch's held rows: ranges in order, input order within a range.
  const next = new Int32Array(R);
  for (let r = 1; r < R; r++) next[r] = next[r - 1]! + counts[r - 1]!;
  const dest = new Int32Array(n);
  for (let i = 0; i < n; i++) dest[i] = next[range[i]!]!++;
  plan.cols.forEach((p, c) => {
    acc.at[c] = scatterRows(views[c]!, dest, range, n, plan.held, p, c, start, acc.at[c]!, acc.bytes, plan.cols.length);
  });
  acc.batches.push(start, ...counts);
  acc.rows += n;
}

/**
 * The range of each of the n rows of a batch whose key columns are `kv` (input positions start, start + 1, …):
 * full keys, then position, against the plan's boundaries.
 */
export function rangesOfRows(kv: ColumnView[], n: number, start: number, plan: Pick<SortPlan, 'keys' | 'cols' | 'keyCols' | 'bounds'>) {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const enc = plan.keyCols.map((c, j) => {
    const e = encoded(n);
    encodeKeys(kv[j]!, plan.cols[c]!.order, plan.keys[j]!.desc, all, n, e);
    return e;
  });
  return rangesOf(kv, enc, n, start, plan.bounds, plan.keys);
}

/**
 * What a range sort needs beyond the plan: per batch (in input order) the held position where each
 * range's rows start and where the batch ends (R + 1 numbers), per range where its output goes, and
 * the output columns.
 */
export interface RangeJob {
  plan: SortPlan;
  batches: number[];
  rangeBase: number[];
  rangeBytes: number[][];
  out: Held;
  output: number[];
}

/**
 * Sorts range r: gathers its rows from every batch, radix-sorts their encoded keys (text finished by
 * full comparison where 8 bytes do not decide), and copies the rows in order to their place in the
 * output. Text keys show the 8 bytes after the prefix all rows of the range share.
 */
export function sortRange(job: RangeJob, r: number): number {
  const { plan, batches, out } = job;
  const step = plan.bounds.pos.length + 2;
  let n = 0;
  for (let b = 0; b < batches.length; b += step) n += batches[b + r + 1]! - batches[b + r]!;
  const rows = new Int32Array(n);
  for (let b = 0, k = 0; b < batches.length; b += step) for (let at = batches[b + r]!; at < batches[b + r + 1]!; at++) rows[k++] = at;
  const held = plan.cols.map((_, c) => viewOfHeld(plan.held, plan.cols, c));
  const text: Array<TextKey | undefined> = [];
  const enc = plan.keyCols.map((c, j) => {
    const desc = plan.keys[j]!.desc,
      e = encoded(n);
    // A wide decimal or FixedSizeBinary key is ordered by a byte image of the range's rows only (its own view, row k is rows[k]).
    const wide = plan.cols[c]!.holding === 'fixed' && plan.cols[c]!.order === 'bytes';
    const v = wide ? fixedRangeView(held[c]!, rows, plan.cols[c]!) : held[c]!;
    const at = wide ? Int32Array.from({ length: n }, (_, k) => k) : rows;
    let skip = 0;
    if (v.bytes) {
      // Local text bounds; a null is -1..-1 (compared only with nulls, as equal).
      const starts = new Int32Array(n).fill(-1),
        ends = new Int32Array(n).fill(-1);
      for (let k = 0; k < n; k++) if (!v.valid || v.valid[at[k]!]) (starts[k] = v.starts![at[k]!]!), (ends[k] = v.ends![at[k]!]!);
      skip = sharedPrefix(v.bytes, starts, ends);
      text[j] = { bytes: v.bytes, starts, ends, desc };
    }
    encodeKeys(v, plan.cols[c]!.order, desc, at, n, e, skip);
    return e;
  });
  const order = radixOrder(n, enc);
  refineText(order, enc, text);
  const src = new Int32Array(n);
  for (let j = 0; j < n; j++) src[j] = rows[order[j]!]!;
  for (const c of job.output) copyRows(held[c]!, src, n, out, plan.cols[c]!, c, job.rangeBase[r]!, job.rangeBytes[r]![c]!);
  return n;
}

/** Length of the prefix all non-null texts share (nulls start at -1). */
function sharedPrefix(bytes: Uint8Array, starts: Int32Array, ends: Int32Array): number {
  let first = -1,
    len = 0;
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k]!;
    if (s < 0) continue;
    if (first < 0) {
      first = s;
      len = ends[k]! - s;
      continue;
    }
    let m = 0;
    const lim = Math.min(len, ends[k]! - s);
    while (m < lim && bytes[s + m] === bytes[first + m]) m++;
    len = m;
    if (len === 0) break;
  }
  return len;
}

/** The named columns of a batch as a table (from its vectors: Arrow JS's RecordBatch.select loses a LargeList's child). */
export function nestedTable(batch: RecordBatch, names: string[]): Table {
  return new Table(Object.fromEntries(names.map((n) => [n, batch.getChild(n)!])));
}

import { type DataType, type Schema, Table, tableFromIPC, tableToIPC, type Vector } from 'apache-arrow';
import { batchesOfShared, shareBatches, type SharedBatches } from '../../src/io/shared-batches.js';
import { take } from '../join/take.js';
import { finishedColumns } from './finish.js';
import type { Pass } from './partials.js';
import { sortedRows, widthOf } from './sort-rows.js';
import type { Agg, AggPlan, Allocate } from './types.js';

/**
 * The result of many groups finished in key ranges on the workers, in parallel, instead of on the main
 * thread alone. The main thread has every group's code in each key column's dictionary and its slots
 * (partials.ts' `passOf`, in shared memory) and ranks each column's distinct values (output.ts). It
 * then cuts the key space into RANGES_PER_WORKER ranges a worker of about as many groups each, by the
 * leading key columns' ranks (one counting pass over the groups), and files each group's number under
 * its range. A worker sorts a range's groups by key (output.ts' LSD counting sort, on the range's
 * codes gathered into arrays of its own, which stay nearer the cache than the whole pass's), takes its
 * key columns and finishes its aggregates (finish.ts), and sends the range's rows back as an Arrow IPC
 * stream; the ranges are in key order, so the result is their batches one after the other.
 *
 * Before, the main thread sorted, took and finished every group alone after the workers had finished:
 * db-benchmark q10 (10M groups of six key columns) spent 12.5 s there of a 37.7 s run.
 */

/** Ranges a worker: more than one, so that a worker that finishes early takes another (keys are rarely spread evenly). */
const RANGES_PER_WORKER = 4;

/** Most values the leading digit (the ranks of the leading key columns together) has: its histogram's size. */
const LEAD = 1 << 16;

/** What a range's task reads: shared arrays (never copied to a worker) and each key column's distinct values. */
export interface RangeJob {
  /** Each key column's group codes (`n` each: group g's value is distinct value `codes[j][g]`). */
  codes: Int32Array[];
  /** Each key column's distinct values' ranks. */
  ranks: Int32Array[];
  /** Each slot column (`n` each). */
  slots: Float64Array[];
  /** The groups of range r are `rows[starts[r], starts[r + 1])`, ascending. */
  rows: Int32Array;
  starts: number[];
  /** Each key column's distinct values, as an IPC stream of one column. */
  values: Uint8Array[];
  /** The result's schema (key fields, then the aggregates' output fields), as an IPC stream of no rows. */
  schema: Uint8Array;
}

/**
 * The job of finishing `pass` in about `workers × RANGES_PER_WORKER` ranges: the key columns' distinct
 * values `vectors` and their ranks `ranks`, the result's `schema`. The digit that cuts the ranges is
 * the first key column's rank, with the next columns' while their ranks together have at most LEAD
 * values (q10's id1 and id2: 100 × 100); a first column with more is cut by its rank's high bits.
 */
export function rangeJobOf(
  pass: Pass,
  vectors: Vector[],
  ranks: Int32Array[],
  schema: Schema,
  workers: number,
  allocate: Allocate,
): RangeJob {
  const { n } = pass;
  const widths = ranks.map(widthOf);
  let columns = 1;
  let span = widths[0]!;
  while (columns < widths.length && span * widths[columns]! <= LEAD) span *= widths[columns++]!;
  let shift = 0;
  while ((span - 1) >>> shift >= LEAD) shift++;
  const digits = Math.max(1, ((span - 1) >>> shift) + 1);
  const lead = new Int32Array(n);
  const counts = new Float64Array(digits);
  for (let g = 0; g < n; g++) {
    let d = 0;
    for (let j = 0; j < columns; j++) d = d * widths[j]! + ranks[j]![pass.keys[j]!.codes[g]!]!;
    d >>>= shift;
    lead[g] = d;
    counts[d]!++;
  }
  // Each digit's range: a range closes once it has its share of the groups.
  const wanted = Math.max(1, Math.min(workers * RANGES_PER_WORKER, digits));
  const rangeOf = new Int32Array(digits);
  const sizes: number[] = [0];
  for (let d = 0, seen = 0; d < digits; d++) {
    const r = sizes.length - 1;
    rangeOf[d] = r;
    sizes[r]! += counts[d]!;
    seen += counts[d]!;
    if (seen >= (n * (r + 1)) / wanted && r + 1 < wanted && d + 1 < digits) sizes.push(0);
  }
  const starts = [0];
  for (const s of sizes) starts.push(starts[starts.length - 1]! + s);
  const rows = allocate(Int32Array, n);
  const at = starts.slice(0, -1);
  for (let g = 0; g < n; g++) rows[at[rangeOf[lead[g]!]!]!++] = g;
  return {
    codes: pass.keys.map((k) => k.codes),
    ranks,
    slots: pass.slots,
    rows,
    starts,
    values: vectors.map((v) => tableToIPC(new Table({ v }), 'stream')),
    schema: tableToIPC(new Table(schema), 'stream'),
  };
}

/**
 * Range `r` of `job`, finished: its groups sorted by key, the key columns taken and the aggregates of
 * `plan` finished, as record batches in shared memory (src/io/shared-batches.ts; none for a range
 * without groups): what the IPC stream it was before cost in copies, and readable again by any worker.
 */
export function finishRange(job: RangeJob, r: number, plan: AggPlan): SharedBatches | undefined {
  const rows = job.rows.subarray(job.starts[r]!, job.starts[r + 1]!);
  const m = rows.length;
  if (m === 0) return undefined;
  const schema = tableFromIPC(job.schema).schema;
  const K = job.codes.length;
  // The range's codes and slots of its own, in its rows' order (ascending groups: read from low to high):
  // the sort and the finishing read them at random, m of them and not n.
  const own = <T extends Int32Array | Float64Array>(all: T): T => {
    const out = new (all.constructor as new (n: number) => T)(m);
    for (let k = 0; k < m; k++) out[k] = all[rows[k]!]!;
    return out;
  };
  const codes = job.codes.map(own);
  const order = sortedRows(
    codes.map((c, j) => ({ ranks: job.ranks[j]!, codes: c })),
    m,
  );
  // The result's columns in its schema's order: the keys taken by code, then the aggregates finished.
  const vectors: Vector[] = codes.map((c, j) => {
    const values = tableFromIPC(job.values[j]!).getChild('v')!;
    const at = new Int32Array(m);
    for (let i = 0; i < m; i++) at[i] = c[order[i]!]!;
    return take(values, at);
  });
  const types = schema.fields.slice(K);
  let c = 0;
  const typesOf = (a: Agg): DataType[] => a.names.map(() => types[c++]!.type);
  for (const { vector } of finishedColumns(plan, typesOf, job.slots.map(own), [], order)) vectors.push(vector);
  // In shared memory: the coordinator's result is views of it, which the workers can read again without
  // a copy when they format a large text output (the engine's sinks).
  return shareBatches(schema, new Table(schema, Object.fromEntries(schema.fields.map((f, i) => [f.name, vectors[i]!]))).batches);
}

/** The result from the ranges' batches, in key order (`schema` for no rows). */
export function tableOfRanges(parts: Array<SharedBatches | undefined>, schema: Schema): Table {
  const batches = parts.flatMap((p) => (p ? batchesOfShared(p) : []));
  return batches.length ? new Table(batches) : new Table(schema);
}

import { DataType, Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { describeType, viewOfBatch, type ColumnPlan, type ColumnView } from './columns.js';
import { encoded, encodeKeys, recordOf, type KeyRecord, type SortKey } from './keys.js';

/** What the sample step learns of one split: its rows, text bytes and nulls by column name, and a sample of its keys. */
export interface SplitStats {
  id: number;
  rows: number;
  stride: number;
  bytes: Record<string, number>;
  nulls: Record<string, number>;
  samples: KeyRecord[];
}

/** The sample step's accumulator: the input's schema (as Arrow IPC) and the stats of each split. */
export interface SampleAcc {
  schema: Uint8Array | null;
  splits: SplitStats[];
}

/** Keys sampled in all, spread over the splits: ~300 per range at 12 ranges keeps ranges within ~6% of even. */
const SAMPLE = 4096;

/** The columns of a batch as plans (no nulls known yet), checking every one can be carried. */
export function plansOfBatch(batch: RecordBatch): ColumnPlan[] {
  return batch.schema.fields.map((f) => ({ name: f.name, nulls: false, ...describeType(f.name, f.type) }));
}

/** The plans and views of the key columns of a batch, with a clear error for a missing or unsortable one. */
export function keyViews(batch: RecordBatch, plans: ColumnPlan[], keys: SortKey[]): { plans: ColumnPlan[]; views: ColumnView[] } {
  const names = plans.map((p) => p.name);
  const kp = keys.map(({ column }) => {
    const plan = plans[names.indexOf(column)];
    if (!plan) throw new Error(`--param by names column ${column}, which the input does not have (columns: ${names.join(', ')})`);
    if (!plan.order)
      throw new Error(
        `--param by names column ${column} of type ${batch.schema.fields[names.indexOf(column)]!.type}, which sort cannot order; sort ` +
          `by numbers, decimals, dates, times, timestamps, intervals, booleans, text, bytes or UUIDs`,
      );
    return plan;
  });
  return { plans: kp, views: kp.map((p) => viewOfBatch(batch, p)) };
}

/** The text bytes of the valid rows of column `c` of a batch, a text column as `p` describes it. */
export function textBytesOf(batch: RecordBatch, p: ColumnPlan, c: number): number {
  const { starts, ends, valid } = viewOfBatch(batch, p);
  if (!valid && batch.numRows > 0 && !DataType.isDictionary(batch.schema.fields[c]!.type)) return ends![batch.numRows - 1]! - starts![0]!;
  let sum = 0;
  for (let i = 0; i < batch.numRows; i++) if (!valid || valid[i]) sum += ends![i]! - starts![i]!;
  return sum;
}

/**
 * Adds a batch to a split's stats. The sample is every `stride`-th row of the split, the stride
 * doubling (and every other sample dropped) whenever the sample outgrows its share: bounded, evenly
 * spread and the same on every run; each sample stands for `stride` rows.
 */
export function sampleBatch(acc: SampleAcc, batch: RecordBatch, keys: SortKey[], of: number): void {
  const s = acc.splits[0]!;
  const plans = plansOfBatch(batch);
  acc.schema ??= tableToIPC(new Table(batch.schema), 'stream');
  plans.forEach((p, c) => {
    s.nulls[p.name] = (s.nulls[p.name] ?? 0) + batch.getChildAt(c)!.nullCount;
    if (p.holding === 'bytes') s.bytes[p.name] = (s.bytes[p.name] ?? 0) + textBytesOf(batch, p, c);
  });
  const { plans: kp, views } = keyViews(batch, plans, keys);
  const cap = Math.max(16, Math.ceil(SAMPLE / Math.max(1, of)));
  // Rows of the split at multiples of the stride, the stride doubled first if they would not fit.
  const end = s.rows + batch.numRows;
  const count = (stride: number) => Math.ceil(end / stride) - Math.ceil(s.rows / stride);
  while (s.samples.length + count(s.stride) > cap) {
    s.stride *= 2;
    s.samples = s.samples.filter((x) => x.pos % s.stride === 0);
  }
  const rows = new Int32Array(count(s.stride));
  for (let k = 0, r = Math.ceil(s.rows / s.stride) * s.stride; k < rows.length; k++, r += s.stride) rows[k] = r - s.rows;
  const enc = kp.map((p, c) => {
    const e = encoded(rows.length);
    encodeKeys(views[c]!, p.order, keys[c]!.desc, rows, rows.length, e);
    return e;
  });
  for (let k = 0; k < rows.length; k++) s.samples.push(recordOf(views, enc, rows, k, s.rows + rows[k]!));
  s.rows = end;
}

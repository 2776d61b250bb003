import type { RecordBatch } from 'apache-arrow';

/** Cuts a record batch into zero-copy slices of at most `rows` rows. */
export function cutBatch(batch: RecordBatch, rows: number): RecordBatch[] {
  if (batch.numRows <= rows) return [batch];
  const out: RecordBatch[] = [];
  for (let i = 0; i < batch.numRows; i += rows) out.push(batch.slice(i, Math.min(batch.numRows, i + rows)));
  return out;
}

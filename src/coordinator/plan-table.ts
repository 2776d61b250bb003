import type { Table } from 'apache-arrow';
import { DEFAULT_BATCH_ROWS, defaultSplitBytes, guidedTail, type Plan } from '../planner/plan.js';
import type { TableSplit } from '../planner/split.js';

/** Plans an in-memory table: row ranges sized like file splits. */
export function planTable(table: Table, o: { workers: number; reducers?: number; splitBytes?: number; batchRows?: number }): Plan {
  const rows = table.numRows;
  const bytes = table.data.reduce((n, d) => n + d.byteLength, 0);
  const splitBytes = o.splitBytes ?? defaultSplitBytes(bytes, o.workers);
  const perRow = rows > 0 ? bytes / rows : 1;
  const rowsPerSplit = o.batchRows ?? Math.max(1, Math.round(splitBytes / perRow));
  const splits: TableSplit[] = [];
  for (let r = 0; r < rows; r += rowsPerSplit) {
    const end = Math.min(rows, r + rowsPerSplit);
    splits.push({ kind: 'table', id: splits.length, file: '<table>', rowStart: r, rowEnd: end, bytes: Math.round((end - r) * perRow) });
  }
  // The guided tail, as for files: only for the default split size, with more than one worker.
  const cut = o.splitBytes === undefined && o.batchRows === undefined && o.workers > 1 ? guidedTail(splits, o.workers) : splits;
  return {
    files: [{ path: '<table>', format: 'arrow', bytes, rows, splits: cut.length }],
    splits: cut,
    workers: o.workers,
    reducers: o.reducers ?? o.workers,
    splitBytes,
    guided: cut !== splits,
    batchRows: o.batchRows ?? DEFAULT_BATCH_ROWS,
    totalBytes: bytes,
    totalRows: rows,
  };
}

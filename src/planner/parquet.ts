import { tableFromIPC, type Schema } from 'apache-arrow';
import { openParquet } from '../io/parquet-file.js';
import { checkParquetFooter } from '../io/parquet-footer-check.js';
import { withParquetFields } from '../io/parquet-types.js';
import type { ParquetSplit } from './split.js';
import { rememberedLayout } from './layout-cache.js';

/** What the planner learns from a Parquet footer. */
export interface ParquetLayout {
  file: string;
  bytes: number;
  schema: Schema;
  rowGroups: Array<{ rows: number; bytes: number }>;
  rows: number;
  createdBy?: string;
}

/** Reads a Parquet file's footer: schema and row groups. */
export function readParquetLayout(file: string, bytes: number): Promise<ParquetLayout> {
  return rememberedLayout('parquet', file, bytes, () => readParquetFooter(file, bytes));
}

async function readParquetFooter(file: string, bytes: number): Promise<ParquetLayout> {
  const pf = await openParquet(file);
  try {
    await checkParquetFooter(file); // types and statistics against the schema, once per file, not in every worker
    const meta = pf.metadata();
    const rowGroups = meta.rowGroups().map((g) => ({ rows: g.numRows(), bytes: g.compressedSize() }));
    const schema = withParquetFields(tableFromIPC(pf.schema().intoIPCStream()).schema, pf.annotations!);
    return { file, bytes, schema, rowGroups, rows: rowGroups.reduce((n, g) => n + g.rows, 0), createdBy: meta.fileMetadata().createdBy() };
  } finally {
    pf.free();
  }
}

/**
 * Consecutive row groups packed into splits of about `splitBytes`, balanced: the file's bytes are cut
 * into ceil(bytes / splitBytes) equal shares and each row group joins the share its middle byte falls
 * in. Packing greedily up to `splitBytes` left a small last split (77 row groups at 9 a split: eight of
 * 9 and one of 5), so one worker ran a task more than the other at the end. A row group larger than a
 * share is a split of its own: row groups are the unit parquet-wasm reads.
 */
export function splitParquetFile(layout: ParquetLayout, splitBytes: number, firstId: number): ParquetSplit[] {
  const total = layout.rowGroups.reduce((n, g) => n + g.bytes, 0);
  const shares = Math.max(1, Math.ceil(total / Math.max(1, splitBytes)));
  const splits: ParquetSplit[] = [];
  let row = 0;
  let before = 0;
  let current: ParquetSplit | undefined;
  let share = -1;
  layout.rowGroups.forEach((g, i) => {
    const mine = total === 0 ? 0 : Math.min(shares - 1, Math.floor(((before + g.bytes / 2) * shares) / total));
    if (current && mine !== share) {
      splits.push(current);
      current = undefined;
    }
    share = mine;
    current ??= {
      kind: 'parquet',
      id: firstId + splits.length,
      file: layout.file,
      rowGroups: [],
      groups: [],
      rowStart: row,
      rows: 0,
      bytes: 0,
    };
    current.rowGroups.push(i);
    current.groups.push(g);
    current.rows += g.rows;
    current.bytes += g.bytes;
    row += g.rows;
    before += g.bytes;
  });
  if (current) splits.push(current);
  return splits;
}

import { PlanError } from '../errors.js';
import { readArrowFileLayout, splitArrowFile } from './arrow-file.js';
import { expandInputs, type InputFormat } from './inputs.js';
import type { Split } from './split.js';
import { splitTextFile } from './text.js';
import { isFormatFile, planFormatFiles, type FormatOptions } from './formats.js';

/** How to cut the inputs. */
export interface PlanOptions {
  /** Files, directories or globs. */
  inputs: string[];
  /** Force a format instead of telling it from the extension. */
  format?: InputFormat;
  /** Workers the plan is made for; the default split size aims at `tasksPerWorker` tasks each. */
  workers: number;
  /** Reduce partitions. @default workers */
  reducers?: number;
  /** Bytes per split. @default input bytes ÷ (workers × 4), between 1 MB and 64 MB */
  splitBytes?: number;
  /** Rows per split for row-addressed formats (Arrow), and the most rows per batch handed to `map`. */
  batchRows?: number;
  /** CSV dialect and column types for CSV/NDJSON input. */
  formatOptions?: FormatOptions;
}

/** A file of the plan, with what the planner learnt about it. */
export interface PlannedFile {
  path: string;
  format: InputFormat;
  bytes: number;
  /** Exact rows, for formats that record them. */
  rows?: number;
  /** Rows estimated from a sample (CSV, NDJSON). */
  estimatedRows?: number;
  /** Why the file is read by one task (compressed files). */
  note?: string;
  splits: number;
}

/** The splits of a run and how they were chosen. */
export interface Plan {
  files: PlannedFile[];
  splits: Split[];
  workers: number;
  reducers: number;
  splitBytes: number;
  batchRows: number;
  totalBytes: number;
  totalRows?: number;
}

/** Tasks per worker the default split size aims at: enough that fast workers take more, few enough to keep per-task costs small. */
export const TASKS_PER_WORKER = 4;
const MIN_SPLIT = 1 << 20;
const MAX_SPLIT = 64 << 20;
/** Most rows per batch handed to `map`, unless `--batch-rows` says otherwise. */
export const DEFAULT_BATCH_ROWS = 1 << 16;

/** The default split size for `totalBytes` of input on `workers` workers. */
export function defaultSplitBytes(totalBytes: number, workers: number): number {
  return Math.min(MAX_SPLIT, Math.max(MIN_SPLIT, Math.ceil(totalBytes / (workers * TASKS_PER_WORKER))));
}

/** Turns inputs into splits, reading only metadata: file sizes, Arrow footers and batch headers. */
export async function makePlan(options: PlanOptions): Promise<Plan> {
  const files = await expandInputs(options.inputs, options.format);
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  const splitBytes = options.splitBytes ?? defaultSplitBytes(totalBytes, options.workers);
  const splits: Split[] = [];
  const planned: PlannedFile[] = [];
  let totalRows: number | undefined = 0;
  const formatPlans = await planFormatFiles(files.filter(isFormatFile), splitBytes, options.batchRows, options.formatOptions);
  for (const f of files) {
    const fp = formatPlans.get(f.path);
    if (fp) {
      const mine = fp.splits(splits.length);
      splits.push(...mine);
      planned.push({ path: f.path, format: f.format, bytes: f.bytes, rows: fp.rows, estimatedRows: fp.estimatedRows, note: fp.note, splits: mine.length });
      if (totalRows !== undefined && fp.rows !== undefined) totalRows += fp.rows;
      else totalRows = undefined;
    } else if (f.format === 'arrow') {
      const layout = await readArrowFileLayout(f.path);
      const perRow = layout.rows > 0 ? layout.bytes / layout.rows : 1;
      const rowsPerSplit = options.batchRows ?? Math.max(1, Math.round(splitBytes / perRow));
      const header = { schemaMessage: layout.schemaMessage, dictionaries: layout.dictionaries };
      let row = 0;
      const mine = splitArrowFile(layout, rowsPerSplit, splits.length).map((s) => {
        const withHeader = { ...s, rowStart: row, header };
        row += s.rows;
        return withHeader;
      });
      splits.push(...mine);
      planned.push({ path: f.path, format: f.format, bytes: f.bytes, rows: layout.rows, splits: mine.length });
      if (totalRows !== undefined) totalRows += layout.rows;
    } else {
      const mine = splitTextFile(f.path, f.bytes, splitBytes, splits.length);
      splits.push(...mine);
      planned.push({ path: f.path, format: f.format, bytes: f.bytes, splits: mine.length });
      totalRows = undefined;
    }
  }
  return {
    files: planned,
    splits,
    workers: options.workers,
    reducers: checkReducers(options.reducers ?? options.workers),
    splitBytes,
    batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
    totalBytes,
    totalRows,
  };
}

function checkReducers(r: number): number {
  if (!Number.isSafeInteger(r) || r < 1) throw new PlanError(`--reducers must be a positive integer, got ${r}`);
  return r;
}

import { PlanError } from '../errors.js';
import { readArrowFileLayout, splitArrowFile } from './arrow-file.js';
import { expandInputs, type InputFormat } from './inputs.js';
import type { ArrowFileSplit, Split } from './split.js';
import { longFirstLine, splitTextFile } from './text.js';
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
  /** A remark on how the file is split (why it is read by one task, when it is). */
  note?: string;
  /** The file, or a line of it, is read by one task whatever --split-size says (`note` says why). */
  unsplittable?: boolean;
  splits: number;
}

/** The splits of a run and how they were chosen. */
export interface Plan {
  files: PlannedFile[];
  splits: Split[];
  workers: number;
  reducers: number;
  splitBytes: number;
  /** The last splits were cut smaller than `splitBytes` (the guided tail: default split size, several workers). */
  guided: boolean;
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
      planned.push({
        path: f.path,
        format: f.format,
        bytes: f.bytes,
        rows: fp.rows,
        estimatedRows: fp.estimatedRows,
        note: fp.note,
        unsplittable: fp.unsplittable,
        splits: mine.length,
      });
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
      const long = await longFirstLine(f.path, f.bytes, splitBytes);
      planned.push({
        path: f.path,
        format: f.format,
        bytes: f.bytes,
        splits: mine.length,
        ...(long && { note: long, unsplittable: true }),
      });
      totalRows = undefined;
    }
  }
  // --batch-rows sets the rows of an Arrow split: those splits are kept as given.
  const cut =
    options.splitBytes === undefined && options.workers > 1
      ? guidedTail(splits, options.workers, { arrow: options.batchRows === undefined })
      : splits;
  if (cut !== splits) {
    const perFile = new Map<string, number>();
    for (const s of cut) perFile.set(s.file, (perFile.get(s.file) ?? 0) + 1);
    for (const pf of planned) pf.splits = perFile.get(pf.path) ?? 0;
  }
  return {
    files: planned,
    splits: cut,
    workers: options.workers,
    reducers: checkReducers(options.reducers ?? options.workers),
    splitBytes,
    guided: cut !== splits,
    batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
    totalBytes,
    totalRows,
  };
}

/** The smallest piece the guided tail cuts: a task must stay worth its start-up (a CSV split finds its first record in a window read). */
const MIN_TAIL_PIECE = 4 << 20;

/**
 * Guided scheduling (as OpenMP's `schedule(guided)`): byte-range splits (text, CSV, NDJSON) are cut so
 * that no task is larger than the bytes still to come after it ÷ (2 × workers), down to a few MB;
 * Parquet splits likewise, between row groups (one row group is the least), Arrow file splits between
 * record batches (one batch is the least), and in-memory tables by rows. The
 * first tasks keep the default size; the last ones shrink, so workers finish together even when one
 * runs slower than the other (a busy core on a shared machine, a split of costlier records): at the end
 * a worker waits at most for one small task, not for one of the default size. Only for the default
 * split size: a split size the user gives is kept as given. Ids are numbered again in order. Returns
 * `splits` itself when no split was cut, so `result !== splits` tells whether the tail changed the plan.
 */
export function guidedTail(splits: Split[], workers: number, o: { arrow?: boolean } = {}): Split[] {
  let remaining = splits.reduce((n, s) => n + s.bytes, 0);
  const out: Split[] = [];
  for (let i = 0; i < splits.length; ) {
    const s = splits[i]!;
    if (s.kind === 'arrow-file' && o.arrow !== false) {
      // A run of splits of one file is cut again as a whole (a batch the planner cut between two splits
      // is one piece again); no piece exceeds the largest of them.
      let j = i + 1;
      let most = s.bytes;
      const pieces = [...s.pieces];
      for (; j < splits.length; j++) {
        const n = splits[j]!;
        if (n.kind !== 'arrow-file' || n.file !== s.file) break;
        most = Math.max(most, n.bytes);
        for (const p of n.pieces) {
          const last = pieces[pieces.length - 1];
          if (last && last.block === p.block && last.rowEnd === p.rowStart) pieces[pieces.length - 1] = { ...last, rowEnd: p.rowEnd };
          else pieces.push(p);
        }
      }
      const run = splits.slice(i, j) as ArrowFileSplit[];
      const whole: ArrowFileSplit = {
        ...s,
        pieces,
        rows: run.reduce((n, x) => n + x.rows, 0),
        bytes: run.reduce((n, x) => n + x.bytes, 0),
      };
      for (const piece of guidedArrow(whole, remaining, workers, most)) {
        out.push({ ...piece, id: out.length });
        remaining -= piece.bytes;
      }
      i = j;
      continue;
    }
    if (s.kind === 'table') {
      // Rows of an in-memory table: cut anywhere, by the bytes per row of the split.
      const perRow = s.bytes / Math.max(1, s.rowEnd - s.rowStart);
      for (let r = s.rowStart; r < s.rowEnd; ) {
        const cap = Math.max(MIN_TAIL_PIECE, Math.ceil(remaining / (2 * workers)));
        const left = s.rowEnd - r;
        const rows = perRow > 0 && left * perRow > cap ? Math.max(1, Math.floor(cap / perRow)) : left;
        const bytes = r + rows === s.rowEnd ? s.bytes - Math.round((r - s.rowStart) * perRow) : Math.round(rows * perRow);
        out.push({ ...s, id: out.length, rowStart: r, rowEnd: r + rows, bytes });
        remaining -= bytes;
        r += rows;
      }
      i++;
      continue;
    }
    if (s.kind === 'parquet') {
      // Row groups are what parquet-wasm reads: a split is cut between them, never inside one.
      const cap = () => Math.max(1, Math.ceil(remaining / (2 * workers)));
      let piece: typeof s | undefined;
      let row = s.rowStart;
      s.rowGroups.forEach((g, k) => {
        const group = s.groups[k]!;
        if (piece && piece.bytes + group.bytes > cap()) {
          out.push(piece);
          remaining -= piece.bytes;
          piece = undefined;
        }
        piece ??= { ...s, id: out.length, rowGroups: [], groups: [], rowStart: row, rows: 0, bytes: 0 };
        piece.rowGroups.push(g);
        piece.groups.push(group);
        piece.rows += group.rows;
        piece.bytes += group.bytes;
        row += group.rows;
      });
      if (piece) {
        out.push(piece);
        remaining -= piece.bytes;
      }
      i++;
      continue;
    }
    if (s.kind !== 'text' && s.kind !== 'csv' && s.kind !== 'ndjson') {
      out.push({ ...s, id: out.length });
      remaining -= s.bytes;
      i++;
      continue;
    }
    // A run of adjacent ranges of one file is cut again as a whole; no piece exceeds the largest of them.
    let j = i + 1;
    let most = s.bytes;
    while (
      j < splits.length &&
      splits[j]!.kind === s.kind &&
      splits[j]!.file === s.file &&
      (splits[j] as typeof s).start === (splits[j - 1] as typeof s).end
    ) {
      most = Math.max(most, splits[j]!.bytes);
      j++;
    }
    const runEnd = (splits[j - 1] as typeof s).end;
    // A CSV range must span 4 × the longest record allowed (see splitCsvFile); that is a hard floor.
    const floor = s.kind === 'csv' ? 4 * s.dialect.maxRecordBytes + 4 : 1;
    const least = Math.max(floor, Math.min(most, MIN_TAIL_PIECE));
    for (let start = s.start; start < runEnd; ) {
      const cap = Math.min(most, Math.max(least, Math.ceil(remaining / (2 * workers))));
      const left = runEnd - start;
      // A rest smaller than the least piece is not a task of its own: the two share what is left.
      const half = Math.ceil(left / 2);
      const end = left <= cap ? runEnd : left >= cap + least ? start + cap : half >= floor ? start + half : runEnd;
      out.push({ ...s, id: out.length, start, end, bytes: end - start });
      remaining -= end - start;
      start = end;
    }
    i = j;
  }
  return out.length === splits.length && out.every((s, k) => s.bytes === splits[k]!.bytes) ? splits : out;
}

/**
 * An Arrow file split cut between its pieces into splits of at most the bytes still to come
 * (`remaining` at its start) ÷ (2 × workers), at least MIN_TAIL_PIECE and at most `most`; bytes are
 * estimated per row from each batch's size. Pieces are not cut again: a task reads a piece's whole
 * batch, so two tasks sharing a batch would both read it (the planner already cut any batch larger
 * than the split size).
 */
function guidedArrow(s: ArrowFileSplit, remaining: number, workers: number, most: number): ArrowFileSplit[] {
  const out: ArrowFileSplit[] = [];
  let done = 0;
  const cap = () => Math.min(most, Math.max(MIN_TAIL_PIECE, Math.ceil((remaining - done) / (2 * workers))));
  let row = s.rowStart ?? 0;
  let current: ArrowFileSplit | undefined;
  let limit = cap();
  const close = () => {
    out.push(current!);
    done += current!.bytes;
    current = undefined;
    limit = cap();
  };
  for (const p of s.pieces) {
    const bytes = p.blockRows > 0 ? Math.round(((p.rowEnd - p.rowStart) * p.length) / p.blockRows) : 0;
    if (current && current.bytes + bytes > limit) close();
    current ??= { ...s, pieces: [], rowStart: row, rows: 0, bytes: 0 };
    current.pieces.push(p);
    current.rows += p.rowEnd - p.rowStart;
    current.bytes += bytes;
    row += p.rowEnd - p.rowStart;
    if (current.bytes >= limit) close();
  }
  if (current) out.push(current);
  return out;
}

function checkReducers(r: number): number {
  if (!Number.isSafeInteger(r) || r < 1) throw new PlanError(`--reducers must be a positive integer, got ${r}`);
  return r;
}

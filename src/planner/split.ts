/**
 * A split is the unit of parallel work: a piece of one input that one map task reads by itself.
 * Splits are plain data (no handles, no buffers) so they can be posted to workers, logged and,
 * later, sent to other machines.
 */
import type { ColumnSpec } from '../io/column-types.js';
import type { CsvDialect } from '../io/csv-decode.js';

/** A row range of one record batch of an Arrow IPC file. */
export interface ArrowPiece {
  /** Index of the record batch in the footer. */
  block: number;
  /** Byte offset and length of the record batch message (metadata + body) in the file. */
  offset: number;
  length: number;
  /** Bytes of the message's metadata (prefix + flatbuffer + padding); the body follows it. */
  metaLength: number;
  /** Rows `[rowStart, rowEnd)` of the batch that belong to the split. */
  rowStart: number;
  rowEnd: number;
  blockRows: number;
}

/** Consecutive row ranges of one Arrow IPC file (small batches packed together, big ones cut). */
export interface ArrowFileSplit {
  kind: 'arrow-file';
  id: number;
  file: string;
  pieces: ArrowPiece[];
  /** Row of the file where the split starts (set by the planner). */
  rowStart?: number;
  rows: number;
  bytes: number;
  /** The file's schema message and dictionary batch ranges, needed to decode any batch (set by the planner). */
  header?: { schemaMessage: Uint8Array; dictionaries: Array<[number, number]> };
}

/** Lines that start in bytes `[start, end)` of a text file. */
export interface TextSplit {
  kind: 'text';
  id: number;
  file: string;
  start: number;
  end: number;
  bytes: number;
}

/** Rows `[rowStart, rowEnd)` of an in-memory table shared with workers. */
export interface TableSplit {
  kind: 'table';
  id: number;
  file: '<table>';
  rowStart: number;
  rowEnd: number;
  bytes: number;
}

/**
 * Records of a CSV/TSV file that start in bytes `[start, end)`. The worker finds the first record
 * start at or after `start` (and `end`) itself, even inside quoted fields (see io/csv-records.ts).
 */
export interface CsvSplit {
  kind: 'csv';
  id: number;
  file: string;
  start: number;
  end: number;
  bytes: number;
  /** First byte of data (after any BOM and header): a known record start. */
  dataStart: number;
  fileBytes: number;
  dialect: CsvDialect;
  /** Every column of a record, in file order, with its type. */
  columns: ColumnSpec[];
}

/** JSON lines that start in bytes `[start, end)` of an NDJSON file. */
export interface NdjsonSplit {
  kind: 'ndjson';
  id: number;
  file: string;
  start: number;
  end: number;
  bytes: number;
  /** Columns (nested objects flattened to `a.b`) with their types. */
  columns: ColumnSpec[];
  /** The file's size when the run was planned (an `s3://` object's task then asks no HEAD for it). */
  fileBytes?: number;
  /** Set when the file is a JSON array rather than JSON lines (planner/ndjson.ts `jsonArrayLayoutOf`). */
  array?: JsonArrayLayout;
}

/** How a JSON array file is read: `lines`, one element per line (split like NDJSON); `whole`, parsed whole by one task. */
export type JsonArrayLayout = 'lines' | 'whole';

/** Row groups of a Parquet file. */
export interface ParquetSplit {
  kind: 'parquet';
  id: number;
  file: string;
  rowGroups: number[];
  /** Rows and compressed bytes of each of `rowGroups`, so that the planner can cut the split again. */
  groups: Array<{ rows: number; bytes: number }>;
  /** Row of the file where the split starts. */
  rowStart: number;
  rows: number;
  bytes: number;
}

/** A whole compressed text file (gzip or zstd): not splittable, so one task reads it as a stream. */
export interface CompressedSplit {
  kind: 'compressed';
  id: number;
  file: string;
  codec: 'gzip' | 'zstd';
  bytes: number;
  /** How the decompressed text is read. */
  inner:
    | { kind: 'text' }
    | { kind: 'csv'; dialect: CsvDialect; columns: ColumnSpec[]; bom: boolean }
    | { kind: 'ndjson'; columns: ColumnSpec[] };
}

/** Any split. */
export type Split = ArrowFileSplit | TextSplit | TableSplit | CsvSplit | NdjsonSplit | ParquetSplit | CompressedSplit;

/** A short, human-readable description of a split, for errors and `quiver explain`. */
export function describeSplit(s: Split, of?: number): string {
  const n = of === undefined ? `split ${s.id}` : `split ${s.id + 1} of ${of}`;
  switch (s.kind) {
    case 'arrow-file':
      return `${n} of ${s.file}, rows ${s.rowStart ?? 0}–${(s.rowStart ?? 0) + s.rows - 1}`;
    case 'text':
      return `${n} of ${s.file}, bytes ${s.start}–${Math.max(s.start, s.end - 1)}`;
    case 'table':
      return `${n} of the in-memory table, rows ${s.rowStart}–${s.rowEnd - 1}`;
    case 'csv':
    case 'ndjson':
      return `${n} of ${s.file}, bytes ${s.start}–${Math.max(s.start, s.end - 1)}`;
    case 'parquet':
      return (
        `${n} of ${s.file}, row group${s.rowGroups.length > 1 ? 's' : ''} ` +
        `${s.rowGroups[0]}${s.rowGroups.length > 1 ? `–${s.rowGroups[s.rowGroups.length - 1]}` : ''}, rows ` +
        `${s.rowStart}–${s.rowStart + s.rows - 1}`
      );
    case 'compressed':
      return `${n}: all of ${s.file} (${s.codec}, not splittable)`;
  }
}

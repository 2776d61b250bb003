/**
 * A split is the unit of parallel work: a piece of one input that one map task reads by itself.
 * Splits are plain data (no handles, no buffers) so they can be posted to workers, logged and,
 * later, sent to other machines.
 */

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

/** Any split. */
export type Split = ArrowFileSplit | TextSplit | TableSplit;

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
  }
}

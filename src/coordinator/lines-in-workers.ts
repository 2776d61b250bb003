import { util, type Field, type RecordBatch, type Schema, type Table } from 'apache-arrow';
import type { ErrorFactory, TaskSpec } from '../executor/scheduler.js';
import type { TaskRunner } from '../executor/runner.js';
import type { LineStyle } from '../io/format-column.js';
import { isShareable, shareBatches } from '../io/shared-batches.js';
import type { LineSource } from '../io/sinks.js';

/**
 * A large CSV or NDJSON output formatted by the workers, a piece of rows each, and written by the
 * coordinator in order as the pieces come back: formatting is most of writing text (db-benchmark q10's
 * 10M result rows: ~3.7 s of the main thread alone, with the workers idle), and the workers' line
 * writer is the coordinator's own (worker/format-task.ts), so the bytes are the same. The batches
 * reach the workers through shared memory: as they are when a result's tasks made them there (the
 * group-by's key ranges), else copied there once. Small outputs (under MIN_ROWS), a runner of one
 * worker or without shared memory (the sequential baseline, a cluster) format on the main thread.
 */

/** Rows below which the main thread formats the output itself. */
export const MIN_ROWS = 1 << 17;
/** Pieces per worker: enough that the first comes back soon and the write overlaps the rest. */
const PIECES_PER_WORKER = 8;
/** Fewest rows in a piece (but for the last). */
const MIN_PIECE_ROWS = 1 << 15;

/** Formats outputs on `runner`'s workers, loaded for run `runId`. */
export function linesInWorkers(runner: TaskRunner, runId: number, toError: ErrorFactory, signal?: AbortSignal): LineSource {
  return (table, style) => {
    if (!runner.sharedMemory || runner.workers < 2 || table.numRows < MIN_ROWS) return undefined;
    // The workers rebuild every batch with the table's schema: each batch's own must be the same.
    if (!table.batches.every((b) => isShareable(b) && sameSchema(b.schema, table.schema))) return undefined;
    return formatted(runner, runId, toError, table, style, signal);
  };
}

async function* formatted(
  runner: TaskRunner,
  runId: number,
  toError: ErrorFactory,
  table: Table,
  style: LineStyle,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const pieces = piecesOf(table.batches, Math.max(MIN_PIECE_ROWS, Math.ceil(table.numRows / (runner.workers * PIECES_PER_WORKER))));
  const shared = shareBatches(table.schema, pieces.flat());
  const firsts: number[] = [];
  const rowStarts: number[] = [];
  for (let i = 0, first = 0, row = 0; i < pieces.length; i++) {
    firsts.push(first);
    rowStarts.push(row);
    first += pieces[i]!.length;
    row += pieces[i]!.reduce((n, b) => n + b.numRows, 0);
  }
  const kind = style === 'csv' ? 'CSV' : 'JSON';
  const specOf = (i: number, into?: SharedArrayBuffer): TaskSpec => ({
    task: {
      kind: 'format',
      style,
      batches: { schema: shared.schema, batches: shared.batches.slice(firsts[i]!, firsts[i]! + pieces[i]!.length) },
      into,
    },
    describe: `rows ${rowStarts[i]}–${(rowStarts[i + 1] ?? table.numRows) - 1} of the output, as ${kind} lines`,
  });
  // A window of pieces in flight: the first without a buffer (their sizes say how big one must be),
  // each later one into a shared buffer that a written piece gave back (a new one when none is free:
  // the workers do not wait for the disk), so while writes keep up the text's memory is faulted in once.
  const window = Math.min(pieces.length, 2 * runner.workers);
  const free: SharedArrayBuffer[] = [];
  let largest = 0;
  let next = window;
  const results: Array<Uint8Array | undefined> = [];
  let wake: (() => void) | undefined;
  const all = runner.forkJoin(
    runId,
    Array.from({ length: window }, (_, i) => specOf(i)),
    (i, out) => {
      if (out.kind === 'formatted') {
        results[i] = out.bytes;
        largest = Math.max(largest, out.bytes.length);
      }
      wake?.();
      if (next >= pieces.length) return;
      const room = Math.ceil((largest * 1.25) / 65536) * 65536;
      let into = free.pop();
      while (into && into.byteLength < room) into = free.pop();
      return [specOf(next++, into ?? new SharedArrayBuffer(room))];
    },
    toError,
    { signal },
  );
  let failed: unknown;
  let over = false;
  all.then(
    () => (over = true),
    (e: unknown) => ((failed = e), (over = true)),
  );
  const woken = () => new Promise<void>((resolve) => (wake = resolve));
  try {
    for (let i = 0; i < pieces.length; i++) {
      while (results[i] === undefined) {
        if (failed !== undefined) throw failed;
        if (over) throw new Error(`the workers gave no lines for ${specOf(i).describe}`);
        await Promise.race([woken(), all.catch(() => undefined)]);
      }
      const bytes = results[i]!;
      results[i] = undefined;
      yield bytes;
      // Written: its shared buffer may take a later piece.
      if (bytes.buffer instanceof SharedArrayBuffer) free.push(bytes.buffer);
    }
  } finally {
    // A write that stopped early (an error, a cancel) waits for the tasks in flight, whose results go unused.
    await all.catch(() => undefined);
  }
}

/** The same fields, types and field metadata (an extension type's name changes how its cells are written). */
function sameSchema(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  const meta = (f: Field) => JSON.stringify([...f.metadata].sort());
  return a.fields.length === b.fields.length && util.compareSchemas(a, b) && a.fields.every((f, i) => meta(f) === meta(b.fields[i]!));
}

/** Consecutive rows of `batches` in pieces of about `rows` rows (batch slices; a piece may span batches). */
function piecesOf(batches: RecordBatch[], rows: number): RecordBatch[][] {
  const pieces: RecordBatch[][] = [];
  let piece: RecordBatch[] = [];
  let size = 0;
  for (const b of batches) {
    for (let at = 0; at < b.numRows; ) {
      const take = Math.min(b.numRows - at, rows - size);
      piece.push(at === 0 && take === b.numRows ? b : b.slice(at, at + take));
      at += take;
      size += take;
      if (size === rows) {
        pieces.push(piece);
        piece = [];
        size = 0;
      }
    }
  }
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

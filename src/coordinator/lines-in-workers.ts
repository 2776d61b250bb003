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
  let first = 0;
  let row = 0;
  const specs: TaskSpec[] = pieces.map((piece) => {
    const rows = piece.reduce((n, b) => n + b.numRows, 0);
    const spec: TaskSpec = {
      task: { kind: 'format', style, batches: { schema: shared.schema, batches: shared.batches.slice(first, first + piece.length) } },
      describe: `rows ${row}–${row + rows - 1} of the output, as ${style === 'csv' ? 'CSV' : 'JSON'} lines`,
    };
    first += piece.length;
    row += rows;
    return spec;
  });
  const results: Array<Uint8Array | undefined> = [];
  let wake: (() => void) | undefined;
  const all = runner.forkJoin(
    runId,
    specs,
    (i, out) => {
      if (out.kind === 'formatted') results[i] = out.bytes;
      wake?.();
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
    for (let i = 0; i < specs.length; i++) {
      while (results[i] === undefined) {
        if (failed !== undefined) throw failed;
        if (over) throw new Error(`the workers gave no lines for ${specs[i]!.describe}`);
        await Promise.race([woken(), all.catch(() => undefined)]);
      }
      const bytes = results[i]!;
      results[i] = undefined; // written, and let go
      yield bytes;
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

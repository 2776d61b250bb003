import { BatchLines } from '../io/batch-text.js';
import { batchesOfShared } from '../io/shared-batches.js';
import { now } from '../util/clock.js';
import type { FormatTask, TaskMetrics, TaskOutput } from './protocol.js';

/** Rows formatted per call of the line writer: about a megabyte of text. */
const ROWS_PER_CHUNK = 8192;

/**
 * A format task: its batches' rows as lines of `style`, by the line writer the coordinator's own
 * sink uses (io/batch-text.ts), so the bytes are the ones it would have written. They come back in the
 * task's shared buffer (`into`) when they fit, else in one buffer of their own, which entry.ts moves to
 * the coordinator rather than copying it.
 */
export function runFormatTask(task: FormatTask): { output: TaskOutput; metrics: TaskMetrics } {
  const start = now();
  const lines = new BatchLines(task.style);
  const batches = batchesOfShared(task.batches);
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  // The piece's text goes into the coordinator's shared buffer while it fits (memory already faulted
  // in, used again for piece after piece), else into one buffer of its own sized from what it has seen:
  // each chunk is copied once (fresh pages cost more than the copies on this machine).
  let out = task.into ? new Uint8Array(task.into) : new Uint8Array(0);
  let size = 0;
  let done = 0;
  for (const batch of batches) {
    for (let at = 0; at < batch.numRows; at += ROWS_PER_CHUNK) {
      const end = Math.min(batch.numRows, at + ROWS_PER_CHUNK);
      const chunk = lines.of(batch, at, end);
      done += end - at;
      if (size + chunk.length > out.length) {
        const estimate = Math.ceil(((size + chunk.length) / done) * rows * 1.05);
        const grown = new Uint8Array(Math.max(estimate, size + chunk.length, Math.floor(out.length * 1.5)));
        grown.set(out.subarray(0, size));
        out = grown;
      }
      out.set(chunk, size);
      size += chunk.length;
    }
  }
  const bytes = out.subarray(0, size);
  const metrics: TaskMetrics = { start, end: now(), readMs: 0, rowsIn: rows, bytesIn: 0, bytesOut: size, pairsOut: 0, counters: {} };
  return { output: { kind: 'formatted', bytes }, metrics };
}

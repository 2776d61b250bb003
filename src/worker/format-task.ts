import { BatchLines } from '../io/batch-text.js';
import { batchesOfShared } from '../io/shared-batches.js';
import { now } from '../util/clock.js';
import type { FormatTask, TaskMetrics, TaskOutput } from './protocol.js';

/** Rows formatted per call of the line writer: about a megabyte of text. */
const ROWS_PER_CHUNK = 8192;

/**
 * A format task: its batches' rows as lines of `style`, by the line writer the coordinator's own
 * sink uses (io/batch-text.ts), so the bytes are the ones it would have written. They come back in
 * one buffer of their own, moved to the coordinator, not copied.
 */
export function runFormatTask(task: FormatTask): { output: TaskOutput; metrics: TaskMetrics; transfer: ArrayBuffer[] } {
  const start = now();
  const lines = new BatchLines(task.style);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let rows = 0;
  for (const batch of batchesOfShared(task.batches)) {
    for (let at = 0; at < batch.numRows; at += ROWS_PER_CHUNK) {
      // A copy: the line writer reuses its buffer.
      const chunk = new Uint8Array(lines.of(batch, at, Math.min(batch.numRows, at + ROWS_PER_CHUNK)));
      chunks.push(chunk);
      size += chunk.length;
    }
    rows += batch.numRows;
  }
  const bytes = new Uint8Array(size);
  for (let i = 0, at = 0; i < chunks.length; at += chunks[i]!.length, i++) bytes.set(chunks[i]!, at);
  const metrics: TaskMetrics = { start, end: now(), readMs: 0, rowsIn: rows, bytesIn: 0, bytesOut: size, pairsOut: 0, counters: {} };
  return { output: { kind: 'formatted', bytes }, metrics, transfer: [bytes.buffer] };
}

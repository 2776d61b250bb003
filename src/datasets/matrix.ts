import { makeVector, Table, type RecordBatch } from 'apache-arrow';
import { UsageError } from '../errors.js';
import { makeRandom } from './random.js';

/** The largest matrix side `matrixBatches` writes: 16384² doubles are 2 GB. */
export const MAX_MATRIX_SIDE = 16_384;

/**
 * Record batches of a `rows` × `cols` matrix for matrix-multiply: float64 columns c0…c{cols-1}
 * uniform in [-1, 1), one row per matrix row, about a million cells per batch.
 */
export function* matrixBatches(rows: number, cols: number, seed = 1): Generator<RecordBatch> {
  if (rows > MAX_MATRIX_SIDE || cols > MAX_MATRIX_SIDE) {
    throw new UsageError(
      `a ${rows}×${cols} matrix is too big to generate; give --rows n with n at most ${MAX_MATRIX_SIDE} (an n×n matrix)`,
    );
  }
  const random = makeRandom(seed);
  const batchRows = Math.max(1, Math.floor(2 ** 20 / Math.max(1, cols)));
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const columns = Array.from({ length: cols }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) columns[j]![i] = 2 * random() - 1;
    yield* new Table(Object.fromEntries(columns.map((c, j) => [`c${j}`, makeVector(c)]))).batches;
  }
}

import { makeVector, type RecordBatch, Table } from 'apache-arrow';
import { GENERATED_BATCH_ROWS } from './groupby.js';
import { makeRandom } from './random.js';

/** Coordinate columns of the points dataset. */
export const POINT_COLUMNS = ['x', 'y', 'z'];
/** How many blobs the points dataset draws from. */
export const POINT_BLOBS = 8;

/**
 * The blob centres for a seed: uniform in the cube [−100, 100]³, each with its own spread (standard
 * deviation 3–12) and weight (1–3), so blobs differ in size and some overlap, as real clusters do.
 */
export function pointBlobs(seed: number): Array<{ centre: number[]; sd: number; weight: number }> {
  const random = makeRandom(seed ^ 0x5bd1e995);
  return Array.from({ length: POINT_BLOBS }, () => ({
    centre: POINT_COLUMNS.map(() => 200 * random() - 100),
    sd: 3 + 9 * random(),
    weight: 1 + 2 * random(),
  }));
}

/**
 * Record batches of `rows` points: float64 columns x, y, z drawn from Gaussian blobs around eight
 * random centres (see pointBlobs), and int32 `blob`, the blob each point came from (0–7): an input for
 * kmeans whose true clusters are known.
 */
export function* pointsBatches(rows: number, seed = 1, batchRows = GENERATED_BATCH_ROWS): Generator<RecordBatch> {
  const blobs = pointBlobs(seed);
  const total = blobs.reduce((s, b) => s + b.weight, 0);
  const random = makeRandom(seed);
  // Box–Muller: a standard normal from two uniforms (1 − u keeps the log finite).
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const cols = POINT_COLUMNS.map(() => new Float64Array(n));
    const blob = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let b = 0;
      for (let u = random() * total - blobs[0]!.weight; u > 0 && b < blobs.length - 1; u -= blobs[++b]!.weight);
      blob[i] = b;
      for (let c = 0; c < cols.length; c++) cols[c]![i] = blobs[b]!.centre[c]! + blobs[b]!.sd * normal();
    }
    yield* new Table({ ...Object.fromEntries(POINT_COLUMNS.map((name, c) => [name, makeVector(cols[c]!)])), blob: makeVector(blob) })
      .batches;
  }
}

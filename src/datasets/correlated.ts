import { makeVector, type RecordBatch, Table } from 'apache-arrow';
import { GENERATED_BATCH_ROWS } from './groupby.js';
import { makeRandom } from './random.js';

/** Columns of the correlated dataset. */
export const CORRELATED_COLUMNS = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];

/**
 * How each column mixes the three hidden factors (rows: f1–f6; factor standard deviations 5, 2, 1),
 * so the data have three strong principal components and three weak ones (unit noise per column).
 */
const MIXING = [
  [1, 0, 0.5],
  [0.8, 0.6, 0],
  [0.6, -0.8, 0],
  [0, 0.6, 0.8],
  [-0.5, 0, 1],
  [0.3, 0.3, -0.3],
];
const FACTOR_SD = [5, 2, 1];
/** Column offsets: data far from the origin, where naive sums of squares lose precision. */
const OFFSET = [100, -50, 1000, 0, 25, 1e6];

/**
 * Record batches of `rows` rows of six float64 columns f1–f6 driven by three Gaussian hidden factors
 * plus unit Gaussian noise: a realistic input for pca (and k-means, linear regression between columns).
 */
export function* correlatedBatches(rows: number, seed = 1, batchRows = GENERATED_BATCH_ROWS): Generator<RecordBatch> {
  const random = makeRandom(seed);
  // Box–Muller: a standard normal from two uniforms (1 − u keeps the log finite).
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const factors = new Float64Array(FACTOR_SD.length);
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const cols = CORRELATED_COLUMNS.map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < factors.length; f++) factors[f] = FACTOR_SD[f]! * normal();
      for (let c = 0; c < cols.length; c++) {
        let x = OFFSET[c]! + normal();
        for (let f = 0; f < factors.length; f++) x += MIXING[c]![f]! * factors[f]!;
        cols[c]![i] = x;
      }
    }
    yield* new Table(Object.fromEntries(CORRELATED_COLUMNS.map((name, c) => [name, makeVector(cols[c]!)]))).batches;
  }
}

import { makeVector, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { GENERATED_BATCH_ROWS } from './groupby.js';
import { makeRandom } from './random.js';

/**
 * Record batches of rows to sort: `x` float64 uniform in [0, 1), `k` int32 uniform in [0, 10⁶),
 * `skewed` int32 that is 0 in half the rows (else 1–1000: one key holds half the input), `s` text of
 * 4–12 random lowercase letters, and `id` the row number (to check stability and order).
 */
export function* sortBatches(rows: number, seed = 1, batchRows = GENERATED_BATCH_ROWS): Generator<RecordBatch> {
  const random = makeRandom(seed);
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const x = new Float64Array(n),
      k = new Int32Array(n),
      skewed = new Int32Array(n),
      id = new Int32Array(n);
    const s = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      x[i] = random();
      k[i] = Math.floor(random() * 1e6);
      skewed[i] = random() < 0.5 ? 0 : 1 + Math.floor(random() * 1000);
      let word = '';
      for (let len = 4 + Math.floor(random() * 9); len > 0; len--) word += String.fromCharCode(97 + Math.floor(random() * 26));
      s[i] = word;
      id[i] = start + i;
    }
    yield* new Table({
      x: makeVector(x),
      k: makeVector(k),
      skewed: makeVector(skewed),
      s: vectorFromArray(s, new Utf8()),
      id: makeVector(id),
    }).batches;
  }
}

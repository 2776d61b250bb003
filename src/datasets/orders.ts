import { Int32, makeVector, type RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { GENERATED_BATCH_ROWS } from './groupby.js';
import { makeRandom, sampleInt } from './random.js';

/** Orders per customer on average: `orders --rows n` pairs with `customers --rows n/10`. */
export const ORDERS_PER_CUSTOMER = 10;
const COUNTRIES = ['DE', 'FR', 'GB', 'IN', 'JP', 'NL', 'US', 'BR', 'CA', 'ZA'];

/**
 * Record batches of a customers table: `id` int32 1…rows (in a shuffled order), `name` (Utf8,
 * "customer 17"), `country` (Utf8, ten values), `balance` (float64 rounded to cents): the small side
 * of a join with the orders table.
 */
export function* customersBatches(rows: number, seed = 1, batchRows = GENERATED_BATCH_ROWS): Generator<RecordBatch> {
  const random = makeRandom(seed);
  const ids = Int32Array.from({ length: rows }, (_, i) => i + 1);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  for (let start = 0; start < rows; start += batchRows) {
    const id = ids.subarray(start, Math.min(rows, start + batchRows));
    const name = Array.from(id, (x) => `customer ${x}`);
    const country = Array.from(id, () => COUNTRIES[Math.floor(random() * COUNTRIES.length)]!);
    const balance = Float64Array.from(id, () => Math.round(random() * 1e6) / 100);
    yield* new Table({
      id: makeVector(Int32Array.from(id)),
      name: vectorFromArray(name, new Utf8()),
      country: vectorFromArray(country, new Utf8()),
      balance: makeVector(balance),
    }).batches;
  }
}

/**
 * Record batches of an orders table: `order_id` int32 1…rows, `customer_id` int32, uniform over
 * 1…⌈1.05 · rows/10⌉, so about 5% of orders name a customer `customers --rows rows/10` lacks, and
 * null for 1% of orders; `quantity` int32 1–10; `amount` float64 rounded to cents.
 */
export function* ordersBatches(rows: number, seed = 1, batchRows = GENERATED_BATCH_ROWS): Generator<RecordBatch> {
  const random = makeRandom(seed);
  const customers = Math.ceil((1.05 * rows) / ORDERS_PER_CUSTOMER);
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const orderId = Int32Array.from({ length: n }, (_, i) => start + i + 1);
    const customerId = Array.from({ length: n }, () => (random() < 0.01 ? null : sampleInt(random, customers)));
    const quantity = Int32Array.from({ length: n }, () => sampleInt(random, 10));
    const amount = Float64Array.from({ length: n }, () => Math.round(random() * 50000) / 100);
    yield* new Table({
      order_id: makeVector(orderId),
      customer_id: vectorFromArray(customerId, new Int32()),
      quantity: makeVector(quantity),
      amount: makeVector(amount),
    }).batches;
  }
}

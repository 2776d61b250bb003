import { type RecordBatch, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CORRELATED_COLUMNS, correlatedBatches } from '../../dist/src/datasets/correlated.js';
import { GENERATED_BATCH_ROWS, groupbyBatches } from '../../dist/src/datasets/groupby.js';
import { MAX_MATRIX_SIDE, matrixBatches } from '../../dist/src/datasets/matrix.js';
import { customersBatches, ORDERS_PER_CUSTOMER, ordersBatches } from '../../dist/src/datasets/orders.js';
import { POINT_BLOBS, pointBlobs, pointsBatches } from '../../dist/src/datasets/points.js';
import { sortBatches } from '../../dist/src/datasets/sort.js';

const tableOf = (batches: Iterable<RecordBatch>) => new Table([...batches]);
const values = (t: Table, name: string) => Array.from(t.getChild(name)!.toArray() as ArrayLike<unknown>);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);
const cov = (a: number[], b: number[]) => {
  const ma = mean(a);
  const mb = mean(b);
  return a.reduce((s, x, i) => s + (x - ma) * (b[i]! - mb), 0) / (a.length - 1);
};

describe('the G1 group-by table (db-benchmark)', () => {
  const rows = 150_000;
  const t = tableOf(groupbyBatches(rows, 3));

  it('has the rows asked for, in batches of GENERATED_BATCH_ROWS, and the same rows for the same seed only', () => {
    expect(t.numRows).toBe(rows);
    expect(t.batches.map((b) => b.numRows)).toEqual([GENERATED_BATCH_ROWS, GENERATED_BATCH_ROWS, rows - 2 * GENERATED_BATCH_ROWS]);
    const again = tableOf(groupbyBatches(1000, 3));
    expect(values(again, 'v3')).toEqual(values(t, 'v3').slice(0, 1000));
    expect(values(tableOf(groupbyBatches(1000, 4)), 'v3')).not.toEqual(values(again, 'v3'));
  });

  it("keeps db-benchmark's value ranges: K = 100 groups in id1, id2, id4, id5; rows/K in id3 and id6; v1 1–5, v2 1–15, v3 0–100", () => {
    const K = 100;
    const distinct = (name: string) => new Set(values(t, name));
    for (const id of ['id1', 'id2']) {
      expect(distinct(id).size).toBe(K);
      for (const v of distinct(id)) expect(v).toMatch(/^id(0\d\d|100)$/);
    }
    for (const id of ['id4', 'id5'])
      expect([...distinct(id)].sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: K }, (_, i) => i + 1));
    for (const v of distinct('id3')) expect(v).toMatch(/^id\d{10}$/);
    expect(max(values(t, 'id6') as number[])).toBeLessThanOrEqual(rows / K);
    expect(distinct('v1')).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(distinct('v2').size).toBe(15);
    const v3 = values(t, 'v3') as number[];
    expect(v3.every((x) => x >= 0 && x <= 100 && Math.abs(x * 1e6 - Math.round(x * 1e6)) < 1e-3)).toBe(true);
    // Uniform: v1's mean is 3, v3's 50.
    expect(mean(values(t, 'v1') as number[])).toBeCloseTo(3, 1);
    expect(mean(v3)).toBeGreaterThan(49.5);
    expect(mean(v3)).toBeLessThan(50.5);
  });
});

describe('the correlated table (pca input)', () => {
  it('has the covariance its mixing model gives: cov = M·diag(5², 2², 1²)·Mᵀ + I', () => {
    const t = tableOf(correlatedBatches(40_000, 2));
    const cols = CORRELATED_COLUMNS.map((c) => values(t, c) as number[]);
    // The model, written out: f1 = 100 + 1·a + 0.5·c + e, f2 = −50 + 0.8·a + 0.6·b + e, f3 = 1000 + 0.6·a − 0.8·b + e.
    expect(mean(cols[0]!)).toBeCloseTo(100, 0);
    expect(mean(cols[2]!)).toBeCloseTo(1000, 0);
    expect(cov(cols[0]!, cols[0]!)).toBeGreaterThan(26.25 * 0.95);
    expect(cov(cols[0]!, cols[0]!)).toBeLessThan(26.25 * 1.05);
    expect(cov(cols[0]!, cols[1]!) / 20).toBeCloseTo(1, 1); // 1·0.8·25
    expect(cov(cols[1]!, cols[2]!) / (0.48 * 25 - 0.48 * 4)).toBeCloseTo(1, 1); // 0.8·0.6·25 − 0.6·0.8·4
  });
});

describe('the points table (kmeans input)', () => {
  it('draws each point from its blob: per-blob means at the centres pointBlobs gives', () => {
    const t = tableOf(pointsBatches(40_000, 5));
    const blob = values(t, 'blob') as number[];
    const x = values(t, 'x') as number[];
    const blobs = pointBlobs(5);
    expect(new Set(blob).size).toBe(POINT_BLOBS);
    blobs.forEach((b, k) => {
      const xs = x.filter((_, i) => blob[i] === k);
      expect(Math.abs(mean(xs) - b.centre[0]!)).toBeLessThan((4 * b.sd) / Math.sqrt(xs.length));
    });
  });
});

describe('the customers and orders tables (join input)', () => {
  it('customers: ids are a shuffle of 1…rows', () => {
    const ids = values(tableOf(customersBatches(5000, 1)), 'id') as number[];
    expect(ids.slice(0, 10)).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });

  it('orders: order ids 1…rows, about 1% null customers, customer ids up to ⌈1.05 · rows/10⌉', () => {
    const rows = 100_000;
    const t = tableOf(ordersBatches(rows, 1));
    expect(values(t, 'order_id')).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    const customer = t.getChild('customer_id')!;
    expect(customer.nullCount / rows).toBeGreaterThan(0.008);
    expect(customer.nullCount / rows).toBeLessThan(0.012);
    const ids = [...customer].filter((v): v is number => v !== null);
    expect(max(ids)).toBe(Math.ceil((1.05 * rows) / ORDERS_PER_CUSTOMER));
    expect(min(ids)).toBe(1);
  });
});

describe('the sort and matrix tables', () => {
  it('sort: id is the row number and half the rows have skewed = 0', () => {
    const t = tableOf(sortBatches(100_000, 1));
    expect(values(t, 'id')).toEqual(Array.from({ length: 100_000 }, (_, i) => i));
    const zeros = (values(t, 'skewed') as number[]).filter((v) => v === 0).length;
    expect(zeros / 100_000).toBeCloseTo(0.5, 1);
    expect((values(t, 's') as string[]).every((s) => /^[a-z]{4,12}$/.test(s))).toBe(true);
  });

  it('matrix: rows × cols values in [−1, 1), and a clear error past the largest side', () => {
    const t = tableOf(matrixBatches(300, 5, 1));
    expect(t.numRows).toBe(300);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    for (let j = 0; j < 5; j++) expect((values(t, `c${j}`) as number[]).every((v) => v >= -1 && v < 1)).toBe(true);
    expect(() => [...matrixBatches(MAX_MATRIX_SIDE + 1, 2, 1)]).toThrow(/at most 16384/);
  });
});

import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { Schema, tableFromArrays, tableToIPC } from 'apache-arrow';
import * as pq from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { makePlan, run } from 'quiver-engine';
import { splitParquetFile, type ParquetLayout } from '../../dist/src/planner/parquet.js';
import { tempDir } from '../helpers/tmp.js';

const layoutOf = (bytes: number[]): ParquetLayout => ({
  file: 'x.parquet',
  bytes: bytes.reduce((a, b) => a + b, 0),
  schema: new Schema([]),
  rowGroups: bytes.map((b, i) => ({ rows: 10 + i, bytes: b })),
  rows: bytes.reduce((n, _, i) => n + 10 + i, 0),
});

/** Every row group once, in order, with each split's first row and row count following from them. */
function expectCovers(layout: ParquetLayout, splits: ReturnType<typeof splitParquetFile>): void {
  expect(splits.flatMap((s) => s.rowGroups)).toEqual(layout.rowGroups.map((_, i) => i));
  let row = 0;
  splits.forEach((s, i) => {
    expect(s.id).toBe(100 + i);
    expect(s.rowStart).toBe(row);
    expect(s.rows).toBe(s.rowGroups.reduce((n, g) => n + layout.rowGroups[g]!.rows, 0));
    expect(s.bytes).toBe(s.rowGroups.reduce((n, g) => n + layout.rowGroups[g]!.bytes, 0));
    row += s.rows;
  });
}

describe('Parquet splits', () => {
  it('cut equal row groups into ceil(bytes / split size) balanced splits, not full ones and a small rest', () => {
    const layout = layoutOf(Array(77).fill(3));
    for (const [splitBytes, count] of [
      [231 / 8, 8],
      [231 / 4, 4],
      [231, 1],
      [3, 77],
      [1, 77],
      [1000, 1],
    ] as const) {
      const splits = splitParquetFile(layout, splitBytes, 100);
      expectCovers(layout, splits);
      expect(splits.length).toBe(count);
      const sizes = splits.map((s) => s.rowGroups.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('give a row group larger than the split size a split of its own and keep the rest balanced', () => {
    const layout = layoutOf([1, 1, 1, 50, 1, 1, 1, 1, 2, 2, 0, 2]);
    const splits = splitParquetFile(layout, 10, 100);
    expectCovers(layout, splits);
    expect(splits.some((s) => s.rowGroups.length === 1 && s.rowGroups[0] === 3)).toBe(true);
    for (const s of splits) if (!s.rowGroups.includes(3)) expect(s.bytes).toBeLessThanOrEqual(10);
    expectCovers(layoutOf([]), splitParquetFile(layoutOf([]), 10, 100));
    expectCovers(layoutOf([0, 0, 0]), splitParquetFile(layoutOf([0, 0, 0]), 10, 100));
  });

  it('read a file of many row groups to the same answer at every split size and worker count', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'groups.parquet');
    const n = 5000;
    const k = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 13);
    const v = Float64Array.from({ length: n }, (_, i) => ((i * 104729) % 1000) / 8);
    const props = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(137).build();
    writeFileSync(file, pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(tableFromArrays({ k, v }), 'stream')), props));
    const want = new Map<number, number>();
    for (let i = 0; i < n; i++) want.set(k[i]!, (want.get(k[i]!) ?? 0) + v[i]!);
    const guided = await makePlan({ inputs: [file], workers: 2 });
    const sizes = guided.splits.map((s) => s.bytes);
    expect(sizes[sizes.length - 1]!).toBeLessThan(sizes[0]!);
    expect(guided.splits.flatMap((s) => (s.kind === 'parquet' ? s.rowGroups : []))).toEqual(
      Array.from({ length: Math.ceil(n / 137) }, (_, i) => i),
    );
    for (const splitSize of ['2KB', '9KB', '64MB']) {
      const plan = await makePlan({
        inputs: [file],
        workers: 2,
        splitBytes: Number.parseInt(splitSize) * (splitSize.endsWith('MB') ? 2 ** 20 : 2 ** 10),
      });
      expect(plan.splits.flatMap((s) => (s.kind === 'parquet' ? s.rowGroups : []))).toEqual(
        Array.from({ length: Math.ceil(n / 137) }, (_, i) => i),
      );
      for (const workers of [1, 2, 3]) {
        // The default split size too: it cuts a guided tail between row groups at 2 and 3 workers.
        for (const size of [splitSize, undefined]) {
          const result = await run('groupby', { input: file, workers, splitSize: size, params: { by: 'k', agg: 'sum:v' } });
          const got = new Map<number, number>();
          for (const row of result.table!.toArray()) got.set(row.k, row.sum_v);
          expect(got.size).toBe(want.size);
          for (const [key, sum] of want) expect(got.get(key)).toBeCloseTo(sum, 6);
        }
      }
    }
  });
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Float64, Int32, tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { Engine, run } from 'quiver-engine';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readParquetSplit, streamParquetSplit } from '../../dist/src/io/read-parquet.js';
import type { ParquetSplit } from '../../dist/src/planner/split.js';
import { rowsOf } from '../helpers/reference.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const SUM_COLUMN = path.join(ROOT, 'test/fixtures/jobs/sum-column.ts');
const ROWS = 10_000;
const GROUP_ROWS = 1_000;

/** A Parquet file of ROWS rows in row groups of GROUP_ROWS, written with parquet-wasm itself. */
async function writeGroups(): Promise<{ file: string; ids: Int32Array; xs: Float64Array }> {
  const ids = Int32Array.from({ length: ROWS }, (_, i) => (i * 7919) % 1000);
  const xs = Float64Array.from({ length: ROWS }, (_, i) => i / 4);
  const pq = await import('parquet-wasm/node');
  const props = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(GROUP_ROWS).build();
  const bytes = pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(tableFromArrays({ id: ids, x: xs }), 'stream')), props);
  const file = path.join(dir, 'groups.parquet');
  writeFileSync(file, bytes);
  return { file, ids, xs };
}

async function splitsOf(file: string, splitSize: number): Promise<ParquetSplit[]> {
  const plan = await makePlan({ inputs: [file], workers: 1, splitBytes: splitSize });
  return plan.splits as ParquetSplit[];
}

describe('Parquet splits read a row group at a time', () => {
  it('gives a split its batches as its row groups decode: the same rows as reading it whole, in order', async () => {
    const { file, ids, xs } = await writeGroups();
    const [split] = await splitsOf(file, 1 << 30);
    expect(split!.rowGroups.length).toBe(ROWS / GROUP_ROWS);
    const stream = streamParquetSplit(split!, 300);
    // The first batch comes before the rest of the split is decoded: only the first row group is read.
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(first.value!.numRows).toBe(300);
    const seen = [first.value!];
    for await (const b of stream) seen.push(b);
    const whole = await readParquetSplit(split!, 300);
    expect(seen.map((b) => b.numRows)).toEqual(whole.map((b) => b.numRows));
    // Batches never straddle row groups: 1000 rows each cut 300 + 300 + 300 + 100.
    expect(seen.slice(0, 4).map((b) => b.numRows)).toEqual([300, 300, 300, 100]);
    const gotIds = seen.flatMap((b) => Array.from(b.getChild('id')!.toArray() as Int32Array));
    const gotXs = seen.flatMap((b) => Array.from(b.getChild('x')!.toArray() as Float64Array));
    expect(gotIds).toEqual(Array.from(ids));
    expect(gotXs).toEqual(Array.from(xs));
    expect(seen[0]!.schema.fields.map((f) => [f.name, f.type.constructor])).toEqual([
      ['id', Int32],
      ['x', Float64],
    ]);
  });

  it('stops reading when the task stops early, and checks the row count against the footer at the end', async () => {
    const { file } = await writeGroups();
    const [split] = await splitsOf(file, 1 << 30);
    const stream = streamParquetSplit(split!, GROUP_ROWS);
    await stream.next();
    expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
    const lying = { ...split!, rows: split!.rows + 5 };
    const batches: number[] = [];
    await expect(
      (async () => {
        for await (const b of streamParquetSplit(lying, GROUP_ROWS)) batches.push(b.numRows);
      })(),
    ).rejects.toThrow(/decoded 10000 rows, the footer says 10005; the file may be corrupt/);
    expect(batches.length).toBe(ROWS / GROUP_ROWS);
  });

  it('reads a file written again between two runs of one engine as it is now, not as it was', async () => {
    const { file, xs } = await writeGroups();
    const engine = new Engine({ workers: 1 });
    try {
      const before = await engine.run(SUM_COLUMN, { input: file, params: { column: 'x' } });
      const doubled = xs.map((x) => 2 * x);
      const pq = await import('parquet-wasm/node');
      writeFileSync(
        file,
        pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(tableFromArrays({ x: doubled, extra: new Int32Array(ROWS) }), 'stream'))),
      );
      const after = await engine.run(SUM_COLUMN, { input: file, params: { column: 'x' } });
      expect((after.value as { sum: number }).sum).toBe(2 * (before.value as { sum: number }).sum);
    } finally {
      await engine.close();
    }
  });

  for (const [workers, splitSize] of [
    [1, '8KB'],
    [2, '8KB'],
    [3, '30KB'],
    [2, undefined],
  ] as const) {
    it(`folds and maps it to the sequential answer at ${workers} worker(s), split size ${splitSize ?? 'default'}`, async () => {
      const { file, ids, xs } = await writeGroups();
      let sum = 0;
      const counts = new Map<number, number>();
      for (let i = 0; i < ROWS; i++) {
        sum += xs[i]!;
        counts.set(ids[i]!, (counts.get(ids[i]!) ?? 0) + 1);
      }
      const folded = await run(SUM_COLUMN, { input: file, workers, splitSize, params: { column: 'x' } });
      expect(folded.value).toEqual({ rows: ROWS, sum });
      expect(folded.report.taskRecords.filter((t) => t.kind === 'fold').reduce((n, t) => n + t.rowsIn, 0)).toBe(ROWS);
      const grouped = await run('groupby', { input: file, workers, splitSize, params: { by: 'id', agg: 'count' } });
      const got = new Map(rowsOf(grouped.table).map((r) => [r.id as number, Number(r.count)]));
      expect(got).toEqual(counts);
      expect(grouped.report.taskRecords.filter((t) => t.kind === 'map').reduce((n, t) => n + t.rowsIn, 0)).toBe(ROWS);
    });
  }
});

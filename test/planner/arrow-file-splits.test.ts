import path from 'node:path';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { Table, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makePlan } from 'quiver-engine';
import { groupbyBatches, writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { readArrowSplit } from '../../dist/src/io/read-arrow-file.js';
import { readArrowFileLayout, splitArrowFile } from '../../dist/src/planner/arrow-file.js';
import { rowsOf } from '../helpers/reference.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const file = path.join(dir, 'mixed.arrow');
// Record batches of 10, 1000, 3, 3, 3, 1 and 500 rows: small ones to pack, big ones to cut.
const SIZES = [10, 1000, 3, 3, 3, 1, 500];
const TOTAL = SIZES.reduce((a, b) => a + b, 0);

async function writeMixed(): Promise<void> {
  await writeArrowFile(
    file,
    SIZES.map((n, i) => [...groupbyBatches(n, 60 + i, n)][0]!),
  );
}

describe('Arrow file splits', () => {
  it('pack small record batches and cut big ones into row ranges of the split size', async () => {
    await writeMixed();
    const layout = await readArrowFileLayout(file);
    expect(layout.blocks.map((b) => b.rows)).toEqual(SIZES);
    for (const rowsPerSplit of [1, 7, 100, 999, TOTAL, TOTAL + 5]) {
      const splits = splitArrowFile(layout, rowsPerSplit, 0);
      expect(splits.length).toBe(Math.ceil(TOTAL / rowsPerSplit));
      splits.forEach((s, i) => {
        expect(s.id).toBe(i);
        expect(s.rows).toBe(i < splits.length - 1 ? rowsPerSplit : TOTAL - rowsPerSplit * (splits.length - 1));
        expect(s.pieces.reduce((n, p) => n + (p.rowEnd - p.rowStart), 0)).toBe(s.rows);
      });
      // Together the pieces cover every row of every batch once, in order.
      const pieces = splits.flatMap((s) => s.pieces);
      SIZES.forEach((rows, block) => {
        const mine = pieces.filter((p) => p.block === block);
        expect(mine[0]!.rowStart).toBe(0);
        mine.forEach((p, j) => {
          j > 0 && expect(p.rowStart).toBe(mine[j - 1]!.rowEnd);
        });
        expect(mine.at(-1)!.rowEnd).toBe(rows);
      });
    }
    const packed = splitArrowFile(layout, 100, 0);
    expect(packed[10]!.pieces.map((p) => [p.block, p.rowStart, p.rowEnd])).toEqual([
      [1, 990, 1000],
      [2, 0, 3],
      [3, 0, 3],
      [4, 0, 3],
      [5, 0, 1],
      [6, 0, 80],
    ]);
  });

  it('read back every row once, in order, at any split and batch size', async () => {
    const expected = rowsOf(tableFromIPC(readFileSync(file)));
    expect(expected.length).toBe(TOTAL);
    for (const batchRows of [1, 64, 600, TOTAL + 1]) {
      const plan = await makePlan({ inputs: [file], workers: 3, batchRows });
      const got: Array<Record<string, unknown>> = [];
      let start = 0;
      for (const split of plan.splits) {
        if (split.kind !== 'arrow-file') throw new Error(`expected an arrow-file split, got ${split.kind}`);
        expect(split.rowStart).toBe(start);
        start += split.rows;
        const batches = await readArrowSplit(split, batchRows);
        for (const b of batches) {
          expect(b.numRows).toBeLessThanOrEqual(batchRows);
          for (let i = 0; i < b.numRows; i++) {
            const row: Record<string, unknown> = {};
            for (const f of b.schema.fields) row[f.name] = b.getChild(f.name)!.get(i);
            got.push(row);
          }
        }
      }
      expect(got, `batchRows ${batchRows}`).toEqual(expected);
    }
  });

  // Named columns are read alone: each its own buffer, not a view into the split's whole batches.
  it.each([[['v3', 'v1']], [['v3', 'id1']]] as const)('read only the columns asked for (%j)', async (columns) => {
    const expected = rowsOf(tableFromIPC(readFileSync(file)).select([...columns]));
    const plan = await makePlan({ inputs: [file], workers: 2, batchRows: 400 });
    const split = plan.splits[1]!;
    if (split.kind !== 'arrow-file') throw new Error('expected an arrow-file split');
    const batches = await readArrowSplit(split, 400, [...columns]);
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(b.schema.fields.map((f) => f.name)).toEqual([...columns].sort()); // the file's order
    const got = batches.flatMap((b) => rowsOf(new Table(b)));
    expect(got).toEqual(expected.slice(split.rowStart, split.rowStart + split.rows));
    const spans = split.pieces.reduce((n, p) => n + p.length, 0);
    expect(batches[0]!.getChild('v3')!.data[0]!.values.buffer.byteLength).toBeLessThan(spans);
    await expect(readArrowSplit(split, 400, ['v3', 'nope'])).rejects.toThrow(
      /the job reads column "nope", which .*mixed\.arrow does not have \(it has id1, id2/,
    );
  });

  it('say a file cut short after planning is, naming it', async () => {
    const cut = path.join(dir, 'cut-copied.arrow');
    writeFileSync(cut, readFileSync(file));
    const plan = await makePlan({ inputs: [cut], workers: 2, batchRows: 400 });
    const last = plan.splits.at(-1)!;
    if (last.kind !== 'arrow-file') throw new Error('expected an arrow-file split');
    truncateSync(cut, last.pieces[0]!.offset + 8);
    await expect(readArrowSplit(last, 400)).rejects.toThrow(
      /cut-copied\.arrow.*expected \d+ bytes at offset \d+, the file has only \d+ there \(was it truncated after planning\?\)/,
    );
  });

  it('plan a file with a schema and no batches as no splits', async () => {
    const empty = path.join(dir, 'empty.arrow');
    await writeArrowFile(empty, [], [...groupbyBatches(1, 1)][0]!.schema);
    const plan = await makePlan({ inputs: [empty], workers: 2 });
    expect(plan.splits).toEqual([]);
    expect(plan.totalRows).toBe(0);
  });

  it('say a .arrow file that is not Arrow IPC is not', async () => {
    const fake = path.join(dir, 'fake.arrow');
    await import('node:fs/promises').then((fs) => fs.writeFile(fake, 'a,b\n1,2\n'.repeat(10)));
    await expect(makePlan({ inputs: [fake], workers: 1 })).rejects.toThrow(
      /fake\.arrow is not a valid Arrow IPC file: it does not start with the ARROW1 magic bytes/,
    );
  });
});

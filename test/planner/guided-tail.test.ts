import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makePlan, run, type Split } from 'quiver-engine';
import { guidedTail } from '../../dist/src/planner/plan.js';
import { planTable } from '../../dist/src/coordinator/plan-table.js';
import { groupbyBatches, writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

const MB = 2 ** 20;
const text = (file: string, start: number, end: number, id: number): Split => ({ kind: 'text', id, file, start, end, bytes: end - start });
/** Uniform splits of `size` over a file of `bytes`, as the planner makes them. */
const uniform = (file: string, bytes: number, size: number, firstId = 0): Split[] =>
  Array.from({ length: Math.ceil(bytes / size) }, (_, i) => text(file, i * size, Math.min(bytes, (i + 1) * size), firstId + i));

type Range = Split & { start: number; end: number };

describe('guided tail of byte-range splits', () => {
  it('cover every file byte once, in order, with no piece above the default size and the last ones small', () => {
    for (const [bytes, workers] of [
      [486 * MB, 2],
      [486 * MB, 3],
      [1400 * MB, 2],
      [37 * MB, 2],
      [3 * MB, 2],
    ] as const) {
      const size = Math.min(64 * MB, Math.max(MB, Math.ceil(bytes / (workers * 4))));
      const before = uniform('a.csv', bytes, size);
      const after = guidedTail(before, workers) as Range[];
      expect(after.map((s) => s.id)).toEqual(after.map((_, i) => i));
      let at = 0;
      for (const s of after) {
        expect(s.start).toBe(at);
        expect(s.bytes).toBe(s.end - s.start);
        expect(s.bytes).toBeLessThanOrEqual(size);
        at = s.end;
      }
      expect(at).toBe(bytes);
      // No piece is larger than the bytes from its start to the end ÷ (2 × workers) (at least the least
      // piece, 4 MB), plus a rest too small to stand alone.
      let remaining = bytes;
      const least = Math.min(size, 4 * MB);
      for (const s of after) {
        expect(s.bytes).toBeLessThanOrEqual(Math.max(least, Math.ceil(remaining / (2 * workers))) + least);
        remaining -= s.bytes;
      }
      if (bytes > 64 * MB) expect(after[after.length - 1]!.bytes).toBeLessThanOrEqual(8 * MB);
      expect(after.length).toBeGreaterThanOrEqual(before.length);
    }
  });

  it('cut Parquet splits between row groups only, and runs of different files apart', () => {
    const groups = Array.from({ length: 12 }, (_, i) => ({ rows: 100 + i, bytes: 5 * MB }));
    const parquet: Split = {
      kind: 'parquet',
      id: 4,
      file: 'p.parquet',
      rowGroups: groups.map((_, i) => i),
      groups,
      rowStart: 0,
      rows: groups.reduce((n, g) => n + g.rows, 0),
      bytes: 60 * MB,
    };
    const splits = [...uniform('a.txt', 100 * MB, 25 * MB, 0), parquet, ...uniform('b.txt', 100 * MB, 25 * MB, 5)];
    const after = guidedTail(splits, 2) as Range[];
    expect(after.map((s) => s.id)).toEqual(after.map((_, i) => i));
    const pieces = after.filter((s) => s.kind === 'parquet') as Array<Extract<Split, { kind: 'parquet' }>>;
    expect(pieces.flatMap((p) => p.rowGroups)).toEqual(parquet.rowGroups);
    let row = 0;
    for (const p of pieces) {
      expect(p.rowStart).toBe(row);
      expect(p.rows).toBe(p.rowGroups.reduce((n, g) => n + groups[g]!.rows, 0));
      expect(p.bytes).toBe(p.rowGroups.length * 5 * MB);
      row += p.rows;
    }
    // 100 MB of b.txt follows: the parquet split (≤ 160 MB ÷ 4 = 40 MB a task) is cut in two.
    expect(pieces.map((p) => p.rowGroups.length)).toEqual([8, 4]);
    for (const f of ['a.txt', 'b.txt']) {
      const mine = after.filter((s) => s.file === f);
      expect(mine[0]!.start).toBe(0);
      expect(mine[mine.length - 1]!.end).toBe(100 * MB);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBe(mine[i - 1]!.end);
    }
    expect(after.filter((s) => s.file === 'b.txt').length).toBeGreaterThan(4);
  });

  it('apply only to the default split size with more than one worker, and read to the reference', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'wide.csv');
    // 72 MB, big enough that the default plan at 2 and 3 workers cuts a guided tail: a block of
    // 1000 records written 4000 times (quick to make; the reference is the block's sums × 4000).
    const repeats = 4000;
    const lines: string[] = [];
    const want = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const k = (i * 7919) % 17;
      const v = (i * 104729) % 1000;
      want.set(k, (want.get(k) ?? 0) + v * repeats);
      lines.push(`${k},${v},xxxxxxx`);
    }
    const block = Buffer.from(lines.join('\n') + '\n');
    writeFileSync(file, Buffer.concat([Buffer.from('k,v,pad\n'), ...Array(repeats).fill(block)]));
    const one = await makePlan({ inputs: [file], workers: 1 });
    const given = await makePlan({ inputs: [file], workers: 2, splitBytes: 8 * MB });
    expect(given.splits.every((s) => s.bytes <= 8 * MB)).toBe(true);
    expect(new Set(given.splits.slice(0, -1).map((s) => s.bytes)).size).toBe(1);
    expect(new Set(one.splits.slice(0, -1).map((s) => s.bytes)).size).toBe(1);
    expect([one.guided, given.guided]).toEqual([false, false]);
    const explained = await runCli(['explain', 'groupby', '-i', file, '-p', 'by=k', '-w', '2']);
    expect(explained.status, explained.stderr).toBe(0);
    expect(explained.stdout).toMatch(/^splits\s+\d+ of at most [\d.]+ MB, the last ones smaller so that workers finish together;/m);
    for (const workers of [2, 3]) {
      const plan = await makePlan({ inputs: [file], workers });
      const sizes = plan.splits.map((s) => s.bytes);
      expect(sizes[sizes.length - 2]!).toBeLessThan(sizes[0]!);
      expect(plan.files[0]!.splits).toBe(plan.splits.length);
      expect(plan.guided).toBe(true);
      const result = await run('groupby', { input: file, workers, params: { by: 'k', agg: 'sum:v' } });
      const got = new Map<number, number>();
      for (const row of result.table!.toArray()) got.set(row.k, Number(row.sum_v));
      expect(got).toEqual(want);
    }
  });

  it('cut Arrow file splits between record batches, never inside one', () => {
    type ArrowSplit = Extract<Split, { kind: 'arrow-file' }>;
    // Batches of 1000 rows and 4 MB, then one of 100 MB (50,000 rows) in a split of its own.
    const blocks = [...Array.from({ length: 40 }, () => ({ rows: 1000, length: 4 * MB })), { rows: 50_000, length: 100 * MB }];
    let offset = 0;
    const placed = blocks.map((b, block) => ({ ...b, block, offset: (offset += b.length) - b.length }));
    const splits: ArrowSplit[] = [];
    let row = 0;
    for (let k = 0; k < 40; k += 16) {
      const mine = placed.slice(k, Math.min(40, k + 16));
      const rows = mine.reduce((n, b) => n + b.rows, 0);
      splits.push({
        kind: 'arrow-file',
        id: splits.length,
        file: 'a.arrow',
        rowStart: row,
        rows,
        bytes: mine.length * 4 * MB,
        pieces: mine.map((b) => ({
          block: b.block,
          offset: b.offset,
          length: b.length,
          metaLength: 100,
          rowStart: 0,
          rowEnd: b.rows,
          blockRows: b.rows,
        })),
      });
      row += rows;
    }
    const big = placed[40]!;
    splits.push({
      kind: 'arrow-file',
      id: splits.length,
      file: 'a.arrow',
      rowStart: row,
      rows: big.rows,
      bytes: big.length,
      pieces: [{ block: 40, offset: big.offset, length: big.length, metaLength: 100, rowStart: 0, rowEnd: big.rows, blockRows: big.rows }],
    });
    const after = guidedTail(splits, 2) as ArrowSplit[];
    expect(after.length).toBeGreaterThan(splits.length);
    expect(after.map((s) => s.id)).toEqual(after.map((_, i) => i));
    // Every row of every batch once, in order, and each split's first row following the last.
    const ranges = after.flatMap((s) => s.pieces.map((p) => [p.block, p.rowStart, p.rowEnd]));
    let at = 0;
    let next: [number, number] = [0, 0];
    for (const [block, start, end] of ranges) {
      if (block !== next[0]) next = [block!, 0];
      expect([block, start]).toEqual(next);
      next = [block!, end!];
      at += end! - start!;
    }
    expect(at).toBe(row + big.rows);
    let first = 0;
    for (const s of after) {
      expect(s.rowStart).toBe(first);
      expect(s.rows).toBe(s.pieces.reduce((n, p) => n + p.rowEnd - p.rowStart, 0));
      first += s.rows;
    }
    // Batches are never cut again, and the last splits are smaller than the first.
    for (const p of after.flatMap((s) => s.pieces)) expect([p.rowStart, p.rowEnd]).toEqual([0, p.blockRows]);
    const four = after.filter((s) => s.pieces[0]!.block < 40);
    expect(four[four.length - 1]!.bytes).toBeLessThan(four[0]!.bytes);
    expect(four[four.length - 1]!.bytes).toBeGreaterThanOrEqual(4 * MB);
  });

  it('join a batch the planner cut between two Arrow splits back into one piece, and never exceed the largest split', () => {
    type ArrowSplit = Extract<Split, { kind: 'arrow-file' }>;
    const piece = (block: number, rowStart: number, rowEnd: number) => ({
      block,
      offset: block * 8 * MB,
      length: 8 * MB,
      metaLength: 100,
      rowStart,
      rowEnd,
      blockRows: 1000,
    });
    // 12 batches of 8 MB; the plan's splits of 60 MB cut batch 7 at row 500.
    const first: ArrowSplit = {
      kind: 'arrow-file',
      id: 0,
      file: 'b.arrow',
      rowStart: 0,
      rows: 7500,
      bytes: 60 * MB,
      pieces: [...Array.from({ length: 7 }, (_, b) => piece(b, 0, 1000)), piece(7, 0, 500)],
    };
    const second: ArrowSplit = {
      kind: 'arrow-file',
      id: 1,
      file: 'b.arrow',
      rowStart: 7500,
      rows: 4500,
      bytes: 36 * MB,
      pieces: [piece(7, 500, 1000), ...Array.from({ length: 4 }, (_, b) => piece(8 + b, 0, 1000))],
    };
    const after = guidedTail([first, second], 2) as ArrowSplit[];
    const pieces = after.flatMap((s) => s.pieces);
    expect(pieces.map((p) => [p.block, p.rowStart, p.rowEnd])).toEqual(Array.from({ length: 12 }, (_, b) => [b, 0, 1000]));
    for (const s of after) expect(s.bytes).toBeLessThanOrEqual(60 * MB);
    expect(after.reduce((n, s) => n + s.rows, 0)).toBe(12_000);
  });

  it('read an Arrow file, and the same rows in memory, to the reference with a guided tail at 2 and 3 workers', async () => {
    const file = path.join(tempDir(), 'g.arrow');
    // ~40 MB in batches of 20,000 rows: big enough for the default plan to cut a tail.
    await writeArrowFile(file, groupbyBatches(700_000, 9, 20_000));
    const t = tableFromIPC(readFileSync(file));
    const want = new Map<string, number>();
    const id1 = t.getChild('id1')!.toArray() as unknown as ArrayLike<string>;
    const v1 = t.getChild('v1')!.toArray() as Int32Array;
    for (let i = 0; i < t.numRows; i++) want.set(String(id1[i]), (want.get(String(id1[i])) ?? 0) + v1[i]!);
    for (const workers of [2, 3]) {
      const plan = await makePlan({ inputs: [file], workers });
      const rows = plan.splits.map((s) => s.rows ?? 0);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(t.numRows);
      expect(rows[rows.length - 1]!).toBeLessThan(rows[0]!);
      const result = await run('groupby', { input: file, workers, params: { by: 'id1', agg: 'sum:v1' } });
      const got = new Map<string, number>();
      for (const r of result.table!.toArray()) got.set(String(r.id1), Number(r.sum_v1));
      expect(got).toEqual(want);
      // The same rows as an in-memory table: its row ranges get a guided tail too.
      // (At 3 workers its default splits, 3.6 MB, are already under the least piece cut, 4 MB.)
      const tablePlan = planTable(t, { workers });
      expect(tablePlan.guided).toBe(workers === 2);
      const ranges = tablePlan.splits as Array<{ rowStart: number; rowEnd: number }>;
      expect(ranges[0]!.rowStart).toBe(0);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.rowStart).toBe(ranges[i - 1]!.rowEnd);
      expect(ranges[ranges.length - 1]!.rowEnd).toBe(t.numRows);
      const fromMemory = await run('groupby', { table: t, workers, params: { by: 'id1', agg: 'sum:v1' } });
      const inMemory = new Map<string, number>();
      for (const r of fromMemory.table!.toArray()) inMemory.set(String(r.id1), Number(r.sum_v1));
      expect(inMemory).toEqual(want);
    }
    expect(planTable(t, { workers: 1 }).guided).toBe(false);
    expect(planTable(t, { workers: 2, splitBytes: 8 * MB }).guided).toBe(false);
  });
});

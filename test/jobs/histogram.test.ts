import { Field, Float64, Int32, Schema, Table, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor, readColumns, writeEmptyArrow, writeGroupby, type GroupbyColumns } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** Exactly `bins` bins over [min, max]: x goes to floor((x − min) / (max − min) × bins), max to the last bin. */
function referenceFixed(values: number[], bins: number, min: number, max: number) {
  const counts = new Array<number>(bins).fill(0);
  for (const x of values) {
    if (!Number.isFinite(x) || x < min || x > max) continue;
    counts[Math.min(bins - 1, Math.floor(((x - min) / (max - min)) * bins))]++;
  }
  return counts;
}

/**
 * The job's documented auto range, by brute force over the whole data: the smallest power-of-two
 * width, no finer than 2^-52 of the largest magnitude, whose aligned bins cover the data in at most `bins` bins.
 */
function referenceAuto(values: number[], bins: number): Array<{ bin: number; lo: number; hi: number; count: number }> {
  const finite = values.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of finite) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  let w = 2 ** (Math.ceil(Math.log2(Math.max(Math.abs(lo), Math.abs(hi)))) - 52);
  while (Math.floor(hi / w) - Math.floor(lo / w) + 1 > bins) w *= 2;
  const first = Math.floor(lo / w);
  const span = Math.floor(hi / w) - first + 1;
  const rows = Array.from({ length: span }, (_, bin) => ({ bin, lo: (first + bin) * w, hi: (first + bin + 1) * w, count: 0 }));
  for (const x of finite) rows[Math.floor(x / w) - first]!.count++;
  return rows;
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
let file = '';
let tinyFile = '';
let data: GroupbyColumns;
let tiny: GroupbyColumns;

describe('histogram', () => {
  it('writes the test data', async () => {
    file = await writeGroupby(dir, 'g.arrow', 5000, 21, 1000);
    tinyFile = await writeGroupby(dir, 'tiny.arrow', 40, 22, 9);
    data = readColumns(file);
    tiny = readColumns(tinyFile);
  });

  const layouts = [
    { label: '1-row splits of a 40-row file', tiny: true, options: { batchRows: 1 } },
    { label: '700-row splits', tiny: false, options: { batchRows: 700 } },
    { label: 'one split bigger than the input', tiny: false, options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`counts v3 in 20 bins over [0, 100] with ${workers} worker(s), ${layout.label}`, async () => {
        const c = layout.tiny ? tiny : data;
        const { table } = await engines.get(workers)!.run('histogram', {
          input: layout.tiny ? tinyFile : file,
          params: { column: 'v3', bins: 20, min: '0', max: '100' },
          ...layout.options,
        });
        const rows = rowsOf(table);
        expect(rows.map((r) => r.count)).toEqual(referenceFixed(c.v3, 20, 0, 100));
        expect(rows.map((r) => r.bin)).toEqual([...Array(20).keys()]);
        expect(rows[0]).toMatchObject({ lo: 0, hi: 5 });
        expect(rows[19]).toMatchObject({ lo: 95, hi: 100 });
      });
      it(`fits power-of-two bins to v3 and to v1 with ${workers} worker(s), ${layout.label}`, async () => {
        const c = layout.tiny ? tiny : data;
        for (const [column, bins] of [
          ['v3', 20],
          ['v1', 3],
          ['v2', 64],
        ] as const) {
          const { table } = await engines
            .get(workers)!
            .run('histogram', { input: layout.tiny ? tinyFile : file, params: { column, bins }, ...layout.options });
          expect(rowsOf(table)).toEqual(referenceAuto(c[column], bins));
        }
      });
    }
  }

  it('skips values outside [min, max] and counts them', async () => {
    const { table, report } = await engines
      .get(2)!
      .run('histogram', { input: file, params: { column: 'v3', bins: 7, min: '10', max: '60.5' }, batchRows: 900 });
    const expected = referenceFixed(data.v3, 7, 10, 60.5);
    expect(rowsOf(table).map((r) => r.count)).toEqual(expected);
    expect(report.counters['out-of-range']).toBe(data.v3.length - expected.reduce((a, b) => a + b, 0));
  });

  it('handles negative values far from zero, nulls, NaN, infinities and a constant column in memory', async () => {
    const n = 3000;
    const special = [null, NaN, Infinity, -Infinity];
    const x = Array.from({ length: n }, (_, i) => (i % 89 === 0 ? special[(i / 89) % 4]! : -1e6 - ((i * 7919) % 1000) / 64));
    const table = new Table({ x: vectorFromArray(x, new Float64()), k: makeVector(new Int32Array(n).fill(42)) });
    const values = x.filter((v): v is number => v !== null);
    for (const workers of [1, 3]) {
      const auto = await engines.get(workers)!.run('histogram', { table, params: { column: 'x', bins: 10 }, batchRows: 250 });
      expect(rowsOf(auto.table)).toEqual(referenceAuto(values, 10));
      expect(auto.report.counters.skipped).toBe(x.filter((v) => v === null || !Number.isFinite(v)).length);
      const fixed = await engines
        .get(workers)!
        .run('histogram', { table, params: { column: 'x', bins: 8, min: '-1000016', max: '-1000000' }, batchRows: 250 });
      expect(rowsOf(fixed.table).map((r) => r.count)).toEqual(referenceFixed(values, 8, -1000016, -1000000));
      const constant = await engines.get(workers)!.run('histogram', { table, params: { column: 'k', bins: 10 }, batchRows: 250 });
      expect(rowsOf(constant.table)).toEqual(referenceAuto(new Array(n).fill(42), 10));
      expect(rowsOf(constant.table).map((r) => r.count)).toEqual([n]);
    }
  });

  it('gives no bins for empty input when fitting, and empty bins when the range is given', async () => {
    const emptyArrow = await writeEmptyArrow(dir, 'empty.arrow', new Schema([new Field('v3', new Float64())]));
    const auto = await engines.get(2)!.run('histogram', { input: emptyArrow, params: { column: 'v3' } });
    expect(auto.table.numRows).toBe(0);
    const fixed = await engines.get(2)!.run('histogram', { input: emptyArrow, params: { column: 'v3', bins: 4, min: '0', max: '1' } });
    expect(rowsOf(fixed.table)).toEqual([
      { bin: 0, lo: 0, hi: 0.25, count: 0 },
      { bin: 1, lo: 0.25, hi: 0.5, count: 0 },
      { bin: 2, lo: 0.5, hi: 0.75, count: 0 },
      { bin: 3, lo: 0.75, hi: 1, count: 0 },
    ]);
  });

  it('over several files counts every file', async () => {
    const second = await writeGroupby(dir, 'g2.arrow', 1234, 23, 400);
    const both = [...data.v3, ...readColumns(second).v3];
    const { table } = await engines.get(3)!.run('histogram', { input: [file, second], params: { column: 'v3', bins: 16 }, batchRows: 500 });
    expect(rowsOf(table)).toEqual(referenceAuto(both, 16));
  });

  it('says what is wrong with min and max', async () => {
    await expect(engines.get(1)!.run('histogram', { input: file, params: { column: 'v3', min: '0' } })).rejects.toThrow(
      /min and --param max go together/,
    );
    await expect(engines.get(1)!.run('histogram', { input: file, params: { column: 'v3', min: 'zero', max: '1' } })).rejects.toThrow(
      /--param min must be a number or auto, got "zero"/,
    );
    await expect(engines.get(1)!.run('histogram', { input: file, params: { column: 'v3', min: '5', max: '1' } })).rejects.toThrow(
      /min must be less than/,
    );
  });
});

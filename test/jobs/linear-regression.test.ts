import { Field, Float64, Int64, Schema, Table, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../helpers/reference.js';
import { expectClose } from '../helpers/compare.js';
import { enginesFor, readColumns, writeEmptyArrow, writeGroupby, type GroupbyColumns } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** Least squares with plain loops: means first, then centred sums (the textbook two-pass algorithm). */
function referenceFit(xs: number[], ys: number[]) {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxy / sxx;
  return { n, slope, intercept: my - slope * mx, r2: (sxy * sxy) / (sxx * syy) };
}

function expectFit(row: Record<string, unknown>, want: ReturnType<typeof referenceFit>, tolerance = 1e-9) {
  expect(row.n).toBe(want.n);
  for (const k of ['slope', 'intercept', 'r2'] as const) {
    const got = row[k] as number;
    expect(Math.abs(got - want[k]), `${k}: ${got} vs ${want[k]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want[k])));
  }
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
let file = '';
let tinyFile = '';
let data: GroupbyColumns;
let tiny: GroupbyColumns;

describe('linear-regression', () => {
  it('writes the test data', async () => {
    file = await writeGroupby(dir, 'g.arrow', 5000, 31, 1000);
    tinyFile = await writeGroupby(dir, 'tiny.arrow', 30, 32, 4);
    data = readColumns(file);
    tiny = readColumns(tinyFile);
  });

  const layouts = [
    { label: '1-row splits of a 30-row file', tiny: true, options: { batchRows: 1 } },
    { label: '700-row splits', tiny: false, options: { batchRows: 700 } },
    { label: '40KB splits', tiny: false, options: { splitSize: '40KB' } },
    { label: 'one split bigger than the input', tiny: false, options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`fits v3 on v2 and v2 on v1 with ${workers} worker(s), ${layout.label}`, async () => {
        const c = layout.tiny ? tiny : data;
        for (const [x, y] of [
          ['v2', 'v3'],
          ['v1', 'v2'],
        ] as const) {
          const { table, value } = await engines
            .get(workers)!
            .run('linear-regression', { input: layout.tiny ? tinyFile : file, params: { x, y }, ...layout.options });
          expect(table.numRows).toBe(1);
          expectFit(rowsOf(table)[0]!, referenceFit(c[x], c[y]));
          expect(value).toEqual(rowsOf(table)[0]);
        }
      });
    }
  }

  it('recovers an exact line far from the origin, where raw sums of squares would cancel', async () => {
    // y = 3x − 7 with x near 1e9: Σx² ≈ 1e21 swamps Sxx ≈ 1e6 in doubles, centred sums do not.
    const n = 4000;
    const x = Float64Array.from({ length: n }, (_, i) => 1e9 + ((i * 37) % 1001) / 8);
    const y = Float64Array.from(x, (v) => 3 * v - 7);
    const table = new Table({ x: makeVector(x), y: makeVector(y) });
    for (const workers of [1, 3]) {
      const { table: out } = await engines.get(workers)!.run('linear-regression', { table, params: { x: 'x', y: 'y' }, batchRows: 333 });
      const row = rowsOf(out)[0]!;
      expect(row.n).toBe(n);
      expectClose(row.slope, 3, 'slope');
      // The intercept is ȳ − slope·x̄ with x̄ ≈ 1e9: y's own rounding (ulp of 3e9 ≈ 5e-7) leaves it uncertain to about 0.1.
      expect(Math.abs((row.intercept as number) + 7)).toBeLessThan(0.5);
      expectClose(row.r2, 1, 'r2');
    }
  });

  it('skips rows with a null, NaN or infinity in x or y and reads 64-bit integer columns', async () => {
    const n = 1500;
    const xs = Array.from({ length: n }, (_, i) => (i % 31 === 0 ? null : i % 43 === 0 ? NaN : (i * 13) % 101));
    const ys = Array.from({ length: n }, (_, i) => (i % 29 === 0 ? null : i % 37 === 0 ? -Infinity : Math.sin(i) * 50 + i / 10));
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 2));
    const table = new Table({ x: vectorFromArray(xs, new Float64()), y: vectorFromArray(ys, new Float64()), id: makeVector(ids) });
    const keep = xs.map((x, i) => x !== null && Number.isFinite(x) && ys[i] !== null && Number.isFinite(ys[i]));
    const kx = xs.filter((_, i) => keep[i]) as number[];
    const ky = ys.filter((_, i) => keep[i]) as number[];
    const { table: out, report } = await engines.get(2)!.run('linear-regression', { table, params: { x: 'x', y: 'y' }, batchRows: 100 });
    expectFit(rowsOf(out)[0]!, referenceFit(kx, ky));
    expect(report.counters.skipped).toBe(n - kx.length);
    const byId = await engines.get(2)!.run('linear-regression', { table, params: { x: 'id', y: 'y' }, batchRows: 100 });
    const idRows = ys.map((v, i) => (v === null || !Number.isFinite(v) ? -1 : i)).filter((i) => i >= 0);
    expectFit(
      rowsOf(byId.table)[0]!,
      referenceFit(
        idRows.map((i) => i * 2),
        idRows.map((i) => ys[i]!),
      ),
    );
  });

  it('gives n = 0 and no fit for empty input, and no slope for a constant x', async () => {
    const empty = await writeEmptyArrow(dir, 'empty.arrow', new Schema([new Field('a', new Float64()), new Field('b', new Int64())]));
    const { table } = await engines.get(3)!.run('linear-regression', { input: empty, params: { x: 'a', y: 'b' } });
    expect(rowsOf(table)).toEqual([{ n: 0, slope: null, intercept: null, r2: null }]);
    const constant = new Table({
      x: makeVector(new Float64Array(10).fill(2)),
      y: makeVector(Float64Array.from({ length: 10 }, (_, i) => i)),
    });
    const flat = await engines.get(1)!.run('linear-regression', { table: constant, params: { x: 'x', y: 'y' } });
    expect(rowsOf(flat.table)).toEqual([{ n: 10, slope: null, intercept: null, r2: null }]);
  });

  it('over several files fits all their rows', async () => {
    const second = await writeGroupby(dir, 'g2.arrow', 777, 33, 100);
    const b = readColumns(second);
    const { table } = await engines
      .get(3)!
      .run('linear-regression', { input: [file, second], params: { x: 'v3', y: 'v2' }, batchRows: 600 });
    expectFit(rowsOf(table)[0]!, referenceFit([...data.v3, ...b.v3], [...data.v2, ...b.v2]));
  });
});

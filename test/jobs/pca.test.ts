import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Float64, Table, makeVector, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { correlatedBatches } from '../../dist/src/datasets/correlated.js';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { runCli } from '../helpers/cli.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor, readColumns, writeGroupby } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

type Row = Record<string, unknown>;

/** Means and sample covariance by the textbook two-pass algorithm over plain arrays. */
function naiveCovariance(cols: number[][]) {
  const d = cols.length;
  const n = cols[0]!.length;
  const mean = cols.map((c) => c.reduce((s, x) => s + x, 0) / n);
  const cov = mean.map((_, a) =>
    mean.map((_, b) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (cols[a]![i]! - mean[a]!) * (cols[b]![i]! - mean[b]!);
      return s / (n - 1);
    }),
  );
  return { n, mean, cov, d };
}

/**
 * Checks the job's rows against the naive covariance: means; eigenvalues in decreasing order summing
 * (with all components) to the trace; Cv = λv; orthonormal loadings; Σ λ v vᵀ = C; the sign rule.
 */
function expectPca(rows: Row[], names: string[], cols: number[][], components = names.length) {
  const { mean, cov, d } = naiveCovariance(cols);
  const scale = Math.max(...cov.flat().map(Math.abs));
  const close = (got: number, want: number, what: string, tol = 1e-9) =>
    expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(tol * scale);
  expect(rows.map((r) => r.component)).toEqual([...Array.from({ length: components }, (_, r) => `pc${r + 1}`), 'mean']);
  const meanRow = rows.at(-1)!;
  names.forEach((c, a) => {
    expect(Math.abs((meanRow[c] as number) - mean[a]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(mean[a]!)));
  });
  const pcs = rows.slice(0, -1);
  const vs = pcs.map((r) => names.map((c) => r[c] as number));
  const ls = pcs.map((r) => r.eigenvalue as number);
  const trace = cov.reduce((s, row, a) => s + row[a]!, 0);
  pcs.forEach((r, j) => {
    if (j > 0) expect(ls[j]!).toBeLessThanOrEqual(ls[j - 1]!);
    close((r.explained as number) * trace, ls[j]!, `explained ${j}`);
    const v = vs[j]!;
    for (let a = 0; a < d; a++)
      close(
        cov[a]!.reduce((s, c, b) => s + c * v[b]!, 0),
        ls[j]! * v[a]!,
        `(Cv − λv)[${a}] of pc${j + 1}`,
        1e-8,
      );
    for (let k = 0; k <= j; k++) expect(Math.abs(v.reduce((s, x, a) => s + x * vs[k]![a]!, 0) - (j === k ? 1 : 0))).toBeLessThan(1e-9);
    const big = Math.max(...v.map(Math.abs));
    expect(v.find((x) => Math.abs(x) >= big * (1 - 1e-6))!).toBeGreaterThan(0);
  });
  if (components === d) {
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        close(
          ls.reduce((s, l, j) => s + l * vs[j]![a]! * vs[j]![b]!, 0),
          cov[a]![b]!,
          `C[${a}][${b}] rebuilt`,
        );
  }
}

const F = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const files: Record<string, string> = {};
const data: Record<string, number[][]> = {};

async function writeCorrelated(name: string, rows: number, seed: number, batchRows: number) {
  const file = path.join(dir, `${name}.arrow`);
  await writeArrowFile(file, correlatedBatches(rows, seed, batchRows));
  const t = tableFromIPC(readFileSync(file));
  files[name] = file;
  data[name] = F.map((c) => Array.from(t.getChild(c)!.toArray() as Float64Array));
}

describe('pca', () => {
  it('writes the test data', async () => {
    await writeCorrelated('big', 5000, 51, 1000);
    await writeCorrelated('tiny', 30, 52, 4);
  });

  const layouts = [
    { label: '1-row splits of a 30-row file', tiny: true, options: { batchRows: 1 } },
    { label: '700-row splits', tiny: false, options: { batchRows: 700 } },
    { label: '40KB splits', tiny: false, options: { splitSize: '40KB' } },
    { label: 'one split bigger than the input', tiny: false, options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`finds the components of six correlated columns far from 0 with ${workers} worker(s), ${layout.label}`, async () => {
        const name = layout.tiny ? 'tiny' : 'big';
        const { table, value } = await engines.get(workers)!.run('pca', { input: files[name]!, params: { columns: F }, ...layout.options });
        expectPca(rowsOf(table), F, data[name]!);
        expect(value).toEqual(rowsOf(table));
        const two = await engines
          .get(workers)!
          .run('pca', { input: files[name]!, params: { columns: 'f3,f1,f5', components: 2 }, ...layout.options });
        expectPca(
          rowsOf(two.table),
          ['f3', 'f1', 'f5'],
          [2, 0, 4].map((a) => data[name]![a]!),
          2,
        );
      });
    }
  }

  it('reads integer columns, and one column is its variance', async () => {
    const file = await writeGroupby(dir, 'g.arrow', 3000, 53, 500);
    const g = readColumns(file);
    const { table } = await engines.get(3)!.run('pca', { input: file, params: { columns: 'v1,v2,v3,id4' }, batchRows: 400 });
    expectPca(rowsOf(table), ['v1', 'v2', 'v3', 'id4'], [g.v1, g.v2, g.v3, g.id4]);
    const one = await engines.get(2)!.run('pca', { input: file, params: { columns: 'v3' } });
    expectPca(rowsOf(one.table), ['v3'], [g.v3]);
    expect(rowsOf(one.table)[0]).toMatchObject({ v3: 1, explained: 1 });
  });

  it('skips and counts rows with a null, NaN or infinity in any column', async () => {
    const n = 1200;
    const special = [null, NaN, Infinity, -Infinity];
    const a = Array.from({ length: n }, (_, i) => (i % 41 === 0 ? special[(i / 41) % 4]! : Math.sin(i) * 10 + i / 100));
    const b = Array.from({ length: n }, (_, i) => (i % 37 === 0 ? null : Math.cos(i) * 3 + (a[i] ?? 0) / 2));
    const c = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7) % 100));
    const table = new Table({ a: vectorFromArray(a, new Float64()), b: vectorFromArray(b, new Float64()), c: makeVector(c) });
    const keep = a.map((x, i) => x !== null && Number.isFinite(x) && b[i] !== null);
    const pick = (xs: Array<number | null>) => xs.filter((_, i) => keep[i]) as number[];
    const { table: out, report } = await engines.get(2)!.run('pca', { table, params: { columns: 'a,b,c' }, batchRows: 100 });
    expectPca(rowsOf(out), ['a', 'b', 'c'], [pick(a), pick(b), pick(Array.from(c, Number))]);
    expect(report.counters.skipped).toBe(n - pick(a).length);
  });

  it('gives only the mean row for fewer than 2 rows', async () => {
    const one = new Table({ x: makeVector(new Float64Array([4])), y: makeVector(new Float64Array([-1])) });
    const r1 = await engines.get(2)!.run('pca', { table: one, params: { columns: 'x,y' } });
    expect(rowsOf(r1.table)).toEqual([{ component: 'mean', eigenvalue: null, explained: null, x: 4, y: -1 }]);
    const none = new Table({ x: vectorFromArray([NaN], new Float64()), y: makeVector(new Float64Array([1])) });
    const r0 = await engines.get(1)!.run('pca', { table: none, params: { columns: 'x,y' } });
    expect(rowsOf(r0.table)).toEqual([{ component: 'mean', eigenvalue: null, explained: null, x: null, y: null }]);
  });

  it('says what is wrong with the columns and components', async () => {
    const run = (params: Record<string, unknown>) => engines.get(1)!.run('pca', { input: files.big!, params });
    await expect(run({})).rejects.toThrow(/needs --param columns=<list>/);
    await expect(run({ columns: 'f1,f9' })).rejects.toThrow(
      /no column "f9" in .*big\.arrow; did you mean "f1"\? \(job "pca" asks for it; the input has f1, f2/,
    );
    await expect(run({ columns: 'f1,f1' })).rejects.toThrow(/--param columns names a column twice/);
    await expect(run({ columns: ',' })).rejects.toThrow(/--param columns needs at least one numeric column/);
    await expect(run({ columns: 'f1,f2', components: 3 })).rejects.toThrow(
      /--param components must be between 0 \(all\) and the number of columns \(2\), got 3/,
    );
    const file = await writeGroupby(dir, 'g2.arrow', 50, 54, 50);
    await expect(engines.get(1)!.run('pca', { input: file, params: { columns: 'v1,id1' } })).rejects.toThrow(
      /column "id1" has type .*not numbers/,
    );
  });

  it('runs from the CLI on the correlated dataset', async () => {
    const out = path.join(dir, 'pts.arrow');
    const gen = await runCli(['datasets', 'generate', 'correlated', '--rows', '2000', '--seed', '7', '-o', out]);
    expect(gen.status, gen.stderr).toBe(0);
    const r = await runCli([
      'run',
      'pca',
      '-i',
      out,
      '-w',
      '2',
      '--batch-rows',
      '300',
      '-p',
      `columns=${F.join(',')}`,
      '-p',
      'components=3',
      '--format',
      'json',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = tableFromIPC(readFileSync(out));
    expectPca(
      JSON.parse(r.stdout) as Row[],
      F,
      F.map((c) => Array.from(t.getChild(c)!.toArray() as Float64Array)),
      3,
    );
  });
});

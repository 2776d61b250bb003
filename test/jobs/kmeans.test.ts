import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Float64, Int32, Table, makeVector, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runSequential } from 'quiver-engine';
import { pointsBatches } from '../../dist/src/datasets/points.js';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { runCli } from '../helpers/cli.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

type Row = Record<string, number>;
const XYZ = ['x', 'y', 'z'];

/** One step of Lloyd's algorithm over plain arrays: nearest centroid (first on ties), then sizes, means and the wcss about the means. */
function lloydStep(points: number[][], centroids: number[][]) {
  const k = centroids.length;
  const members: number[][][] = centroids.map(() => []);
  for (const p of points) {
    const dist = centroids.map((c) => c.reduce((s, cj, j) => s + (p[j]! - cj) ** 2, 0));
    members[dist.indexOf(Math.min(...dist))]!.push(p);
  }
  const means = members.map((m, c) =>
    m.length ? centroids[c]!.map((_, j) => m.reduce((s, p) => s + p[j]!, 0) / m.length) : centroids[c]!,
  );
  const wcss = members.map((m, c) => m.reduce((s, p) => s + p.reduce((t, x, j) => t + (x - means[c]![j]!) ** 2, 0), 0));
  return { sizes: members.map((m) => m.length), means, wcss, k };
}

/** Naive k-means from given centroids: `steps` Lloyd steps, or fewer once no centroid moves more than `tolerance`. */
function naiveKmeans(points: number[][], init: number[][], steps: number, tolerance: number) {
  let centroids = init;
  let step: ReturnType<typeof lloydStep> | undefined;
  for (let i = 0; i < steps; i++) {
    step = lloydStep(points, centroids);
    const shift = Math.max(...step.means.map((m, c) => Math.hypot(...m.map((x, j) => x - centroids[c]![j]!))));
    centroids = step.means;
    if (shift <= tolerance) return { ...step, iterations: i + 1 };
  }
  return { ...step!, iterations: steps };
}

/** Checks the job's rows against sizes, centroids and wcss (all close to a scale), cluster by cluster. */
function expectClusters(rows: Row[], names: string[], want: { sizes: number[]; means: number[][]; wcss: number[] }, tol = 1e-9) {
  expect(rows.map((r) => r.cluster)).toEqual(want.sizes.map((_, c) => c));
  expect(rows.map((r) => r.size)).toEqual(want.sizes);
  rows.forEach((r, c) => {
    names.forEach((n, j) => {
      expect(Math.abs(r[n]! - want.means[c]![j]!), `centroid ${c} ${n}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want.means[c]![j]!)));
    });
    expect(Math.abs(r.wcss! - want.wcss[c]!), `wcss ${c}`).toBeLessThanOrEqual(tol * (1 + want.wcss[c]!));
  });
}

/** The job's answer is a fixed point of Lloyd's step computed naively over all the points. */
function expectFixedPoint(rows: Row[], names: string[], points: number[][]) {
  expectClusters(
    rows,
    names,
    lloydStep(
      points,
      rows.map((r) => names.map((n) => r[n]!)),
    ),
  );
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const file = path.join(dir, 'pts.arrow');
let points: number[][] = [];

describe('kmeans', () => {
  it('writes the test data', async () => {
    await writeArrowFile(file, pointsBatches(3000, 61, 500));
    const t = tableFromIPC(readFileSync(file));
    const cols = XYZ.map((c) => t.getChild(c)!.toArray() as Float64Array);
    points = Array.from({ length: t.numRows }, (_, i) => cols.map((c) => c[i]!));
  });

  const layouts = [
    { label: '300-row splits', options: { batchRows: 300 } },
    { label: 'one split bigger than the input', options: { splitSize: '10MB' } },
  ];
  let first: Row[] | undefined;
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`converges to a fixed point of Lloyd's step, the same for a seed at any layout, with ${workers} worker(s), ${layout.label}`, async () => {
        const { table, report } = await engines
          .get(workers)!
          .run('kmeans', { input: file, params: { k: 5, columns: XYZ, iterations: 100, seed: 3 }, ...layout.options });
        const rows = rowsOf(table) as Row[];
        expect(table.schema.fields.map((f) => f.name)).toEqual(['cluster', 'size', 'wcss', ...XYZ]);
        expectFixedPoint(rows, XYZ, points);
        expect(report.counters).toMatchObject({ converged: 1 });
        expect(report.counters.wcss).toBeCloseTo(
          rows.reduce((s, r) => s + r.wcss!, 0),
          6,
        );
        expect(report.steps!.map((s) => [s.job, s.runs])).toEqual([
          ['kmeans-sample', 1],
          ['kmeans-assign', report.counters.iterations],
        ]);
        first ??= rows;
        expectClusters(rows, XYZ, {
          sizes: first.map((r) => r.size!),
          means: first.map((r) => XYZ.map((n) => r[n]!)),
          wcss: first.map((r) => r.wcss!),
        });
      });
    }
  }

  it('follows naive k-means step by step from given centroids', async () => {
    const init = [
      [0, 0, 0],
      [50, 50, 50],
      [-50, 20, 0],
      [10, -80, -60],
    ];
    for (const [workers, steps] of [
      [1, 1],
      [2, 3],
      [3, 7],
    ] as const) {
      const want = naiveKmeans(points, init, steps, 0);
      const { table, report } = await engines.get(workers)!.run('kmeans', {
        input: file,
        params: { k: 4, columns: 'x,y,z', iterations: steps, tolerance: 0, init: JSON.stringify(init) },
        batchRows: 700,
      });
      expectClusters(rowsOf(table) as Row[], XYZ, want);
      expect(report.counters.iterations).toBe(want.iterations);
    }
  });

  it('stops at the tolerance and keeps the centroid of a cluster no row is nearest to', async () => {
    const init = [
      [0, 0, 0],
      [1e6, 1e6, 1e6],
      [60, 0, -60],
    ];
    const want = naiveKmeans(points, init, 50, 1e-3);
    const { table, report } = await engines
      .get(2)!
      .run('kmeans', { input: file, params: { k: 3, columns: XYZ, iterations: 50, tolerance: 1e-3, init } });
    const rows = rowsOf(table) as Row[];
    expectClusters(rows, XYZ, want);
    expect(rows[1]).toEqual({ cluster: 1, size: 0, wcss: 0, x: 1e6, y: 1e6, z: 1e6 });
    expect(report.counters).toMatchObject({ iterations: want.iterations, converged: 1 });
  });

  it('skips and counts rows with a null, NaN or infinity, and reads integer columns', async () => {
    const n = 900;
    const special = [null, NaN, Infinity, -Infinity];
    const a = Array.from({ length: n }, (_, i) => (i % 31 === 0 ? special[(i / 31) % 4]! : (i % 3) * 40 + Math.sin(i)));
    const b = Array.from({ length: n }, (_, i) => (i % 29 === 0 ? null : (i % 3) * -25 + ((i * 7) % 10)));
    const c = BigInt64Array.from({ length: n }, (_, i) => BigInt((i % 3) * 100 + (i % 5)));
    const table = new Table({ a: vectorFromArray(a, new Float64()), b: vectorFromArray(b, new Int32()), c: makeVector(c) });
    const clean = a.flatMap((x, i) => (x !== null && Number.isFinite(x) && b[i] !== null ? [[x, b[i]!, Number(c[i]!)]] : []));
    const init = [
      [0, 0, 0],
      [40, -25, 100],
      [80, -50, 200],
    ];
    const { table: out, report } = await engines
      .get(3)!
      .run('kmeans', { table, params: { k: 3, columns: 'a,b,c', init, iterations: 10, tolerance: 0 }, batchRows: 100 });
    expectClusters(rowsOf(out) as Row[], ['a', 'b', 'c'], naiveKmeans(clean, init, 10, 0));
    expect(report.counters.skipped).toBe(n - clean.length);
  });

  it('gives the same answer in the sequential baseline', async () => {
    const params = { k: 6, columns: XYZ, seed: 9, iterations: 100 };
    const seq = await runSequential('kmeans', { input: file, params, batchRows: 400 });
    const par = await engines.get(2)!.run('kmeans', { input: file, params, batchRows: 400 });
    expectFixedPoint(rowsOf(seq.table) as Row[], XYZ, points);
    const want = rowsOf(par.table) as Row[];
    expectClusters(rowsOf(seq.table) as Row[], XYZ, {
      sizes: want.map((r) => r.size!),
      means: want.map((r) => XYZ.map((n) => r[n]!)),
      wcss: want.map((r) => r.wcss!),
    });
  });

  it('says what is wrong with the params and the input', async () => {
    const run = (params: Record<string, unknown>, input = file) =>
      engines.get(1)!.run('kmeans', { input, params: { columns: XYZ, ...params } });
    await expect(run({ columns: 'x,nope' })).rejects.toThrow(
      /no column "nope" in .*pts\.arrow \(job "kmeans-sample" asks for it; the input has x, y, z, blob\)/,
    );
    await expect(run({ k: 0 })).rejects.toThrow(/--param k must be at least 1, got 0/);
    await expect(run({ k: -2 })).rejects.toThrow(/--param k must be at least 1, got -2/);
    await expect(run({ iterations: 0 })).rejects.toThrow(/--param iterations must be at least 1/);
    await expect(run({ tolerance: -1 })).rejects.toThrow(/--param tolerance must be 0 or more/);
    await expect(run({ columns: 'x,x' })).rejects.toThrow(/names a column twice/);
    await expect(run({ columns: 'x,size' })).rejects.toThrow(/"size" is also an output column of kmeans/);
    await expect(run({ k: 2, init: '[[0,0,0]]' })).rejects.toThrow(/--param init has 1 centroids but k is 2/);
    await expect(run({ k: 1, init: '[[0,0]]' })).rejects.toThrow(/--param init must be centroids of 3 finite number\(s\) each/);
    await expect(run({ k: 1, init: '[[0,0' })).rejects.toThrow(/--param init must be JSON/);
    await expect(run({ k: 3001 })).rejects.toThrow(/--param k=3001 is more than the 3000 usable row\(s\) of the input; lower k/);
    const small = new Table({ x: makeVector(new Float64Array([1, 1, 2, NaN])) });
    await expect(engines.get(2)!.run('kmeans', { table: small, params: { columns: 'x', k: 4 } })).rejects.toThrow(
      /k=4 is more than the 3 usable row\(s\)/,
    );
    await expect(engines.get(2)!.run('kmeans', { table: small, params: { columns: 'x', k: 3 } })).rejects.toThrow(
      /k=3 is more than the 2 distinct point\(s\)/,
    );
  });

  it('runs from the CLI on the points dataset', async () => {
    const out = path.join(dir, 'cli.arrow');
    const gen = await runCli(['datasets', 'generate', 'points', '--rows', '2500', '--seed', '5', '-o', out]);
    expect(gen.status, gen.stderr).toBe(0);
    const r = await runCli([
      'run',
      'kmeans',
      '-i',
      out,
      '-w',
      '2',
      '--batch-rows',
      '400',
      '-p',
      'k=8',
      '-p',
      'columns=x,y,z',
      '-p',
      'iterations=100',
      '--format',
      'json',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = tableFromIPC(readFileSync(out));
    const cols = XYZ.map((c) => t.getChild(c)!.toArray() as Float64Array);
    expectFixedPoint(
      JSON.parse(r.stdout) as Row[],
      XYZ,
      Array.from({ length: t.numRows }, (_, i) => cols.map((c) => c[i]!)),
    );
  });
});

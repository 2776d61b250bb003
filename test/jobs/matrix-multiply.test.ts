import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Float64, Int32, Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runSequential } from 'quiver-engine';
import { makeRandom } from '../../dist/src/datasets/random.js';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

type Matrix = number[][];

/** A rows × cols matrix of small random numbers (integers when `ints`). */
function randomMatrix(rows: number, cols: number, seed: number, ints = false): Matrix {
  const random = makeRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (ints ? Math.floor(random() * 21) - 10 : 4 * random() - 2)));
}

/** Writes a matrix as an Arrow file with columns c0…, float64 (or int32 for the columns listed). */
function writeMatrix(dir: string, name: string, m: Matrix, cols = m[0]?.length ?? 0, intColumns: number[] = []): string {
  const columns = Object.fromEntries(
    Array.from({ length: cols }, (_, j) => {
      const values = m.map((row) => row[j]!);
      return [`c${j}`, intColumns.includes(j) ? makeVector(Int32Array.from(values)) : makeVector(Float64Array.from(values))];
    }),
  );
  const file = path.join(dir, name);
  writeFileSync(file, tableToIPC(new Table(columns), 'file'));
  return file;
}

/** The naive triple-loop product. */
function product(a: Matrix, b: Matrix, p: number): Matrix {
  return a.map((row) => Array.from({ length: p }, (_, j) => row.reduce((s, x, t) => s + x * b[t]![j]!, 0)));
}

/** C's table as a matrix: columns c0… in order, one row per table row. */
function matrixOf(table: Table): Matrix {
  const cols = table.schema.fields.map((f, j) => {
    expect(f.name).toBe(`c${j}`);
    return Array.from(table.getChildAt(j)!.toArray() as Float64Array);
  });
  return Array.from({ length: table.numRows }, (_, i) => cols.map((c) => c[i]!));
}

function expectClose(got: Matrix, want: Matrix): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => {
    expect(row.length).toBe(want[i]!.length);
    row.forEach((x, j) => {
      expect(Math.abs(x - want[i]![j]!)).toBeLessThan(1e-9 * (1 + Math.abs(want[i]![j]!)));
    });
  });
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const A = randomMatrix(37, 23, 1);
const B = randomMatrix(23, 41, 2);
const fileA = writeMatrix(dir, 'a.arrow', A);
const fileB = writeMatrix(dir, 'b.arrow', B);
const Bint = randomMatrix(23, 41, 3, true);
const fileBint = writeMatrix(dir, 'bint.arrow', Bint, 41, [0, 7, 40]);

describe('matrix-multiply', () => {
  for (const workers of [1, 2, 3]) {
    for (const leaf of [1, 500, 20_000, 1e9]) {
      it(`equals the naive product with ${workers} worker(s) and leaves of at most ${leaf} multiply-adds`, async () => {
        const { table, report } = await engines.get(workers)!.run('matrix-multiply', { input: [fileA, fileB], params: { leaf } });
        expectClose(matrixOf(table), product(A, B, 41));
        expect(report.counters['multiply-adds']).toBe(37 * 23 * 41);
        // Halving stops once a block's work fits a leaf; with leaf 1 every cell of C is its own task.
        if (leaf === 1) expect(report.counters.leaves).toBe(37 * 41);
        if (leaf === 1e9) expect(report.counters.leaves).toBe(1);
      });
    }
    it(`reads int32 columns as numbers and takes the matrices from params with ${workers} worker(s)`, async () => {
      const { table } = await engines.get(workers)!.run('matrix-multiply', { params: { a: fileA, b: fileBint, leaf: 300 } });
      expectClose(matrixOf(table), product(A, Bint, 41));
    });
  }

  it('multiplies shapes with a side of 1, and a matrix with no rows', async () => {
    const engine = engines.get(2)!;
    const col = randomMatrix(9, 1, 4),
      row = randomMatrix(1, 6, 5);
    const outer = await engine.run('matrix-multiply', {
      input: [writeMatrix(dir, 'col.arrow', col), writeMatrix(dir, 'row.arrow', row)],
      params: { leaf: 2 },
    });
    expectClose(matrixOf(outer.table), product(col, row, 6));
    const inner = await engine.run('matrix-multiply', {
      input: [writeMatrix(dir, 'row2.arrow', row), writeMatrix(dir, 'col2.arrow', randomMatrix(6, 1, 6))],
    });
    expectClose(matrixOf(inner.table), product(row, randomMatrix(6, 1, 6), 1));
    const none = await engine.run('matrix-multiply', { input: [writeMatrix(dir, 'none.arrow', [], 23), fileB] });
    expect(none.table.numRows).toBe(0);
    expect(none.table.numCols).toBe(41);
  });

  it('runs the same driver in the calling thread for the sequential baseline', async () => {
    const { table } = await runSequential('matrix-multiply', { input: [fileA, fileB], params: { leaf: 2000 } });
    expectClose(matrixOf(table), product(A, B, 41));
  });

  it('says which dimensions do not match', async () => {
    await expect(engines.get(2)!.run('matrix-multiply', { input: [fileA, fileA] })).rejects.toThrow(
      /A \(.*a\.arrow\) is 37×23 and B \(.*a\.arrow\) is 37×23: A's columns \(23\) must equal B's rows \(37\)/,
    );
  });

  it('refuses a non-numeric column, a null cell and a missing matrix', async () => {
    const engine = engines.get(1)!;
    const text = path.join(dir, 'text.arrow');
    writeFileSync(
      text,
      tableToIPC(new Table({ c0: makeVector(new Float64Array([1, 2])), c1: vectorFromArray(['x', 'y'], new Utf8()) }), 'file'),
    );
    await expect(engine.run('matrix-multiply', { input: [text, fileB] })).rejects.toThrow(
      /column c1 of A \(.*text\.arrow\) is Utf8; every column of a matrix must be numeric/,
    );
    const holes = path.join(dir, 'holes.arrow');
    writeFileSync(
      holes,
      tableToIPC(new Table({ c0: vectorFromArray([1, null], new Float64()), c1: vectorFromArray([1, 2], new Int32()) }), 'file'),
    );
    await expect(engine.run('matrix-multiply', { input: [fileA, holes] })).rejects.toThrow(
      /column c0 of B \(.*holes\.arrow\) has 1 null\(s\)/,
    );
    await expect(engine.run('matrix-multiply', { input: [fileA] })).rejects.toThrow(
      /matrix-multiply needs two matrices: -i a\.arrow b\.arrow/,
    );
  });

  it('runs from the CLI on a generated matrix and writes C with -o', async () => {
    const a = path.join(dir, 'gen.arrow');
    const gen = await runCli(['datasets', 'generate', 'matrix', '--rows', '30', '--seed', '7', '-o', a]);
    expect(gen.status).toBe(0);
    const out = path.join(dir, 'c.arrow');
    const r = await runCli(['run', 'matrix-multiply', '-i', a, a, '-w', '2', '-p', 'leaf=1000', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const m = matrixOf(tableFromIPC(readFileSync(a)));
    expect(m.length).toBe(30);
    expect(m.every((row) => row.length === 30 && row.every((x) => x >= -1 && x < 1))).toBe(true);
    expectClose(matrixOf(tableFromIPC(readFileSync(out))), product(m, m, 30));
  });
});

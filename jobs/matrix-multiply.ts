import { defineJob, type DriverContext } from 'quiver-engine';
import { DataType, makeVector, Table, type Vector } from 'apache-arrow';

/**
 * C = A × B for matrices stored as tables: one row per matrix row, one numeric column per matrix
 * column, in schema order (any format quiver reads; `quiver datasets generate matrix` writes
 * float64 columns c0…c{n-1} to an Arrow file). Integers are read as doubles; a null, a non-numeric
 * column or A's column count differing from B's row count is an error. Output: C with float64
 * columns c0…c{p-1}, one row per row of A. Params: `a`, `b` (paths; default the first and second
 * `-i` input) and `leaf`, the most multiply-adds (rows × cols × inner dimension) one task computes.
 *
 *   quiver datasets generate matrix --rows 2000 -o a.arrow
 *   quiver run matrix-multiply -i a.arrow a.arrow -o c.arrow
 *
 * A driver: A and B are copied row-major into SharedArrayBuffers and C allocated there, column-major
 * (so C's columns become output vectors without a copy). The recursive job `blocks` halves a block of
 * C along its longer side until it is a leaf; a leaf runs an i-k-j loop four rows of A at a time
 * (each element of a B row is loaded once for four rows of C) into a local accumulator, then writes
 * its own cells of C. Blocks are disjoint, so workers write C without locks.
 */
interface Block {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}
interface Mats {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  n: number;
  k: number;
  p: number;
}

export const blocks = defineJob({
  name: 'matrix-blocks',
  description: 'a block of C = A × B (shared row-major A, B; column-major C), halved until a leaf',
  params: { m: { type: 'json' }, leaf: { type: 'integer', default: 8_000_000 } },
  divide(q: Block, ctx) {
    const rows = q.r1 - q.r0,
      cols = q.c1 - q.c0;
    if (rows * cols * Math.max(1, (ctx.params.m as unknown as Mats).k) <= (ctx.params.leaf as number) || rows * cols <= 1) return undefined;
    if (rows >= cols) {
      const mid = q.r0 + (rows >> 1);
      return [
        { ...q, r1: mid },
        { ...q, r0: mid },
      ];
    }
    const mid = q.c0 + (cols >> 1);
    return [
      { ...q, c1: mid },
      { ...q, c0: mid },
    ];
  },
  conquer(q: Block, ctx) {
    const { a, b, c, n, k, p } = ctx.params.m as unknown as Mats;
    const w = q.c1 - q.c0;
    const acc = new Float64Array(4 * w);
    for (let i = q.r0; i < q.r1; i += 4) {
      const rows = Math.min(4, q.r1 - i);
      acc.fill(0);
      // Missing rows of a last group of fewer than four reread row i: harmless, never written out.
      const a0 = i * k,
        a1 = a0 + (rows > 1 ? k : 0),
        a2 = a0 + (rows > 2 ? 2 * k : 0),
        a3 = a0 + (rows > 3 ? 3 * k : 0);
      for (let t = 0; t < k; t++) {
        const x0 = a[a0 + t]!,
          x1 = a[a1 + t]!,
          x2 = a[a2 + t]!,
          x3 = a[a3 + t]!;
        const bo = t * p + q.c0;
        for (let j = 0; j < w; j++) {
          const y = b[bo + j]!;
          acc[j]! += x0 * y;
          acc[w + j]! += x1 * y;
          acc[2 * w + j]! += x2 * y;
          acc[3 * w + j]! += x3 * y;
        }
      }
      for (let r = 0; r < rows; r++) for (let j = 0; j < w; j++) c[(q.c0 + j) * n + i + r] = acc[r * w + j]!;
    }
    return { multiplyAdds: (q.r1 - q.r0) * w * k, leaves: 1 };
  },
  combine: (x, y) => ({ multiplyAdds: x.multiplyAdds + y.multiplyAdds, leaves: x.leaves + y.leaves }),
});

export default defineJob({
  name: 'matrix-multiply',
  description: 'C = A × B for matrices stored as tables (a row per matrix row, a numeric column per matrix column)',
  params: {
    a: { type: 'string', default: '', description: 'the table of A (default: the first -i input)' },
    b: { type: 'string', default: '', description: 'the table of B (default: the second -i input)' },
    leaf: { type: 'integer', default: 8_000_000, description: 'most multiply-adds per task (~5 ms of work)' },
  },
  async drive(q) {
    const [pathA, pathB] = [(q.params.a as string) || q.input[0], (q.params.b as string) || q.input[1]];
    if (!pathA || !pathB) throw new Error('matrix-multiply needs two matrices: -i a.arrow b.arrow, or --param a=… --param b=…');
    if ((q.params.leaf as number) < 1) throw new Error(`--param leaf must be at least 1, got ${q.params.leaf}`);
    const A = await readMatrix(q, pathA, 'A');
    const B = pathB === pathA ? A : await readMatrix(q, pathB, 'B');
    // A file with no rows may carry no schema either: an empty A gives an empty C, whatever B's rows.
    if (A.cols !== B.rows && A.rows > 0) {
      throw new Error(
        `A (${pathA}) is ${A.rows}×${A.cols} and B (${pathB}) is ${B.rows}×${B.cols}: A's columns (${A.cols}) must equal B's rows ` +
          `(${B.rows})`,
      );
    }
    const m: Mats = { a: A.data, b: B.data, c: q.shared(Float64Array, A.rows * B.cols), n: A.rows, k: B.rows, p: B.cols };
    if (m.n > 0 && m.p > 0) {
      const r = await q.forkJoin(blocks, { r0: 0, r1: m.n, c0: 0, c1: m.p }, { params: { m, leaf: q.params.leaf } });
      q.count('multiply-adds', r.multiplyAdds);
      q.count('leaves', r.leaves);
    }
    const columns: Record<string, Vector> = {};
    for (let j = 0; j < m.p; j++) columns[`c${j}`] = makeVector(m.c.subarray(j * m.n, (j + 1) * m.n));
    return new Table(columns);
  },
});

/** A table read as a row-major matrix in shared memory; every column must be numeric with no nulls. */
async function readMatrix(q: DriverContext, file: string, name: string) {
  const table = await q.readTable(file);
  const rows = table.numRows,
    cols = table.numCols;
  const data = q.shared(Float64Array, rows * cols);
  table.schema.fields.forEach((field, j) => {
    if (!DataType.isInt(field.type) && !DataType.isFloat(field.type)) {
      throw new Error(
        `column ${field.name} of ${name} (${file}) is ${field.type}; every column of a matrix must be numeric (a row per matrix row, a ` +
          `column per matrix column)`,
      );
    }
    const vector = table.getChildAt(j)!;
    if (vector.nullCount > 0)
      throw new Error(`column ${field.name} of ${name} (${file}) has ${vector.nullCount} null(s); a matrix has a number in every cell`);
    let i = 0;
    for (const chunk of vector.data) {
      const values = chunk.values as ArrayLike<number | bigint>;
      const half = DataType.isFloat(field.type) && field.type.precision === 0;
      for (let r = 0; r < chunk.length; r++, i++) data[i * cols + j] = half ? (vector.get(i) as number) : Number(values[r]);
    }
  });
  return { rows, cols, data };
}

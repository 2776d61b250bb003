import { defineJob } from 'quiver-engine';

/**
 * Sums v1 and v3 and says so (`columns`), so a reader fetches only those two columns: the read path of
 * a job that names what it needs, for bench/mmap-vs-pread.mjs (bench/jobs/scan.ts decodes every column).
 */
export default defineJob({
  name: 'scan-columns',
  columns: ['v1', 'v3'],
  identity: () => ({ rows: 0, v1: 0, v3: 0 }),
  fold(acc: { rows: number; v1: number; v3: number }, batch, ctx) {
    const v1 = ctx.column(batch, 'v1');
    const v3 = ctx.column(batch, 'v3');
    for (let i = 0; i < batch.numRows; i++) {
      acc.v1 += Number(v1[i]);
      acc.v3 += Number(v3[i]);
    }
    acc.rows += batch.numRows;
    return acc;
  },
  merge: (a, b) => ({ rows: a.rows + b.rows, v1: a.v1 + b.v1, v3: a.v3 + b.v3 }),
});

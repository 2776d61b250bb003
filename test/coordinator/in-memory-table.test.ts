import path from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { groupbyBatches } from '../../dist/src/datasets/groupby.js';
import { textChunks } from '../../dist/src/datasets/text.js';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { enginesFor, writeGroupby } from '../helpers/data.js';
import { expectRowsClose } from '../helpers/compare.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const engines = enginesFor([1, 3]);

/** The same jobs over the same rows, once from a file and once from memory. */
const JOBS: Array<{ job: string; params: Record<string, unknown> }> = [
  { job: 'groupby', params: { by: 'id1,id2', agg: 'sum:v1,mean:v3,count' } },
  { job: 'groupby', params: { by: 'id6', agg: 'sum:v1,sum:v2,sum:v3' } },
  { job: 'histogram', params: { column: 'v3', bins: 10 } },
  { job: 'linear-regression', params: { x: 'v2', y: 'v3' } },
];

describe('in-memory input: run(job, { table })', () => {
  it('gives the answers of the same rows read from a file', async () => {
    const file = await writeGroupby(dir, 'g.arrow', 4000, 41, 1000);
    const table = new Table([...groupbyBatches(4000, 41, 1000)]);
    for (const { job, params } of JOBS) {
      const fromFile = await engines.get(3)!.run(job, { input: file, params });
      for (const [workers, batchRows] of [
        [1, 1000],
        [3, 333],
        [3, 4000],
      ] as const) {
        const fromMemory = await engines.get(workers)!.run(job, { table, params, batchRows });
        // Sums of floats may differ in the last bits: the rows are added in another order.
        expectRowsClose(rowsOf(fromMemory.table), rowsOf(fromFile.table));
        expect(fromMemory.report.input.rows).toBe(4000);
      }
    }
  });

  it('counts words of a table with a line column, through the one-shot run()', async () => {
    const text = [...textChunks(30_000, 9)].join('');
    const lines = text.split('\n');
    const table = new Table({ line: vectorFromArray(lines, new Utf8()) });
    const { table: out, report } = await run('wordcount', { table, workers: 2, batchRows: 100 });
    const expected = [...referenceWordCount(text)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, count]) => ({ word, count }));
    expect(rowsOf(out)).toEqual(expected);
    expect(report.input.splits).toBeGreaterThan(2);
    expect(report.workers).toBe(2);
  });

  it('gives an empty result for a table with no rows', async () => {
    const table = new Table({ line: vectorFromArray([] as string[], new Utf8()) });
    const { table: out } = await engines.get(3)!.run('wordcount', { table });
    expect(out.numRows).toBe(0);
  });

  it('refuses both a table and an input', async () => {
    const table = new Table({ line: vectorFromArray(['a'], new Utf8()) });
    await expect(engines.get(1)!.run('wordcount', { table, input: path.join(dir, 'g.arrow') })).rejects.toThrow(
      /either `input` or `table`/,
    );
  });
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Schema, Field, Utf8, Int32, Float64 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../helpers/reference.js';
import { expectRowsClose } from '../helpers/compare.js';
import { compareTuples, enginesFor, readColumns, writeEmptyArrow, writeGroupby, type GroupbyColumns } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

type KeyName = 'id1' | 'id2' | 'id3' | 'id4' | 'id5' | 'id6';
type ValueName = 'v1' | 'v2' | 'v3';

/** db-benchmark group-by questions 1–5, plus count/min/max. */
const QUESTIONS: Array<{ name: string; by: KeyName[]; agg: string[] }> = [
  { name: 'q1 sum v1 by id1', by: ['id1'], agg: ['sum:v1'] },
  { name: 'q2 sum v1 by id1, id2', by: ['id1', 'id2'], agg: ['sum:v1'] },
  { name: 'q3 sum v1, mean v3 by id3', by: ['id3'], agg: ['sum:v1', 'mean:v3'] },
  { name: 'q4 mean v1, v2, v3 by id4', by: ['id4'], agg: ['mean:v1', 'mean:v2', 'mean:v3'] },
  { name: 'q5 sum v1, v2, v3 by id6', by: ['id6'], agg: ['sum:v1', 'sum:v2', 'sum:v3'] },
  { name: 'count, min v2, max v3 by id5', by: ['id5'], agg: ['count', 'min:v2', 'max:v3'] },
];

/** The group-by computed with plain loops over the columns, sorted by key. */
function referenceGroupby(c: GroupbyColumns, by: KeyName[], agg: string[]): Array<Record<string, unknown>> {
  const groups = new Map<string, { key: Array<string | number>; rows: number[] }>();
  for (let i = 0; i < c.rows; i++) {
    const key = by.map((k) => c[k][i]!);
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, rows: [] }));
    g.rows.push(i);
  }
  const sorted = [...groups.values()].sort((a, b) => compareTuples(a.key, b.key));
  return sorted.map(({ key, rows }) => {
    const row: Record<string, unknown> = {};
    by.forEach((k, j) => (row[k] = key[j]));
    for (const spec of agg) {
      const [op, col] = spec.split(':') as [string, ValueName];
      const values = rows.map((i) => c[col]?.[i] ?? 0);
      let v = 0;
      if (op === 'count') v = rows.length;
      else if (op === 'sum') for (const x of values) v += x;
      else if (op === 'mean') v = values.reduce((s, x) => s + x, 0) / values.length;
      else if (op === 'min') v = Math.min(...values);
      else if (op === 'max') v = Math.max(...values);
      row[op === 'count' ? 'count' : `${op}_${col}`] = v;
    }
    return row;
  });
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const files: Record<string, string> = {};
let big: GroupbyColumns;
let tiny: GroupbyColumns;
let several: GroupbyColumns;

describe('groupby', () => {
  it('writes the test data', async () => {
    files.big = await writeGroupby(dir, 'g5000.arrow', 5000, 11, 1000);
    files.tiny = await writeGroupby(dir, 'g60.arrow', 60, 12, 7);
    mkdirSync(path.join(dir, 'parts'));
    const parts = [await writeGroupby(dir, 'parts/a.arrow', 900, 13, 300), await writeGroupby(dir, 'parts/b.arrow', 1100, 14, 1100), await writeGroupby(dir, 'parts/c.arrow', 10, 15, 3)];
    big = readColumns(files.big);
    tiny = readColumns(files.tiny);
    several = readColumns(...parts);
    expect(big.rows).toBe(5000);
  });

  // Split sizes: one row per split, batches cut and packed, about four splits, and one split for the whole file.
  const layouts = [
    { label: '1-row splits of a 60-row file', input: () => files.tiny!, data: () => tiny, options: { batchRows: 1 } },
    { label: '700-row splits (1000-row batches cut and packed)', input: () => files.big!, data: () => big, options: { batchRows: 700 } },
    { label: '48KB splits', input: () => files.big!, data: () => big, options: { splitSize: '48KB' } },
    { label: 'one split bigger than the input', input: () => files.big!, data: () => big, options: { splitSize: '10MB' } },
  ];

  for (const q of QUESTIONS) {
    for (const workers of [1, 2, 3]) {
      for (const layout of layouts) {
        it(`${q.name}: ${workers} worker(s), ${layout.label}`, async () => {
          const { table } = await engines.get(workers)!.run('groupby', { input: layout.input(), params: { by: q.by, agg: q.agg }, ...layout.options });
          expectRowsClose(rowsOf(table), referenceGroupby(layout.data(), q.by, q.agg));
        });
      }
    }
  }

  for (const q of QUESTIONS.slice(0, 3)) {
    it(`${q.name} over a directory and over a glob of several files`, async () => {
      const expected = referenceGroupby(several, q.by, q.agg);
      const params = { by: q.by.join(','), agg: q.agg.join(',') };
      const fromDir = await engines.get(3)!.run('groupby', { input: path.join(dir, 'parts'), params, batchRows: 250 });
      expectRowsClose(rowsOf(fromDir.table), expected);
      const fromGlob = await engines.get(2)!.run('groupby', { input: path.join(dir, 'parts', '*.arrow'), params });
      expectRowsClose(rowsOf(fromGlob.table), expected);
      expect(fromGlob.report.input.files).toBe(3);
    });
  }

  it('gives an empty result for an Arrow file with a schema and no record batches', async () => {
    const schema = new Schema([new Field('id1', new Utf8()), new Field('v1', new Int32()), new Field('v3', new Float64())]);
    const empty = await writeEmptyArrow(dir, 'empty.arrow', schema);
    for (const workers of [1, 3]) {
      const { table, report } = await engines.get(workers)!.run('groupby', { input: empty, params: { by: 'id1', agg: 'sum:v1,mean:v3' } });
      expect(table.numRows).toBe(0);
      expect(table.schema.fields.map((f) => f.name)).toEqual(['id1', 'sum_v1', 'mean_v3']);
      expect(report.input.rows).toBe(0);
    }
  });
});

import path from 'node:path';
import { type RecordBatch, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import type { ParquetSplit } from '../../dist/src/planner/split.js';
import { duckRows } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

// A projection of a Parquet file's columns in another order than the file's: the batches quiver's
// reader gives must have one child per schema field, of that field's type, holding DuckDB's values.
// Another session saw a batch whose columns did not match its schema after Arrow JS's
// `RecordBatch.select` on such batches; quiver's code never calls it (read-arrow-file.ts builds its
// selection by hand, jobs/sort/partition.ts from vectors), and the last test pins down why.
const dir = tempDir();
const file = path.join(dir, 'duck.parquet');
const FILE_ORDER = ['id', 'g', 'v', 'd', 'b', 'big'];
const PROJECTIONS = [['v', 'id', 'd'], ['big', 'g'], ['b', 'v', 'g', 'id'], ['d']];

async function writeDuckFile(): Promise<ParquetSplit> {
  // Nulls in every column, two row groups.
  await duckRows(`COPY (SELECT i::BIGINT AS id, CASE WHEN i % 3 = 0 THEN NULL ELSE 'g' || (i % 5) END AS g,
    CASE WHEN i % 4 = 1 THEN NULL ELSE i / 8 END::DOUBLE AS v,
    CASE WHEN i % 6 = 2 THEN NULL ELSE DATE '2020-01-01' + i::INT END AS d,
    CASE WHEN i % 5 = 3 THEN NULL ELSE i % 2 = 0 END AS b,
    CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000000000 END::BIGINT AS big
    FROM range(50) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 20)`);
  const plan = await makePlan({ inputs: [file], workers: 1, splitBytes: 1 << 30 });
  return plan.splits[0] as ParquetSplit;
}

/** A cell as DuckDB's JSON rows give it below: 64-bit integers as text (dates are ms since the epoch in Arrow JS). */
const cell = (v: unknown): unknown => (typeof v === 'bigint' ? String(v) : (v ?? null));

/** Each child of a batch is its schema field's type and length. */
function expectConsistent(b: RecordBatch) {
  expect(b.data.children.length).toBe(b.schema.fields.length);
  b.schema.fields.forEach((f, i) => {
    expect(String(b.data.children[i]!.type), f.name).toBe(String(f.type));
    expect(b.data.children[i]!.length).toBe(b.numRows);
  });
}

describe('Parquet projections in another order than the file (DuckDB-written, nulls in every column)', () => {
  it("gives batches whose children match their schema, in the file's order, with DuckDB's values", async () => {
    const split = await writeDuckFile();
    for (const columns of PROJECTIONS) {
      const batches = await readParquetSplit(split, 7, columns);
      const inFileOrder = FILE_ORDER.filter((c) => columns.includes(c));
      for (const b of batches) {
        expectConsistent(b);
        expect(b.schema.fields.map((f) => f.name)).toEqual(inFileOrder);
      }
      const t = new Table(batches);
      const got = Array.from({ length: t.numRows }, (_, i) => Object.fromEntries(inFileOrder.map((c) => [c, cell(t.getChild(c)!.get(i))])));
      const sql = inFileOrder.map((c) =>
        c === 'id' || c === 'big' ? `${c}::VARCHAR AS ${c}` : c === 'd' ? `((d - DATE '1970-01-01') * 86400000)::DOUBLE AS d` : c,
      );
      expect(got, columns.join(',')).toEqual(await duckRows(`SELECT ${sql.join(', ')} FROM (SELECT *, id AS k FROM '${file}') ORDER BY k`));
    }
  });

  it("a further selection by index keeps fields and children paired; Arrow JS 21's RecordBatch.select does not", async () => {
    const split = await writeDuckFile();
    const [batch] = await readParquetSplit(split, 1000, ['b', 'v', 'g', 'id']); // id, g, v, b
    // selectAt (what Table.select uses, as read-split.ts does for an in-memory table) pairs them.
    const picked = batch!.selectAt([3, 1]);
    expectConsistent(picked);
    expect(picked.schema.fields.map((f) => f.name)).toEqual(['b', 'g']);
    // RecordBatch.select puts each child at its index in the whole batch: 4 children under 2 fields,
    // the first two not the selected ones. quiver must not call it (grep src/ jobs/: it does not).
    const broken = batch!.select(['b', 'v']);
    expect(broken.schema.fields.map((f) => f.name)).toEqual(['v', 'b']);
    expect(broken.data.children.length).not.toBe(broken.schema.fields.length);
  });
});

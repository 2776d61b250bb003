import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Dictionary,
  Int32,
  Int64,
  Utf8,
  makeData,
  makeVector,
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
  type RecordBatch,
  Table,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { MIN_ROWS } from '../../dist/src/coordinator/lines-in-workers.js';
import { batchesOfShared, shareBatches } from '../../dist/src/io/shared-batches.js';
import { writeTableFile } from '../../dist/src/io/sinks.js';
import { tableToCsvLines, tableToNdjsonLines } from '../../dist/src/io/text-formats.js';
import { enginesFor } from '../helpers/data.js';
import { duckRows } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

// Large CSV and NDJSON outputs are formatted by the workers, a piece of rows each, and written in
// order by the coordinator (coordinator/lines-in-workers.ts). The bytes must be the ones the
// coordinator's own line writer makes of the same table, whether the table's buffers were in shared
// memory already (the group-by's key ranges) or had to be copied there (a keyed job's result).

const dir = tempDir();
const engines = enginesFor([2]);
const text = (...parts: Array<string | Buffer>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/** The file `table` makes in `format` when the coordinator formats it alone. */
async function alone(table: Table, format: 'csv' | 'ndjson'): Promise<Buffer> {
  const file = path.join(dir, `alone.${format}`);
  await writeTableFile(table, file, format);
  return readFileSync(file);
}

describe('shared batches', () => {
  it('are the same rows in another shape of the same memory: slices, nulls, dictionaries, 64-bit integers, text', () => {
    const n = 1000;
    const dict = makeVector(
      makeData({
        type: new Dictionary(new Utf8(), new Int32()),
        length: n,
        data: Int32Array.from({ length: n }, (_, i) => i % 3),
        dictionary: vectorFromArray(['a', 'b,"c"', 'é\nf'], new Utf8()),
      }),
    );
    const table = new Table({
      s: vectorFromArray(
        Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `v${i}`)),
        new Utf8(),
      ) as never,
      big: makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n)) as never,
      d: dict as never,
      x: makeVector(Float64Array.from({ length: n }, (_, i) => i / 3)) as never,
    });
    const batches: RecordBatch[] = table.batches.flatMap((b) => [b.slice(0, 333), b.slice(333, 334), b.slice(334)]);
    const back = batchesOfShared(shareBatches(table.schema, batches));
    expect(back.map((b) => b.numRows)).toEqual([333, 1, 666]);
    expect(new Table(back).toArray().map((r) => JSON.stringify(r.toJSON(), (_, v) => (typeof v === 'bigint' ? `${v}n` : v)))).toEqual(
      table.toArray().map((r) => JSON.stringify(r.toJSON(), (_, v) => (typeof v === 'bigint' ? `${v}n` : v))),
    );
    expect(back[0]!.getChild('big')!.data[0]!.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new Int64().typeId).toBe(back[0]!.getChild('big')!.type.typeId);
  });
});

describe('large text outputs formatted by the workers', () => {
  it(`write the group-by's key ranges (in shared memory) as the coordinator would, CSV and NDJSON`, async () => {
    const input = path.join(dir, 'many.parquet');
    const rows = MIN_ROWS * 2 + 1000; // past 2^18 groups: finished in key ranges
    // Text with commas, quotes, newlines, multi-byte characters and nulls; integers; doubles with nulls.
    await duckRows(
      `COPY (SELECT CASE WHEN i % 97 = 0 THEN NULL WHEN i % 5 = 0 THEN 'a,"' || i || '"' WHEN i % 5 = 1 THEN 'é' || i || E'\\n中' ` +
        `ELSE 'k' || i END AS s, i AS k, CASE WHEN i % 11 = 0 THEN NULL ELSE i / 8 END AS v FROM range(${rows}) t(i)) ` +
        `TO '${input}' (FORMAT parquet, ROW_GROUP_SIZE 50000)`,
    );
    for (const format of ['csv', 'ndjson'] as const) {
      const output = path.join(dir, `groups.${format}`);
      const { table, report } = await engines.get(2)!.run('groupby', { input, output, params: { by: 's,k', agg: 'sum:v,count' } });
      expect(report.steps?.map((s) => s.job)).toEqual(['groupby-groups', 'groupby-finish']);
      expect(table.numRows).toBe(rows);
      expect(table.batches[0]!.getChild('k')!.data[0]!.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      const written = readFileSync(output);
      expect(written.equals(await alone(table, format))).toBe(true);
      const stream = format === 'csv' ? tableToCsvLines(table) : tableToNdjsonLines(table);
      expect(written.equals(text(...stream))).toBe(true);
    }
    const [check] = await duckRows(
      `SELECT count(*)::INTEGER AS n, sum(k)::BIGINT AS k FROM read_csv('${path.join(dir, 'groups.csv')}', header = true)`,
    );
    expect([check!.n, BigInt(check!.k as bigint)]).toEqual([rows, (BigInt(rows) * BigInt(rows - 1)) / 2n]);
  }, 120_000);

  it(`write a keyed job's result (copied into shared memory) as the coordinator would`, async () => {
    const input = path.join(dir, 'words.arrow');
    const n = MIN_ROWS + 12_345;
    const ids = Int32Array.from({ length: n * 2 }, (_, i) => i % n);
    writeFileSync(input, tableToIPC(tableFromArrays({ id: ids, v: Float64Array.from(ids, (x) => x / 4) }), 'file'));
    for (const format of ['csv', 'ndjson'] as const) {
      const output = path.join(dir, `sums.${format}`);
      const { table } = await engines.get(2)!.run(path.join(ROOT, 'test/fixtures/jobs/sum-by-id.ts'), { input, output });
      expect(table.numRows).toBe(n);
      expect(readFileSync(output).equals(await alone(table, format))).toBe(true);
    }
  }, 120_000);

  it('write pieces that outgrow the shared buffers lent to them (later rows longer) as the coordinator would', async () => {
    const input = path.join(dir, 'growing.txt');
    const n = MIN_ROWS + 20_000;
    // Keys sort by length ('x:…' before 'xx:…'), so the output's later pieces are ever longer, and
    // past MIN_ROWS they grow fast: the last piece is more than the 1.25× of the largest before it that
    // its buffer has room for, so it spills into one of its own.
    const width = (i: number) => (i < MIN_ROWS ? 1 + Math.floor(i / 1500) : 88 + Math.floor((i - MIN_ROWS) / 50));
    writeFileSync(input, Array.from({ length: n }, (_, i) => `${'x'.repeat(width(i))}:${i}\n`).join(''));
    const output = path.join(dir, 'growing.csv');
    const { table } = await engines
      .get(2)!
      .run(path.join(ROOT, 'test/fixtures/jobs/count-strings.ts'), { input, output, params: { column: 'line' } });
    expect(table.numRows).toBe(n);
    expect(readFileSync(output).equals(await alone(table, 'csv'))).toBe(true);
  }, 120_000);
});

import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { pairsToTable, valueToTable } from '../../dist/src/coordinator/output.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { duck, writeDuckFiles } from './real-files.js';

// What `finish` and `reduce` return becomes columns whose types follow the values: bigint → Int64
// (Decimal128(38, 0) past 64 bits), Date → Timestamp[ms], arrays → List, objects → Struct.
const typesOf = (t: { schema: { fields: Array<{ name: string; type: unknown }> } }) =>
  t.schema.fields.map((f) => `${f.name}:${String(f.type)}`);

describe('a fold result of JS values becomes typed columns', () => {
  it('bigints: Int64, Decimal128(38, 0) past 64 bits, text past 38 digits; integers among bigints join them', () => {
    const t = valueToTable({ a: 2n ** 62n, b: -(2n ** 64n), c: 10n ** 40n });
    expect(typesOf(t)).toEqual(['a:Int64', 'b:Decimal[38e0]', 'c:Utf8']);
    expect(t.toArray()[0].c).toBe(String(10n ** 40n));
    const rows = valueToTable([{ n: 1 }, { n: 2n ** 60n }, { n: null }]);
    expect(typesOf(rows)).toEqual(['n:Int64']);
    expect(rows.toArray().map((r) => r.n)).toEqual([1n, 2n ** 60n, null]);
    expect(typesOf(valueToTable([{ n: 1.5 }, { n: 2n }]))).toEqual(['n:Float64']);
  });
  it('Dates: Timestamp in milliseconds; an invalid Date is a null', () => {
    const t = valueToTable([{ d: new Date(-1) }, { d: new Date(NaN) }, { d: null }]);
    expect(typesOf(t)).toEqual(['d:Timestamp<MILLISECOND>']);
    expect(t.toArray().map((r) => r.d)).toEqual([-1, null, null]);
  });
  it('arrays and objects, nested: List and Struct; a bare bigint is a one-row Int64 value', () => {
    const t = valueToTable({ tags: ['a', null], at: { day: new Date(0), n: 3n, pts: [1.5, 2] } });
    expect(typesOf(t)).toEqual(['tags:List<Utf8>', 'at:Struct<{day:Timestamp<MILLISECOND>, n:Int64, pts:List<Float64>}>']);
    const row = t.toArray()[0];
    expect([[...row.tags], row.at.day, row.at.n, [...row.at.pts]]).toEqual([['a', null], 0, 3n, [1.5, 2]]);
    expect(typesOf(valueToTable(5n))).toEqual(['value:Int64']);
  });
});

describe('keyed results', () => {
  const job = { kind: 'keyed', name: 't', map() {}, combine: (a: unknown) => a, output: { key: ['a', 'b'] } } as never;
  it('bigint keys are an Int64 column; composite key parts beyond 2^53 are Int64, not rounded', () => {
    expect(typesOf(pairsToTable({ ...(job as object), output: undefined } as never, {}, [2n ** 60n, -1n], [1, 2]))).toEqual([
      'key:Int64',
      'value:Int32',
    ]);
    const t = pairsToTable(job, {}, [`9007199254740993\u001fx`, `-5\u001fy`], [1, 2]);
    expect(typesOf(t)).toEqual(['a:Int64', 'b:Utf8', 'value:Int32']);
    expect(t.toArray().map((r) => r.a)).toEqual([9007199254740993n, -5n]);
  });
});

describe('bigint and Date results written to Parquet read back by DuckDB with their types', () => {
  const dir = tempDir('quiver-results-');
  let parquet: string;
  beforeAll(async () => {
    parquet = (await writeDuckFiles(dir)).parquet;
  }, 60_000);

  it('an exact UBIGINT sum past 2^64 is DECIMAL(38,0), equal to the sum DuckDB makes', async () => {
    const output = path.join(dir, 'sum.parquet');
    await run(path.join(ROOT, 'test/fixtures/jobs/exact-sum.ts'), {
      input: parquet,
      workers: 2,
      splitSize: '16KB',
      params: { column: 'u' },
      output,
    });
    const [want] = await duck(
      `SELECT count(u) AS n, sum(u)::VARCHAR AS sum, min(u)::VARCHAR AS min, max(u)::VARCHAR AS max FROM '${parquet}'`,
    );
    const [got] = await duck(`SELECT n, sum::VARCHAR AS sum, min::VARCHAR AS min, max::VARCHAR AS max, typeof(sum) AS t FROM '${output}'`);
    expect({ ...got, n: Number(got!.n) }).toEqual({ ...want, n: Number(want!.n), t: 'DECIMAL(38,0)' });
  });

  it('a Date result is a TIMESTAMP', async () => {
    const output = path.join(dir, 'range.parquet');
    await run(path.join(ROOT, 'test/fixtures/jobs/date-range.ts'), {
      input: parquet,
      workers: 2,
      splitSize: '16KB',
      params: { column: 'd' },
      output,
    });
    const [want] = await duck(`SELECT min(d)::TIMESTAMP AS first, max(d)::TIMESTAMP AS last FROM '${parquet}'`);
    const [got] = await duck(`SELECT first, last, typeof(first) AS t FROM '${output}'`);
    expect(got).toEqual({ ...want, t: got!.t });
    expect(String(got!.t)).toMatch(/^TIMESTAMP/);
  });
});

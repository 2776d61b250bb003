import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from 'quiver-engine';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { DUCK_ROWS, duck, writeDuckFiles, writePolarsFiles } from './real-files.js';

// Each type family read through its ctx call by a small fixture job, on files DuckDB and Polars wrote,
// with nulls in every column; DuckDB's SQL on the same file is the answer.
const job = (name: string) => path.join(ROOT, 'test/fixtures/jobs', `${name}.ts`);
const dir = tempDir('quiver-types-');
let files: { parquet: string; csv: string; ipc: string; polarsParquet: string };
const engine = new Engine({ workers: 2 });

beforeAll(async () => {
  files = { ...(await writeDuckFiles(dir)), ...writePolarsFiles(dir) };
}, 60_000);

/** What DuckDB reads as the oracle for a file: the Parquet copy Polars wrote beside its IPC file; for the CSV, the rows as they were written (DuckDB reads a CSV's "" back as null). */
const oracleOf = (file: keyof typeof files) =>
  file === 'ipc' || file === 'polarsParquet' ? `'${files.polarsParquet}'` : file === 'csv' ? `(${DUCK_ROWS})` : `'${files[file]}'`;

// Only the column a case reads: quiver's Parquet reader cannot yet decode every column Polars writes
// (its list and struct columns fail today: the Parquet reader's part of issue 22).
const fold = async (name: string, input: string, params: Record<string, unknown>) =>
  (await engine.run(job(name), { input, splitSize: '16KB', params, columns: [params.column as string] })).value;

describe('exact 64-bit integers (ctx.bigints), bigint results', () => {
  const cases = [
    ['DuckDB Parquet BIGINT beyond 2^53', 'parquet', 'big'],
    ['DuckDB Parquet UBIGINT beyond 2^63', 'parquet', 'u'],
    ['Polars IPC Int64 beyond 2^53', 'ipc', 'n'],
    ['Polars IPC UInt64 beyond 2^63', 'ipc', 'u'],
    ['Polars Parquet Int64 beyond 2^53', 'polarsParquet', 'n'],
  ] as const;
  for (const [what, file, column] of cases) {
    it(`${what}: count, sum, min, max equal DuckDB's`, async () => {
      const oracle = oracleOf(file);
      const [want] = await duck(
        `SELECT count(${column}) AS n, sum(${column})::VARCHAR AS sum, min(${column})::VARCHAR AS min, max(${column})::VARCHAR AS max FROM ${oracle}`,
      );
      const got = (await fold('exact-sum', files[file], { column })) as { n: number; sum: bigint; min: bigint; max: bigint };
      expect({ n: got.n, sum: String(got.sum), min: String(got.min), max: String(got.max) }).toEqual({ ...want, n: Number(want!.n) });
    });
  }

  it('ctx.column reads Int64 within ±2^53 exactly, and names the row of a value beyond', async () => {
    const [want] = await duck(`SELECT count(small) AS n, avg(small) AS mean FROM '${files.parquet}'`);
    const got = (await fold('mean', files.parquet, { column: 'small' })) as { n: number; mean: number };
    expect(got.n).toBe(Number(want!.n));
    expect(got.mean / (want!.mean as number)).toBeCloseTo(1, 12);
    await expect(fold('mean', files.parquet, { column: 'big' })).rejects.toThrow(
      /ctx\.column\(batch, 'big'\): row \d+ of the batch holds 900\d{13}, beyond ±2\^53 .*use ctx\.bigints\(batch, 'big'\)/,
    );
  });
});

describe('dates and timestamps (ctx.dates), Date results', () => {
  const cases = [
    ['DuckDB Parquet DATE before and after 1970', 'parquet', 'd'],
    ['DuckDB Parquet TIMESTAMP with microseconds', 'parquet', 'ts'],
    ['Polars IPC Date', 'ipc', 'd'],
    ['Polars Parquet Date', 'polarsParquet', 'd'],
  ] as const;
  for (const [what, file, column] of cases) {
    it(`${what}: count, first and last equal DuckDB's`, async () => {
      const oracle = oracleOf(file);
      // DuckDB's epoch_ms of the min/max: the instant a JS Date holds (microseconds truncated toward the past).
      const [want] = await duck(
        `SELECT count(${column}) AS n, epoch_ms(min(${column})::TIMESTAMP) AS first, epoch_ms(max(${column})::TIMESTAMP) AS last FROM ${oracle}`,
      );
      const got = (await fold('date-range', files[file], { column })) as { n: number; first: Date; last: Date };
      expect({ n: got.n, first: got.first.getTime(), last: got.last.getTime() }).toEqual({
        n: Number(want!.n),
        first: Number(want!.first),
        last: Number(want!.last),
      });
    });
  }
});

describe('decimals (ctx.decimals exact, ctx.column nearest)', () => {
  for (const column of ['dec', 'dec38']) {
    it(`DuckDB Parquet ${column}: the exact sum equals DuckDB's, the double sum is close`, async () => {
      const [want] = await duck(`SELECT sum(${column})::VARCHAR AS exact, sum(${column}::DOUBLE) AS approx FROM '${files.parquet}'`);
      const got = (await fold('decimal-sum', files.parquet, { column })) as { unscaled: bigint; scale: number; approx: number };
      const digits = got.unscaled.toString().padStart(got.scale + 1, '0');
      expect(`${digits.slice(0, -got.scale)}.${digits.slice(-got.scale)}`).toBe(want!.exact);
      expect(got.approx / (want!.approx as number)).toBeCloseTo(1, 12);
    });
  }
});

describe('text of every layout (ctx.strings, ctx.valid)', () => {
  const cases = [
    ['DuckDB Parquet VARCHAR', 'parquet', 's'],
    ['DuckDB CSV VARCHAR', 'csv', 's'],
    ['Polars IPC Utf8View', 'ipc', 's'],
    ['Polars IPC Categorical (dictionary of Utf8View)', 'ipc', 'cat'],
    ['Polars Parquet String', 'polarsParquet', 's'],
  ] as const;
  for (const [what, file, column] of cases) {
    it(`${what}: rows per value, null apart from '', equal DuckDB's GROUP BY`, async () => {
      const oracle = oracleOf(file);
      // The Categorical column holds the values of `s` (the oracle's copy has no Categorical).
      const want = await duck(
        `SELECT ${column === 'cat' ? 's' : column}::VARCHAR AS value, count(*)::INTEGER AS n FROM ${oracle} GROUP BY 1 ORDER BY 1 NULLS LAST`,
      );
      const { table } = await engine.run(job('count-strings'), {
        input: files[file],
        splitSize: '16KB',
        params: { column },
        columns: [column],
      });
      const got = table.toArray().map((r) => ({ value: r.value, n: r.n }));
      // The CSV holds "" for '' and nothing for null, and quiver reads them apart.
      expect(got.sort((a, b) => (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1))).toEqual(want);
    });
  }
});

describe('exact keys (bigint keys give an Int64 key column)', () => {
  it('DuckDB Parquet BIGINT beyond 2^53: rows per thousand equal DuckDB', async () => {
    const want = await duck(
      `SELECT k::VARCHAR AS k, n FROM (SELECT big - big % 1000 AS k, count(*)::INTEGER AS n FROM '${files.parquet}' WHERE big IS NOT NULL GROUP BY 1) ORDER BY k`,
    );
    const { table } = await engine.run(job('count-bigints'), { input: files.parquet, splitSize: '16KB', params: { column: 'big' } });
    expect(String(table.schema.fields[0]!.type)).toBe('Int64');
    expect(table.toArray().map((r) => ({ k: String(r.k), n: r.n }))).toEqual(want);
  });
});

describe('nested values (ctx.values), array and object results', () => {
  const cases = [
    ['DuckDB Parquet BIGINT[] and STRUCT', 'parquet'],
    ['Polars IPC List(Float64) and Struct', 'ipc'],
  ] as const;
  for (const [what, file] of cases)
    it(`${what}: per struct x, rows, non-null list items and distinct ys equal DuckDB`, async () => {
      const want =
        await duck(`SELECT st.x AS x, count(*)::INTEGER AS rows, coalesce(sum(len(list_filter(l, e -> e IS NOT NULL))), 0)::INTEGER AS items,
      list_sort(list_distinct(list(st.y))) AS ys FROM ${oracleOf(file)} WHERE st.x IS NOT NULL GROUP BY 1 ORDER BY 1`);
      const { table } = await engine.run(job('nested-values'), { input: files[file], splitSize: '16KB' });
      expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        'x:Int64',
        'rows:Int32',
        'items:Int32',
        'ys:List<Utf8>',
        'detail:Struct<{first:Utf8, kinds:Int32}>',
      ]);
      const got = table
        .toArray()
        .map((r) => ({ x: r.x, rows: r.rows, items: r.items, ys: [...r.ys], first: r.detail.first, kinds: r.detail.kinds }));
      expect(got).toEqual(
        want.map((w) => ({
          x: w.x,
          rows: w.rows,
          items: w.items,
          ys: w.ys,
          first: (w.ys as string[])[0] ?? null,
          kinds: (w.ys as string[]).length,
        })),
      );
    });
});

describe('a call on a column of another type names the column, its type and the calls that fit', () => {
  const cases = [
    [
      'strings',
      'v',
      /ctx\.strings\(batch, 'v'\): column "v" has type Int64, not strings; for Int64 use ctx\.bigints \(exact\), ctx\.column/,
    ],
    ['column', 's', /ctx\.column\(batch, 's'\): column "s" has type Utf8, not numbers; for Utf8 use ctx\.strings/],
    ['column', 'l', /column "l" has type List<Int64>, not numbers; for List<Int64> use ctx\.values/],
    [
      'dates',
      'dec',
      /ctx\.dates\(batch, 'dec'\): column "dec" has type Decimal\[15e\+?2\], not dates or timestamps; for Decimal\[15e\+?2\] use ctx\.decimals/,
    ],
    ['bigints', 'b', /column "b" has type Bool, not integers; for Bool use ctx\.booleans/],
  ] as const;
  for (const [call, column, message] of cases) {
    it(`ctx.${call} on "${column}"`, async () => {
      await expect(fold('misread', files.parquet, { column, call })).rejects.toThrow(message);
    });
  }
});

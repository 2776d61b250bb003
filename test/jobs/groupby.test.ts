import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Schema, Field, Utf8, Int32, Int64, Float64, Dictionary, Table, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../helpers/reference.js';
import { expectRowsClose } from '../helpers/compare.js';
import { compareTuples, enginesFor, readColumns, writeEmptyArrow, writeGroupby, type GroupbyColumns } from '../helpers/data.js';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { CLI, tempDir } from '../helpers/tmp.js';

type KeyName = 'id1' | 'id2' | 'id3' | 'id4' | 'id5' | 'id6';
type ValueName = 'v1' | 'v2' | 'v3';

/**
 * The ten db-benchmark group-by questions, plus count/min/max, and q6/q9's aggregates over coarser keys
 * (on a 5000-row table q6's and q9's 10,000 groups hold 0–3 rows each; by id4 or id1 they hold ~50).
 */
const QUESTIONS: Array<{ name: string; by: KeyName[]; agg: string[] }> = [
  { name: 'q1 sum v1 by id1', by: ['id1'], agg: ['sum:v1'] },
  { name: 'q2 sum v1 by id1, id2', by: ['id1', 'id2'], agg: ['sum:v1'] },
  { name: 'q3 sum v1, mean v3 by id3', by: ['id3'], agg: ['sum:v1', 'mean:v3'] },
  { name: 'q4 mean v1, v2, v3 by id4', by: ['id4'], agg: ['mean:v1', 'mean:v2', 'mean:v3'] },
  { name: 'q5 sum v1, v2, v3 by id6', by: ['id6'], agg: ['sum:v1', 'sum:v2', 'sum:v3'] },
  { name: 'q6 median v3, sd v3 by id4, id5', by: ['id4', 'id5'], agg: ['median:v3', 'sd:v3'] },
  { name: 'q7 max v1 - min v2 by id3', by: ['id3'], agg: ['range:v1:v2'] },
  { name: 'q8 largest two v3 by id6', by: ['id6'], agg: ['top:2:v3'] },
  { name: 'q9 r2 of v1, v2 by id2, id4', by: ['id2', 'id4'], agg: ['r2:v1:v2'] },
  { name: 'q10 sum v3, count by id1..id6', by: ['id1', 'id2', 'id3', 'id4', 'id5', 'id6'], agg: ['sum:v3', 'count'] },
  { name: 'count, min v2, max v3 by id5', by: ['id5'], agg: ['count', 'min:v2', 'max:v3'] },
  { name: 'median v1, v3, sd v1, v3, range v3 by id4', by: ['id4'], agg: ['median:v1', 'median:v3', 'sd:v1', 'sd:v3', 'range:v3'] },
  { name: 'r2 of v1, v2 and of v3, v2, top 3 v2 by id1', by: ['id1'], agg: ['r2:v1:v2', 'r2:v3:v2', 'top:3:v2'] },
];

/** The exact median by sorting; null for no values. */
function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Sample standard deviation, two passes; null below two values. */
function sdOf(values: number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  return Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1));
}

/** Squared Pearson correlation, two passes; null below two values or for a constant column. */
function r2Of(xs: number[], ys: number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0,
    syy = 0,
    sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  return sxx === 0 || syy === 0 ? null : (sxy * sxy) / (sxx * syy);
}

/** One aggregate of a group's rows, as output columns. */
function referenceAggregate(c: GroupbyColumns, rows: number[], spec: string): Record<string, number | null> {
  const [op, ...args] = spec.split(':') as [string, ...ValueName[]];
  const values = (col: ValueName) => rows.map((i) => c[col][i]!);
  const [a, b] = args;
  switch (op) {
    case 'count':
      return { count: rows.length };
    case 'sum':
      return { [`sum_${a}`]: values(a!).reduce((s, x) => s + x, 0) };
    case 'mean':
      return { [`mean_${a}`]: values(a!).reduce((s, x) => s + x, 0) / rows.length };
    case 'min':
      return { [`min_${a}`]: Math.min(...values(a!)) };
    case 'max':
      return { [`max_${a}`]: Math.max(...values(a!)) };
    case 'median':
      return { [`median_${a}`]: medianOf(values(a!)) };
    case 'sd':
      return { [`sd_${a}`]: sdOf(values(a!)) };
    case 'range':
      return { [`range_${args.join('_')}`]: Math.max(...values(a!)) - Math.min(...values(b ?? a!)) };
    case 'r2':
      return { [`r2_${a}_${b}`]: r2Of(values(a!), values(b!)) };
    case 'top': {
      const n = Number(a);
      const sorted = values(b!).sort((x, y) => y - x);
      return Object.fromEntries(Array.from({ length: n }, (_, k) => [`top${k + 1}_${b}`, sorted[k] ?? null]));
    }
  }
  throw new Error(`reference: no aggregate ${spec}`);
}

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
    by.forEach((k, j) => {
      row[k] = key[j];
    });
    for (const spec of agg) Object.assign(row, referenceAggregate(c, rows, spec));
    return row;
  });
}

/**
 * The engine's rows in key-tuple order. Composite keys come out ordered by their joined key strings
 * (so id4 = 10 before id4 = 9); the reference sorts tuples, so the comparison re-sorts them.
 */
function inKeyOrder(rows: Array<Record<string, unknown>>, by: KeyName[]): Array<Record<string, unknown>> {
  if (by.length === 1) return rows;
  const key = (r: Record<string, unknown>) => by.map((k) => r[k] as string | number);
  return [...rows].sort((a, b) => compareTuples(key(a), key(b)));
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
    const parts = [
      await writeGroupby(dir, 'parts/a.arrow', 900, 13, 300),
      await writeGroupby(dir, 'parts/b.arrow', 1100, 14, 1100),
      await writeGroupby(dir, 'parts/c.arrow', 10, 15, 3),
    ];
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
          const { table } = await engines
            .get(workers)!
            .run('groupby', { input: layout.input(), params: { by: q.by, agg: q.agg }, ...layout.options });
          expectRowsClose(inKeyOrder(rowsOf(table), q.by), referenceGroupby(layout.data(), q.by, q.agg));
        });
      }
    }
  }

  for (const q of QUESTIONS.filter((q) => /^q(1|2|3|6|8) /.test(q.name))) {
    it(`${q.name} over a directory and over a glob of several files`, async () => {
      const expected = referenceGroupby(several, q.by, q.agg);
      const params = { by: q.by.join(','), agg: q.agg.join(',') };
      const fromDir = await engines.get(3)!.run('groupby', { input: path.join(dir, 'parts'), params, batchRows: 250 });
      expectRowsClose(inKeyOrder(rowsOf(fromDir.table), q.by), expected);
      const fromGlob = await engines.get(2)!.run('groupby', { input: path.join(dir, 'parts', '*.arrow'), params });
      expectRowsClose(inKeyOrder(rowsOf(fromGlob.table), q.by), expected);
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
  // Groups a: nulls in x and y; b: a NaN in x; c: x and y all null; d: one row.
  const MISSING = {
    g: ['a', 'b', 'c', 'a', 'd', 'a', 'b', 'a', 'a'],
    x: [1, NaN, null, null, 7, 3, 4, 2, 4],
    y: [5, 1, null, 6, 3, null, 2, 1, 2],
  };
  const MISSING_AGG = 'count,sum:x,mean:x,min:x,max:x,median:x,sd:x,range:x:y,r2:x:y,top:2:x';
  const MISSING_NAMES = ['count', 'sum_x', 'mean_x', 'min_x', 'max_x', 'median_x', 'sd_x', 'range_x_y', 'r2_x_y', 'top1_x', 'top2_x'];
  // Known answers. a: x = 1, 3, 2, 4; y = 5, 6, 1, 2; (x, y) both present: (1, 5), (2, 1), (4, 2).
  const MISSING_ROWS = [
    ['a', 5, 10, 2.5, 1, 4, 2.5, Math.sqrt(5 / 3), 4 - 1, 33 ** 2 / (42 * 78), 4, 3],
    ['b', 2, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
    ['c', 1, null, null, null, null, null, null, null, null, null, null],
    ['d', 1, 7, 7, 7, 7, 7, null, 7 - 3, null, 7, null],
  ].map(([g, ...values]) => ({ g, ...Object.fromEntries(MISSING_NAMES.map((n, j) => [n, values[j]])) }));

  for (const workers of [1, 2, 3]) {
    it(`skips nulls, propagates NaN and gives null for undefined aggregates: ${workers} worker(s), 1-, 2-, 4- and 9-row batches`, async () => {
      if (!files.missing) {
        const table = new Table({
          g: vectorFromArray(MISSING.g, new Utf8()),
          x: vectorFromArray(MISSING.x, new Float64()),
          y: vectorFromArray(MISSING.y, new Int32()),
        });
        writeFileSync((files.missing = path.join(dir, 'missing.arrow')), tableToIPC(table, 'file'));
      }
      for (const batchRows of [1, 2, 4, 9]) {
        const { table: out } = await engines
          .get(workers)!
          .run('groupby', { input: files.missing, params: { by: 'g', agg: MISSING_AGG }, batchRows });
        expectRowsClose(rowsOf(out), MISSING_ROWS);
      }
    });
  }

  it('rejects bad agg text with the syntax in the message', async () => {
    const bad: Array<[string, RegExp]> = [
      ['mode:v1', /unknown aggregate "mode" in "mode:v1"/],
      ['median', /median takes 1 column name/],
      ['r2:v1', /r2 takes 2 column name/],
      ['top:v3', /top needs a count of 1 to 100/],
      ['top:0:v3', /top needs a count of 1 to 100/],
      ['count:v1:v2', /count takes 0 or 1 column name/],
      ['range:v1:v2:v3', /range takes 1 or 2 column name/],
    ];
    for (const [agg, why] of bad) {
      const run = engines.get(1)!.run('groupby', { input: files.tiny!, params: { by: 'id1', agg } });
      await expect(run, agg).rejects.toThrow(why);
      await expect(run, agg).rejects.toThrow(/top:N:col/);
      await expect(run, agg).rejects.toMatchObject({ phase: 'usage' });
    }
    await expect(engines.get(1)!.run('groupby', { input: files.tiny!, params: { by: 'id1', agg: 'sd:v3,sd:v3' } })).rejects.toThrow(
      /"sd_v3" would be computed twice/,
    );
  });

  it('runs q7 and q8 from the CLI (2 workers, CSV on stdout)', () => {
    const csv = execFileSync(
      process.execPath,
      [
        CLI,
        'run',
        'groupby',
        '-i',
        files.big!,
        '-w',
        '2',
        '--split-size',
        '48KB',
        '-p',
        'by=id6',
        '-p',
        'agg=top:2:v3,range:v1:v2',
        '--format',
        'csv',
      ],
      { encoding: 'utf8' },
    );
    const [header, ...lines] = csv.trim().split('\n');
    expect(header).toBe('id6,top1_v3,top2_v3,range_v1_v2');
    const rows = lines.map((l) => {
      const [id6, top1, top2, range] = l.split(',');
      return { id6: Number(id6), top1_v3: Number(top1), top2_v3: top2 === '' ? null : Number(top2), range_v1_v2: Number(range) };
    });
    expectRowsClose(rows, referenceGroupby(big, ['id6'], ['top:2:v3', 'range:v1:v2']));
  });
});

/**
 * A small table with nulls in every key column, beside '' and 0 (the values nulls used to fall in with):
 * text s, integers n, dictionary text d, 64-bit integers w; values v.
 */
function nullKeyTable(rows: number): Table {
  const pick = <T>(values: T[], i: number, mul: number) => values[(i * mul + (i >> 2)) % values.length]!;
  const ids = Array.from({ length: rows }, (_, i) => i);
  return new Table({
    s: vectorFromArray(
      ids.map((i) => pick(['a', '', null, 'b', ''], i, 3)),
      new Utf8(),
    ),
    n: vectorFromArray(
      ids.map((i) => pick([0, null, 1, 0, 2], i, 7)),
      new Int32(),
    ),
    d: vectorFromArray(
      ids.map((i) => pick(['x', null, 'y'], i, 5)),
      new Dictionary(new Utf8(), new Int32()),
    ),
    w: vectorFromArray(
      ids.map((i) => pick([0n, 5n, null, -(2n ** 40n)], i, 11)),
      new Int64(),
    ),
    v: vectorFromArray(
      ids.map((i) => ((i * 37) % 23) - 5),
      new Float64(),
    ),
  });
}

type Cell = string | number | null;

/** count, sum and min of v per key tuple, by plain loops, keyed by the tuple's JSON (null stays apart from '' and 0). */
function referenceNullKeys(
  rows: Array<Record<string, unknown>>,
  by: string[],
): Map<string, { count: number; sum_v: number; min_v: number }> {
  const groups = new Map<string, { count: number; sum_v: number; min_v: number }>();
  for (const r of rows) {
    const id = JSON.stringify(by.map((k) => r[k] as Cell));
    const g = groups.get(id) ?? { count: 0, sum_v: 0, min_v: Infinity };
    g.count++;
    g.sum_v += r.v as number;
    g.min_v = Math.min(g.min_v, r.v as number);
    groups.set(id, g);
  }
  return groups;
}

describe('groupby null keys', () => {
  const dir = tempDir();
  const table = nullKeyTable(90);
  const rows = rowsOf(table);
  const file = path.join(dir, 'null-keys.arrow');
  const KEYS = [['s'], ['n'], ['d'], ['w'], ['s', 'n'], ['n', 'd', 's'], ['s', 'n', 'd', 'w']];
  const layouts = [
    { label: '4-row splits', batchRows: 4 },
    { label: '25-row splits', batchRows: 25 },
    { label: 'one split', batchRows: undefined },
  ];

  it('writes the test data (two record batches)', async () => {
    await writeArrowFile(
      file,
      table.batches.flatMap((b) => [b.slice(0, 40), b.slice(40)]),
    );
    expect(rows.filter((r) => r.s === null).length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.s === '').length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.n === null).length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.n === 0).length).toBeGreaterThan(0);
  });

  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`makes the nulls of each key column one group of their own, single and composite keys: ${workers} worker(s), ${layout.label}`, async () => {
        for (const by of KEYS) {
          const { table: out } = await engines
            .get(workers)!
            .run('groupby', { input: file, params: { by, agg: 'count,sum:v,min:v' }, batchRows: layout.batchRows });
          const got = rowsOf(out);
          const want = referenceNullKeys(rows, by);
          expect(got.length, by.join(',')).toBe(want.size);
          for (const r of got) {
            const key = JSON.stringify(by.map((k) => r[k] as Cell));
            expect({ key, count: r.count, sum_v: r.sum_v, min_v: r.min_v }).toEqual({ key, ...want.get(key) });
          }
          if (by.length === 1) {
            // One key column: sorted, the null group last.
            expect(got.at(-1)![by[0]!], by[0]).toBeNull();
            expect(got.slice(0, -1).every((r) => r[by[0]!] !== null)).toBe(true);
          }
          const types = Object.fromEntries(out.schema.fields.map((f) => [f.name, String(f.type)]));
          expect([types.s, types.n, types.d, types.w].filter(Boolean)).toEqual(
            ['s', 'n', 'd', 'w']
              .filter((k) => by.includes(k))
              .map((k) => (k === 's' || k === 'd' ? 'Utf8' : k === 'n' ? 'Int32' : 'Int64')),
          );
        }
      });
    }
  }

  it('keys integer columns through a table of group ids as their range grows up, down and past its limit, with batches holding nulls between', async () => {
    // Batches in this order: keys 1000–1099, then 0–49 (the range grows down), then nulls among new and
    // seen keys (that batch takes the Map), then keys up to 9M (past the table's 4M span: the Map from
    // then on), then small keys again.
    const parts: Array<Array<number | null>> = [
      Array.from({ length: 300 }, (_, i) => 1000 + ((i * 7) % 100)),
      Array.from({ length: 120 }, (_, i) => (i * 3) % 50),
      [5, null, 3000, 1050, null, 77],
      [9_000_000, 5, 1000, 4_500_000, 3000, 77],
      Array.from({ length: 40 }, (_, i) => i % 11),
    ];
    let at = 0;
    const batches = parts.map((keys) => {
      const t = new Table({
        n: vectorFromArray(keys, new Int32()),
        v: vectorFromArray(
          keys.map(() => at++ % 13),
          new Float64(),
        ),
      });
      return t.batches[0]!;
    });
    const intFile = path.join(dir, 'integer-keys.arrow');
    await writeArrowFile(intFile, batches);
    const want = referenceNullKeys(rowsOf(new Table(batches)), ['n']);
    for (const workers of [1, 2, 3]) {
      for (const batchRows of [undefined, 7]) {
        const { table: out } = await engines
          .get(workers)!
          .run('groupby', { input: intFile, params: { by: 'n', agg: 'count,sum:v,min:v' }, batchRows });
        const got = new Map(rowsOf(out).map((r) => [JSON.stringify([r.n]), { count: r.count, sum_v: r.sum_v, min_v: r.min_v }]));
        expect(got, `${workers} worker(s), batchRows ${batchRows}`).toEqual(want);
      }
    }
  });

  it('groups null keys the same way in an in-memory table', async () => {
    const { table: out } = await engines.get(2)!.run('groupby', { table, params: { by: 's,n', agg: 'count,sum:v,min:v' }, batchRows: 7 });
    const want = referenceNullKeys(rows, ['s', 'n']);
    expect(new Map(rowsOf(out).map((r) => [JSON.stringify([r.s, r.n]), { count: r.count, sum_v: r.sum_v, min_v: r.min_v }]))).toEqual(want);
  });

  it('rejects key text that would pass for a null or a part separator, naming the column; groups 64-bit keys beyond 2^53 exactly', async () => {
    const bad = (name: string, columns: Record<string, Vector>) => {
      const f = path.join(dir, name);
      writeFileSync(f, tableToIPC(new Table({ ...columns, v: vectorFromArray([1, 2], new Float64()) }), 'file'));
      return f;
    };
    const ffff = bad('ffff.arrow', { s: vectorFromArray(['a', '\uffff'], new Utf8()), n: vectorFromArray([1, 2], new Int32()) });
    const unit = bad('unit.arrow', { s: vectorFromArray(['a', 'b\u001fc'], new Utf8()), n: vectorFromArray([1, 2], new Int32()) });
    const huge = path.join(dir, 'huge.arrow');
    writeFileSync(
      huge,
      tableToIPC(new Table({ w: vectorFromArray([2n ** 60n + 1n, 1n, 2n ** 60n, 2n ** 60n + 1n], new Int64()) }), 'file'),
    );
    const run = (input: string, by: string) => engines.get(2)!.run('groupby', { input, params: { by, agg: 'count' } });
    await expect(run(ffff, 's')).rejects.toThrow(/key column "s" holds text with the character U\+FFFF.*remove it/);
    await expect(run(ffff, 's,n')).rejects.toThrow(/key column "s" holds text with the character U\+FFFF/);
    await expect(run(unit, 's,n')).rejects.toThrow(/key column "s" holds text with the control character U\+001F.*group by "s" alone/);
    const exact = (await run(huge, 'w')).table;
    expect(String(exact.schema.fields[0]!.type)).toBe('Int64');
    expect([...exact.getChild('w')!.toArray()]).toEqual([1n, 2n ** 60n, 2n ** 60n + 1n]);
    expect([...exact.getChild('count')!.toArray()]).toEqual([1n, 1n, 2n]);
    // One column alone has no separator to confuse.
    expect(rowsOf((await run(unit, 's')).table)).toEqual([
      { s: 'a', count: 1 },
      { s: 'b\u001fc', count: 1 },
    ]);
  });
});

import { Float64, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor, readColumns, writeGroupby, type GroupbyColumns } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

type Columns = Record<string, Array<string | number | null>>;

/**
 * The k best rows by a plain stable sort of every row: better value first, input order among equals,
 * nulls and NaN left out. Rows are `rank`, the column, then `carry` in the order given.
 */
function reference(cols: Columns, column: string, k: number, order: 'desc' | 'asc', carry: string[]) {
  const rows = cols[column]!.map((v, i) => ({ v, i })).filter(({ v }) => v !== null && !Number.isNaN(v));
  rows.sort((a, b) => (a.v === b.v ? 0 : a.v! > b.v! === (order === 'desc') ? -1 : 1));
  return rows.slice(0, k).map(({ v, i }, r) => ({ rank: r + 1, [column]: v, ...Object.fromEntries(carry.map((c) => [c, cols[c]![i]])) }));
}

const ALL = ['id1', 'id2', 'id3', 'id4', 'id5', 'id6', 'v1', 'v2', 'v3'];
const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
let file = '';
let tinyFile = '';
let second = '';
let data: GroupbyColumns;
let tiny: GroupbyColumns;
let both: GroupbyColumns;

describe('top-k', () => {
  it('writes the test data', async () => {
    file = await writeGroupby(dir, 'g.arrow', 5000, 41, 1000);
    tinyFile = await writeGroupby(dir, 'tiny.arrow', 40, 42, 9);
    second = await writeGroupby(dir, 'g2.arrow', 900, 43, 300);
    data = readColumns(file);
    tiny = readColumns(tinyFile);
    both = readColumns(file, second);
  });

  const layouts = [
    { label: '1-row splits of a 40-row file', tiny: true, options: { batchRows: 1 } },
    { label: '700-row splits', tiny: false, options: { batchRows: 700 } },
    { label: '40KB splits', tiny: false, options: { splitSize: '40KB' } },
    { label: 'one split bigger than the input', tiny: false, options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`keeps the k largest and smallest rows, ties in input order, with ${workers} worker(s), ${layout.label}`, async () => {
        const c = (layout.tiny ? tiny : data) as unknown as Columns;
        const input = layout.tiny ? tinyFile : file;
        const engine = engines.get(workers)!;
        // v3 has few ties; v1 (1–5) is nearly all ties, so its order is the tie rule's.
        for (const [column, k, order] of [
          ['v3', 10, 'desc'],
          ['v3', 7, 'asc'],
          ['v1', 25, 'desc'],
          ['v2', 12, 'asc'],
        ] as const) {
          const { table, value } = await engine.run('top-k', {
            input,
            params: { column, k, order, columns: ['id3', 'v2', column] },
            ...layout.options,
          });
          const want = reference(
            c,
            column,
            k,
            order,
            ['id3', 'v2'].filter((n) => n !== column),
          );
          expect(rowsOf(table)).toEqual(want);
          expect(rowsOf(value as Table)).toEqual(want);
        }
        const all = await engine.run('top-k', { input, params: { column: 'v2', k: 3 }, ...layout.options });
        expect(rowsOf(all.table)).toEqual(
          reference(
            c,
            'v2',
            3,
            'desc',
            ALL.filter((n) => n !== 'v2'),
          ),
        );
      });
    }
  }

  it('gives every row when k exceeds them, and ranks ties across files in file order', async () => {
    const { table } = await engines
      .get(3)!
      .run('top-k', { input: tinyFile, params: { column: 'v3', k: 1000, columns: 'id1' }, batchRows: 6 });
    expect(rowsOf(table)).toEqual(reference(tiny as unknown as Columns, 'v3', 1000, 'desc', ['id1']));
    expect(table.numRows).toBe(40);
    const two = await engines
      .get(2)!
      .run('top-k', { input: [file, second], params: { column: 'v1', k: 2000, order: 'asc', columns: 'id6' }, batchRows: 450 });
    expect(rowsOf(two.table)).toEqual(reference(both as unknown as Columns, 'v1', 2000, 'asc', ['id6']));
  });

  it('skips and counts nulls and NaN, ranks infinities, and reads 64-bit integers', async () => {
    const n = 2000;
    const special = [null, NaN, Infinity, -Infinity];
    const x = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? special[(i / 97) % 4]! : ((i * 7919) % 1013) / 4));
    const id = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3n);
    const name = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `r${i}`));
    const table = new Table({ x: vectorFromArray(x, new Float64()), id: makeVector(id), name: vectorFromArray(name, new Utf8()) });
    const cols: Columns = { x, id: Array.from(id, Number), name };
    for (const workers of [1, 3]) {
      for (const order of ['desc', 'asc'] as const) {
        const { table: out, report } = await engines
          .get(workers)!
          .run('top-k', { table, params: { column: 'x', k: 30, order }, batchRows: 128 });
        expect(rowsOf(out)).toEqual(reference(cols, 'x', 30, order, ['id', 'name']));
        expect(report.counters.skipped).toBe(x.filter((v) => v === null || Number.isNaN(v)).length);
      }
      const byId = await engines.get(workers)!.run('top-k', { table, params: { column: 'id', k: 5, columns: 'name' }, batchRows: 300 });
      expect(rowsOf(byId.table)).toEqual(reference(cols, 'id', 5, 'desc', ['name']));
    }
  });

  it('says what is wrong with the column and the params', async () => {
    const run = (params: Record<string, unknown>) => engines.get(1)!.run('top-k', { input: file, params });
    await expect(run({ k: 3 })).rejects.toThrow(/needs --param column=<string>/);
    await expect(run({ column: 'v9' })).rejects.toThrow(/no column "v9"/);
    await expect(run({ column: 'id1' })).rejects.toThrow(/top-k ranks numbers, decimals, dates.*column "id1" is Utf8/);
    await expect(run({ column: 'v3', k: 0 })).rejects.toThrow(/--param k must be at least 1, got 0/);
    await expect(run({ column: 'v3', k: 'ten' })).rejects.toThrow(/--param k must be an integer/);
    await expect(run({ column: 'v3', order: 'largest' })).rejects.toThrow(/--param order must be desc or asc, got "largest"/);
    const table = new Table({ v: makeVector(new Float64Array([1, 2])), w: makeVector(new Float64Array([3, 4])) });
    await expect(engines.get(1)!.run('top-k', { table, params: { column: 'v', columns: 'w,id9' } })).rejects.toThrow(
      /no column "id9" in the input table \(job "top-k" asks for it; the input has v, w\)/,
    );
  });

  it('gives no rows for an input with no values', async () => {
    const table = new Table({ v: vectorFromArray([null, NaN], new Float64()), i: makeVector(new BigInt64Array([1n, 2n])) });
    const { table: out } = await engines.get(2)!.run('top-k', { table, params: { column: 'v' } });
    expect(out.numRows).toBe(0);
  });

  it('runs from the CLI', async () => {
    const r = await runCli([
      'run',
      'top-k',
      '-i',
      file,
      '-w',
      '2',
      '--batch-rows',
      '600',
      '-p',
      'column=v3',
      '-p',
      'k=4',
      '-p',
      'columns=id1,v1',
      '--format',
      'csv',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const want = reference(data as unknown as Columns, 'v3', 4, 'desc', ['id1', 'v1']);
    expect(r.stdout.trim().split('\n')).toEqual(['rank,v3,id1,v1', ...want.map((w) => `${w.rank},${w.v3},${w.id1},${w.v1}`)]);
  });
});

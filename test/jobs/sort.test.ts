import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int32,
  Int64,
  List,
  Table,
  TimestampMillisecond,
  Uint16,
  Uint64,
  Utf8,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type RecordBatch,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runSequential } from 'quiver-engine';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { makeRandom } from '../../dist/src/datasets/random.js';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { rowsOf } from '../helpers/reference.js';
import { tempDir } from '../helpers/tmp.js';

type Row = Record<string, unknown>;
type Key = { column: string; desc: boolean };

/** Text by Unicode code point (UTF-8 byte order), not JS's UTF-16 code units. */
function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The reference: Array.prototype.sort (stable) over row objects, comparing each key with nulls last
 * (asc) or first (desc), NaN after every number, text by code point, booleans false < true.
 */
function reference(rows: Row[], by: string): Row[] {
  const keys: Key[] = by.split(',').map((p) => ({ column: p.split(':')[0]!, desc: p.endsWith(':desc') }));
  const cmp = (x: unknown, y: unknown): number => {
    if (typeof x === 'string') return compareText(x, y as string);
    if (typeof x === 'number' && Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (typeof y === 'number' && Number.isNaN(y)) return -1;
    return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
  };
  return [...rows].sort((a, b) => {
    for (const { column, desc } of keys) {
      const x = a[column],
        y = b[column];
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) !== desc ? 1 : -1;
      }
      const d = cmp(x, y);
      if (d !== 0) return desc ? -d : d;
    }
    return 0;
  });
}

const WORDS = [
  '',
  'a',
  'ab',
  'ab\0',
  'abcdefgh',
  'abcdefghZ',
  'abcdefghA',
  'abcdefgh',
  'id0000000001',
  'id0000000002',
  'id0000000010',
  'Zebra',
  'zebra',
  'é',
  'e\u0301',
  '\uFF5E',
  '😀',
  '😀x',
  '\uFFFD',
];

/**
 * `n` rows with `id` (input order), a heavily skewed int `k` (over half the rows share 7), a float `x`
 * with NaN, ±0, ±Infinity and nulls, text `s` with shared 8-byte prefixes, non-BMP characters and
 * nulls, dictionary text `d`, a boolean `b` and an int64 `big`.
 */
function makeRows(n: number, seed: number): Row[] {
  const random = makeRandom(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  return Array.from({ length: n }, (_, id) => ({
    id,
    k: random() < 0.55 ? 7 : random() < 0.05 ? null : Math.floor(random() * 40) - 20,
    x: random() < 0.1 ? pick([NaN, 0, -0, Infinity, -Infinity, null, 1e-300, -1e300]) : Math.round(random() * 1000) / 8 - 60,
    s: random() < 0.08 ? null : random() < 0.6 ? pick(WORDS) : Math.floor(random() * 1e6).toString(36),
    d: pick(['north', 'south', 'east', 'west', null]),
    b: random() < 0.1 ? null : random() < 0.5,
    big: pick([0n, -1n, 1n, 2n ** 60n, -(2n ** 60n), 123456789012n, null]),
  }));
}

/** Record batches of `rows` with `batchRows` rows each (the Arrow file's splits), sharing one dictionary. */
function batchesOf(rows: Row[], batchRows: number): RecordBatch[] {
  const col = (name: string) => rows.map((r) => r[name]);
  const table = new Table({
    id: makeVector(Int32Array.from(col('id') as number[])),
    k: vectorFromArray(col('k') as Array<number | null>, new Int32()),
    x: vectorFromArray(col('x') as Array<number | null>, new Float64()),
    s: vectorFromArray(col('s') as Array<string | null>, new Utf8()),
    d: vectorFromArray(col('d') as Array<string | null>, new Dictionary(new Utf8(), new Int32())),
    b: vectorFromArray(col('b') as Array<boolean | null>, new Bool()),
    big: vectorFromArray(col('big') as Array<bigint | null>, new Int64()),
  });
  const whole = table.batches[0]!;
  const out: RecordBatch[] = [];
  for (let at = 0; at < rows.length; at += batchRows) out.push(whole.slice(at, at + batchRows));
  return out;
}

/** Output rows with int64 as bigint and -0 kept, to compare exactly with the reference rows. */
function exactRows(table: Table): Row[] {
  const names = table.schema.fields.map((f) => f.name);
  return Array.from({ length: table.numRows }, (_, i) => Object.fromEntries(names.map((n) => [n, table.getChild(n)!.get(i)])));
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const ROWS = makeRows(700, 11);
const file = path.join(dir, 'rows.arrow');
const second = path.join(dir, 'rows2.arrow');
const ROWS2 = makeRows(150, 12).map((r) => ({ ...r, id: 700 + (r.id as number) }));

describe('sort', () => {
  it('writes the test data', async () => {
    await writeArrowFile(file, batchesOf(ROWS, 64));
    await writeArrowFile(second, batchesOf(ROWS2, 50));
  });

  const orders = ['k', 'k:desc,s', 's', 's:desc,x', 'x,id:desc', 'b,d:desc,big', 'big:desc,k:desc,x:desc', 'd,s:desc,b:desc,k'];
  for (const workers of [1, 2, 3]) {
    const layouts = [
      { label: '64-row splits, default ranges', options: {}, ranges: 0, orders },
      { label: '7-row batches, 40 ranges', options: { batchRows: 7 }, ranges: 40, orders: orders.slice(0, 3) },
      { label: 'one split, one range', options: { splitSize: '10MB' }, ranges: 1, orders },
    ];
    for (const layout of layouts) {
      it(`sorts by every kind of key, stable, nulls last (asc) / first (desc), with ${workers} worker(s), ${layout.label}`, async () => {
        const engine = engines.get(workers)!;
        for (const by of layout.orders) {
          const { table } = await engine.run('sort', { input: file, params: { by, ranges: layout.ranges }, ...layout.options });
          expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Int32', 'Float64', 'Utf8', 'Utf8', 'Bool', 'Int64']);
          expect(exactRows(table), by).toEqual(reference(ROWS, by).map((r) => ({ ...r })));
        }
      });
    }
    it(`spreads one key shared by most rows over the ranges and keeps input order across files, with ${workers} worker(s)`, async () => {
      const engine = engines.get(workers)!;
      const skewed = ROWS.map((r, i) => ({ ...r, k: i % 10 === 0 ? i : 7 }));
      const skewedFile = path.join(dir, `skewed-${workers}.arrow`);
      await writeArrowFile(skewedFile, batchesOf(skewed, 100));
      const { table, report } = await engine.run('sort', { input: skewedFile, params: { by: 'k', ranges: 6 } });
      expect(exactRows(table)).toEqual(reference(skewed, 'k'));
      // Position breaks the ties, so the key held by 90% of the rows did not land in one range.
      expect(report.taskRecords.filter((t) => t.kind === 'conquer').length).toBe(6);
      expect(report.counters['largest range']).toBeLessThanOrEqual(Math.ceil(700 / 6) + 1);
      const both = await engine.run('sort', { input: [file, second], params: { by: 'd:desc,k' }, batchRows: 33 });
      expect(exactRows(both.table)).toEqual(reference([...ROWS, ...ROWS2], 'd:desc,k'));
    });
  }

  it('orders every numeric width: float32, int8, uint16, uint64 past 2^63, dates and timestamps before 1970', async () => {
    const random = makeRandom(9);
    const n = 300;
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const cols = {
      f32: Array.from({ length: n }, () => pick([Math.fround(random() * 10 - 5), -0, Infinity, NaN, null, 0])),
      i8: Array.from({ length: n }, () => pick([-128, 127, -1, 0, 1, null, Math.floor(random() * 255) - 128])),
      u16: Array.from({ length: n }, () => pick([0, 65535, 32768, 32767, Math.floor(random() * 65536)])),
      u64: Array.from({ length: n }, () => pick([0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, BigInt(Math.floor(random() * 1e9))])),
      day: Array.from({ length: n }, () => pick([-86400000 * 400, 0, 86400000 * Math.floor(random() * 1000 - 500)])),
      ts: Array.from({ length: n }, () => pick([-5n, 0n, 1700000000000n, -(2n ** 52n), BigInt(Math.floor(random() * 1e12))])),
    };
    const table = new Table({
      f32: vectorFromArray(cols.f32, new Float32()),
      i8: vectorFromArray(cols.i8, new Int8()),
      u16: vectorFromArray(cols.u16, new Uint16()),
      u64: vectorFromArray(cols.u64, new Uint64()),
      day: vectorFromArray(
        cols.day.map((d) => new Date(d)),
        new DateDay(),
      ),
      ts: vectorFromArray(cols.ts, new TimestampMillisecond()),
      id: makeVector(Int32Array.from({ length: n }, (_, i) => i)),
    });
    const widths = path.join(dir, 'widths.arrow');
    writeFileSync(widths, tableToIPC(table, 'file'));
    const rows = exactRows(table);
    for (const by of ['f32', 'f32:desc', 'i8', 'u16:desc', 'u64', 'u64:desc', 'day', 'ts:desc', 'ts']) {
      const { table: sorted } = await engines.get(2)!.run('sort', { input: widths, params: { by, ranges: 5 }, batchRows: 40 });
      expect(exactRows(sorted), by).toEqual(reference(rows, by));
    }
  });

  it('outputs only the columns asked for, in that order, sorting by a column it leaves out', async () => {
    const { table } = await engines.get(2)!.run('sort', { input: file, params: { by: 'x:desc,id', columns: 's,id' } });
    expect(table.schema.fields.map((f) => f.name)).toEqual(['s', 'id']);
    expect(exactRows(table)).toEqual(reference(ROWS, 'x:desc,id').map((r) => ({ s: r.s, id: r.id })));
  });

  it('sorts CSV input (text read as dictionary or plain text) and runs in the calling thread for the baseline', async () => {
    const csv = path.join(dir, 'rows.csv');
    const rows = ROWS.filter((r) => r.s !== null && r.s !== '' && !String(r.s).includes('\0')).map((r) => ({
      id: r.id,
      k: r.k ?? 0,
      s: r.s,
      d: r.d ?? 'none',
    }));
    writeFileSync(csv, 'id,k,s,d\n' + rows.map((r) => `${r.id},${r.k},"${r.s}",${r.d}`).join('\n') + '\n');
    const want = reference(rows, 'd,s:desc,id');
    const { table } = await engines.get(3)!.run('sort', { input: csv, params: { by: 'd,s:desc,id' }, splitSize: '4KB' });
    expect(rowsOf(table)).toEqual(want);
    const seq = await runSequential('sort', { input: csv, params: { by: 'd,s:desc,id' } });
    expect(rowsOf(seq.table)).toEqual(want);
  });

  it('sorts an empty input into an empty table', async () => {
    const empty = path.join(dir, 'empty.arrow');
    await writeArrowFile(empty, [], batchesOf(ROWS.slice(0, 1), 1)[0]!.schema);
    const { table } = await engines.get(2)!.run('sort', { input: empty, params: { by: 'k' } });
    expect(table.numRows).toBe(0);
    const none = path.join(dir, 'none.arrow');
    await writeArrowFile(none, batchesOf(ROWS.slice(0, 0), 1));
    expect((await engines.get(1)!.run('sort', { input: none, params: { by: 'k' } })).table.numRows).toBe(0);
  });

  it('says what is wrong with a bad key, column list or column type, and carries a list column it cannot order', async () => {
    const engine = engines.get(2)!;
    await expect(engine.run('sort', { input: file, params: { by: 'nope' } })).rejects.toThrow(
      /--param by names column nope, which the input does not have \(columns: id, k, x, s, d, b, big\)/,
    );
    await expect(engine.run('sort', { input: file, params: { by: 'k:down' } })).rejects.toThrow(
      /--param by: "k:down" is not a column to sort by; write column, column:asc or column:desc/,
    );
    await expect(engine.run('sort', { input: file, params: { by: 'k,:desc' } })).rejects.toThrow(
      /--param by: ":desc" is not a column to sort by/,
    );
    await expect(engine.run('sort', { input: file, params: { by: '' } })).rejects.toThrow(/--param by is required/);
    await expect(engine.run('sort', { input: file, params: { by: 'k', columns: 'id,zzz' } })).rejects.toThrow(/zzz/);
    const lists = path.join(dir, 'lists.arrow');
    writeFileSync(
      lists,
      tableToIPC(
        new Table({
          id: makeVector(new Int32Array([2, 1])),
          // Lists of numbers, text and booleans are sorted and carried (sort-nested-keys.test.ts); of dates, not yet.
          l: vectorFromArray([[new Date(0)], [new Date(86_400_000)]], new List(new Field('item', new DateDay(), true))),
        }),
        'file',
      ),
    );
    // A list is carried beside its row, not ordered by.
    await expect(engine.run('sort', { input: lists, params: { by: 'l' } })).rejects.toThrow(
      /--param by names column l of type List<.*>, which sort cannot order/,
    );
    const carried = await engine.run('sort', { input: lists, params: { by: 'id' } });
    // Row id 1 held the list of day 1, row id 2 that of day 0 (DateDay values read back as epoch ms).
    expect(Array.from(carried.table.getChild('l')!, (v) => [...(v as Iterable<number>)])).toEqual([[86_400_000], [0]]);
    const sorted = await engine.run('sort', { input: lists, params: { by: 'id', columns: 'id' } });
    expect(rowsOf(sorted.table)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('runs from the CLI on the generated dataset and writes one sorted file with -o', async () => {
    const data = path.join(dir, 'gen.arrow');
    expect((await runCli(['datasets', 'generate', 'sort', '--rows', '3000', '--seed', '5', '-o', data])).status).toBe(0);
    const rows = rowsOf(tableFromIPC(readFileSync(data)));
    expect(rows.filter((r) => r.skewed === 0).length).toBeGreaterThan(1300);
    for (const [out, by] of [
      ['sorted.arrow', 'skewed,x:desc'],
      ['sorted.parquet', 'k:desc'],
      ['sorted.csv', 's:desc,id'],
    ] as const) {
      const target = path.join(dir, out);
      const r = await runCli(['run', 'sort', '-i', data, '-w', '2', '-p', `by=${by}`, '--batch-rows', '500', '-o', target]);
      expect(r.status, r.stderr).toBe(0);
      const want = reference(rows, by);
      if (out.endsWith('.arrow')) expect(rowsOf(tableFromIPC(readFileSync(target)))).toEqual(want);
      else if (out.endsWith('.parquet')) expect(rowsOf(await readParquet(target))).toEqual(want);
      else
        expect(
          readFileSync(target, 'utf8')
            .trim()
            .split('\n')
            .slice(1)
            .map((l) => Number(l.split(',').at(-1))),
        ).toEqual(want.map((w) => w.id));
    }
  });
});

async function readParquet(file: string): Promise<Table> {
  const pq = await import('parquet-wasm/node');
  return tableFromIPC(pq.readParquet(readFileSync(file)).intoIPCStream());
}

import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Bool, Dictionary, Float64, Int32, Table, Utf8, makeVector, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runSequential } from 'quiver';
import { customersBatches, ordersBatches } from '../../dist/src/datasets/orders.js';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { runCli } from '../helpers/cli.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

type Row = Record<string, unknown>;

/** A key part as text for comparing: numbers as JS prints them, text as it is; null and NaN have none. */
function part(v: unknown): string | undefined {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return undefined;
  return typeof v === 'number' ? String(v + 0) : String(v);
}

/**
 * The join by nested loops over plain rows: for each left row in order, every right row in order whose
 * key parts all equal its own; a left join adds the left row with nulls when none does. Right key
 * columns are dropped and a right column named like a left one gets `_right`.
 */
function nestedLoopJoin(left: Row[], right: Row[], on: string[], rightOn: string[], how: 'inner' | 'left', leftNames: string[], rightNames: string[]): Row[] {
  const names = new Map<string, string>();
  for (const n of rightNames.filter((c) => !rightOn.includes(c))) {
    let out = n;
    while (leftNames.includes(out) || [...names.values()].includes(out)) out += '_right';
    names.set(n, out);
  }
  const keyOf = (row: Row, cols: string[]) => {
    const parts = cols.map((c) => part(row[c]));
    return parts.includes(undefined) ? undefined : parts.join('\u0001');
  };
  const out: Row[] = [];
  for (const l of left) {
    const k = keyOf(l, on);
    let matched = false;
    for (const r of right) {
      if (k === undefined || keyOf(r, rightOn) !== k) continue;
      matched = true;
      out.push({ ...l, ...Object.fromEntries([...names].map(([from, to]) => [to, r[from]])) });
    }
    if (!matched && how === 'left') out.push({ ...l, ...Object.fromEntries([...names.values()].map((to) => [to, null])) });
  }
  return out;
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const file = (name: string) => path.join(dir, name);
const read = (name: string) => tableFromIPC(readFileSync(file(name)));
const namesOf = (t: Table) => t.schema.fields.map((f) => f.name);

/** Composite keys with repeats on both sides (many-to-many), nulls in key parts, a name clash and a dictionary column. */
function compositeTables() {
  const n = 150;
  const a = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : `k${(i * 7) % 5}`));
  const left = new Table({
    a: vectorFromArray(a, new Utf8()),
    b: makeVector(Int32Array.from({ length: n }, (_, i) => i % 3)),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => `left ${i}`), new Utf8()),
    v: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i / 4)), new Float64()),
  });
  const m = 40;
  const right = new Table({
    x: vectorFromArray(Array.from({ length: m }, (_, j) => (j % 13 === 5 ? null : `k${j % 6}`)), new Utf8()),
    y: makeVector(BigInt64Array.from({ length: m }, (_, j) => BigInt(j % 4))),
    name: vectorFromArray(Array.from({ length: m }, (_, j) => `right ${j}`), new Dictionary(new Utf8(), new Int32())),
    name_right: makeVector(Float64Array.from({ length: m }, (_, j) => j * 1.5)),
    ok: vectorFromArray(Array.from({ length: m }, (_, j) => (j % 5 === 0 ? null : j % 2 === 0)), new Bool()),
  });
  return { left, right };
}

describe('join', () => {
  it('writes the test data', async () => {
    await writeArrowFile(file('orders.arrow'), ordersBatches(2000, 71, 300));
    await writeArrowFile(file('customers.arrow'), customersBatches(200, 72, 64));
    const { left, right } = compositeTables();
    await writeArrowFile(file('left.arrow'), left.batches.flatMap((b) => [b.slice(0, 60), b.slice(60)]));
    await writeArrowFile(file('right.arrow'), right.batches);
  });

  const layouts = [
    { label: '70-row splits', options: { batchRows: 70 } },
    { label: 'one split per file', options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const strategy of ['broadcast', 'shuffle'] as const) {
      for (const layout of layouts) {
        it(`joins like nested loops, inner and left, with ${workers} worker(s), ${strategy}, ${layout.label}`, async () => {
          const engine = engines.get(workers)!;
          const orders = read('orders.arrow');
          const customers = read('customers.arrow');
          for (const how of ['inner', 'left'] as const) {
            const { table, report } = await engine.run('join', { input: file('orders.arrow'), params: { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', how, strategy }, ...layout.options });
            expect(namesOf(table)).toEqual(['order_id', 'customer_id', 'quantity', 'amount', 'name', 'country', 'balance']);
            expect(rowsOf(table)).toEqual(nestedLoopJoin(rowsOf(orders), rowsOf(customers), ['customer_id'], ['id'], how, namesOf(orders), namesOf(customers)));
            expect(report.steps!.map((s) => s.job)).toEqual(strategy === 'broadcast' ? ['join-probe'] : ['join-match', 'join-gather']);
            expect(report.counters[strategy]).toBe(1);
          }
          const { left, right } = compositeTables();
          const { table } = await engine.run('join', { input: file('left.arrow'), params: { right: file('right.arrow'), on: 'a,b', rightOn: 'x,y', how: 'left', strategy }, ...layout.options });
          expect(namesOf(table)).toEqual(['a', 'b', 'name', 'v', 'name_right', 'name_right_right', 'ok']);
          expect(table.getChild('name_right')!.type.toString()).toBe('Utf8');
          expect(rowsOf(table)).toEqual(nestedLoopJoin(rowsOf(left), rowsOf(right), ['a', 'b'], ['x', 'y'], 'left', namesOf(left), namesOf(right)));
        });
      }
    }
  }

  it('chooses the strategy by the right side\'s size, and keeps only the columns asked for', async () => {
    const params = { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', columns: 'name,order_id,amount' };
    const small = await engines.get(2)!.run('join', { input: file('orders.arrow'), params });
    // The right input named by a relative path: the shuffle still tells its files from the left's.
    const big = await engines.get(2)!.run('join', { input: file('orders.arrow'), params: { ...params, right: path.relative(process.cwd(), file('customers.arrow')), broadcast: '1KB' }, batchRows: 500 });
    expect(small.report.counters).toMatchObject({ broadcast: 1 });
    expect(big.report.counters).toMatchObject({ shuffle: 1 });
    const want = nestedLoopJoin(rowsOf(read('orders.arrow')), rowsOf(read('customers.arrow')), ['customer_id'], ['id'], 'inner', namesOf(read('orders.arrow')), namesOf(read('customers.arrow')));
    const picked = want.map((r) => ({ name: r.name, order_id: r.order_id, amount: r.amount }));
    expect(rowsOf(small.table)).toEqual(picked);
    expect(rowsOf(big.table)).toEqual(picked);
  });

  it('matches numbers with text that spells them, never null or NaN keys, and gives an empty table of all columns when nothing matches', async () => {
    const left = new Table({ id: vectorFromArray(['1', '02', '3', null, 'x', '-4', '3'], new Utf8()), i: makeVector(Int32Array.from([0, 1, 2, 3, 4, 5, 6])) });
    const right = new Table({ id: vectorFromArray([3, 2, 1, null, NaN, -4, 3], new Float64()), j: makeVector(Int32Array.from([0, 1, 2, 3, 4, 5, 6])) });
    await writeArrowFile(file('text-left.arrow'), left.batches);
    await writeArrowFile(file('num-right.arrow'), right.batches);
    const nan = new Table({ id: vectorFromArray([NaN, null, 1], new Float64()), i: makeVector(Int32Array.from([0, 1, 2])) });
    await writeArrowFile(file('nan-left.arrow'), nan.batches);
    for (const strategy of ['broadcast', 'shuffle']) {
      const params = { right: file('num-right.arrow'), on: 'id', strategy };
      const { table } = await engines.get(2)!.run('join', { input: file('text-left.arrow'), params: { ...params, how: 'left' } });
      expect(rowsOf(table)).toEqual([
        { id: '1', i: 0, j: 2 }, { id: '02', i: 1, j: null }, { id: '3', i: 2, j: 0 }, { id: '3', i: 2, j: 6 }, { id: null, i: 3, j: null },
        { id: 'x', i: 4, j: null }, { id: '-4', i: 5, j: 5 }, { id: '3', i: 6, j: 0 }, { id: '3', i: 6, j: 6 },
      ]);
      const nulls = await engines.get(3)!.run('join', { input: file('nan-left.arrow'), params: { ...params, how: 'left' } });
      expect(rowsOf(nulls.table)).toEqual([{ id: NaN, i: 0, j: null }, { id: null, i: 1, j: null }, { id: 1, i: 2, j: 2 }]);
      const none = await engines.get(1)!.run('join', { input: file('nan-left.arrow'), params: { ...params, right: file('customers.arrow'), rightOn: 'name' } });
      expect(none.table.numRows).toBe(0);
      expect(namesOf(none.table)).toEqual(['id', 'i', 'id_right', 'country', 'balance']);
    }
  });

  it('gives the same answer in the sequential baseline and joins an in-memory left table by broadcast', async () => {
    const params = { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', how: 'left' };
    const want = rowsOf((await engines.get(3)!.run('join', { input: file('orders.arrow'), params })).table);
    for (const strategy of ['broadcast', 'shuffle']) {
      expect(rowsOf((await runSequential('join', { input: file('orders.arrow'), params: { ...params, strategy }, batchRows: 400 })).table)).toEqual(want);
    }
    const { table } = await engines.get(2)!.run('join', { table: read('orders.arrow'), params, batchRows: 250 });
    expect(rowsOf(table)).toEqual(want);
  });

  it('says what is wrong with the params and the inputs', async () => {
    const run = (params: Record<string, unknown>, input = file('orders.arrow')) =>
      engines.get(2)!.run('join', { input, params: { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', ...params } });
    await expect(run({ how: 'outer' })).rejects.toThrow(/--param how must be inner or left, got "outer"/);
    await expect(run({ strategy: 'fast' })).rejects.toThrow(/--param strategy must be auto, broadcast or shuffle, got "fast"/);
    await expect(run({ broadcast: 'lots' })).rejects.toThrow(/--param broadcast/);
    await expect(run({ right: file('nope.arrow') })).rejects.toThrow(/input .*nope\.arrow does not exist/);
    await expect(run({ rightOn: 'id,name' })).rejects.toThrow(/--param on names 1 key column\(s\) but rightOn names 2/);
    await expect(run({ on: '' , rightOn: '' })).rejects.toThrow(/--param on needs at least one key column/);
    await expect(run({ columns: 'name,zzz' })).rejects.toThrow(/--param columns names "zzz", not among the join's output columns: order_id, customer_id/);
    await expect(run({ strategy: 'shuffle' }, file('customers.arrow'))).rejects.toThrow(/customers\.arrow is both the left and the right input; .*strategy=broadcast/);
    await expect(run({ strategy: 'shuffle' }, path.join(dir, '..', path.basename(dir), 'customers.arrow'))).rejects.toThrow(/is both the left and the right input/);
    for (const strategy of ['broadcast', 'shuffle']) {
      await expect(run({ on: 'nope', strategy })).rejects.toThrow(/--param on: no column "nope" in .*orders\.arrow \(it has order_id, customer_id, quantity, amount\)/);
      await expect(run({ rightOn: 'nope', strategy })).rejects.toThrow(/--param rightOn: no column "nope" in .*customers\.arrow \(it has id, name, country, balance\)/);
    }
    await expect(engines.get(1)!.run('join', { table: read('orders.arrow'), params: { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', strategy: 'shuffle' } })).rejects.toThrow(/the shuffle strategy reads the left input from files/);
  });

  it('runs from the CLI on the orders and customers datasets', async () => {
    const orders = file('cli-orders.arrow');
    const customers = file('cli-customers.arrow');
    for (const [name, out, rows] of [['orders', orders, '3000'], ['customers', customers, '300']]) {
      const gen = await runCli(['datasets', 'generate', name!, '--rows', rows!, '--seed', '8', '-o', out!]);
      expect(gen.status, gen.stderr).toBe(0);
    }
    const want = nestedLoopJoin(rowsOf(tableFromIPC(readFileSync(orders))), rowsOf(tableFromIPC(readFileSync(customers))), ['customer_id'], ['id'], 'left', ['order_id', 'customer_id', 'quantity', 'amount'], ['id', 'name', 'country', 'balance']);
    for (const strategy of ['broadcast', 'shuffle']) {
      const r = await runCli(['run', 'join', '-i', orders, '-w', '2', '--batch-rows', '700', '-p', `right=${customers}`, '-p', 'on=customer_id', '-p', 'rightOn=id', '-p', 'how=left', '-p', `strategy=${strategy}`, '--format', 'json', '--quiet']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(want);
    }
  });
});

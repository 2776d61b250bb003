import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  Bool,
  DataType,
  DateDay,
  Dictionary,
  Float64,
  Int32,
  Int64,
  Table,
  TimeSecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  vectorFromArray,
  type Schema,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runSequential } from 'quiver-engine';
import { customersBatches, ordersBatches } from '../../dist/src/datasets/orders.js';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { runCli } from '../helpers/cli.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor, writeEmptyArrow } from '../helpers/data.js';
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
function nestedLoopJoin(
  left: Row[],
  right: Row[],
  on: string[],
  rightOn: string[],
  how: 'inner' | 'left',
  leftNames: string[],
  rightNames: string[],
): Row[] {
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
    name: vectorFromArray(
      Array.from({ length: n }, (_, i) => `left ${i}`),
      new Utf8(),
    ),
    v: vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i / 4)),
      new Float64(),
    ),
  });
  const m = 40;
  const right = new Table({
    x: vectorFromArray(
      Array.from({ length: m }, (_, j) => (j % 13 === 5 ? null : `k${j % 6}`)),
      new Utf8(),
    ),
    y: makeVector(BigInt64Array.from({ length: m }, (_, j) => BigInt(j % 4))),
    name: vectorFromArray(
      Array.from({ length: m }, (_, j) => `right ${j}`),
      new Dictionary(new Utf8(), new Int32()),
    ),
    name_right: makeVector(Float64Array.from({ length: m }, (_, j) => j * 1.5)),
    ok: vectorFromArray(
      Array.from({ length: m }, (_, j) => (j % 5 === 0 ? null : j % 2 === 0)),
      new Bool(),
    ),
  });
  return { left, right };
}

describe('join', () => {
  it('writes the test data', async () => {
    await writeArrowFile(file('orders.arrow'), ordersBatches(2000, 71, 300));
    await writeArrowFile(file('customers.arrow'), customersBatches(200, 72, 64));
    const { left, right } = compositeTables();
    await writeArrowFile(
      file('left.arrow'),
      left.batches.flatMap((b) => [b.slice(0, 60), b.slice(60)]),
    );
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
            const { table, report } = await engine.run('join', {
              input: file('orders.arrow'),
              params: { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', how, strategy },
              ...layout.options,
            });
            expect(namesOf(table)).toEqual(['order_id', 'customer_id', 'quantity', 'amount', 'name', 'country', 'balance']);
            expect(rowsOf(table)).toEqual(
              nestedLoopJoin(rowsOf(orders), rowsOf(customers), ['customer_id'], ['id'], how, namesOf(orders), namesOf(customers)),
            );
            expect(report.steps!.map((s) => s.job)).toEqual(strategy === 'broadcast' ? ['join-probe'] : ['join-match', 'join-gather']);
            expect(report.counters[strategy]).toBe(1);
          }
          const { left, right } = compositeTables();
          const { table } = await engine.run('join', {
            input: file('left.arrow'),
            params: { right: file('right.arrow'), on: 'a,b', rightOn: 'x,y', how: 'left', strategy },
            ...layout.options,
          });
          expect(namesOf(table)).toEqual(['a', 'b', 'name', 'v', 'name_right', 'name_right_right', 'ok']);
          expect(table.getChild('name_right')!.type.toString()).toBe('Utf8');
          expect(rowsOf(table)).toEqual(
            nestedLoopJoin(rowsOf(left), rowsOf(right), ['a', 'b'], ['x', 'y'], 'left', namesOf(left), namesOf(right)),
          );
        });
      }
    }
  }

  // The right rows a task reads are gathered out of order (low rows first) and put back in place: every width and text, nulls included.
  it('gathers right columns of every width and text with nulls, many right rows per key, over several right batches, at 1-3 workers', async () => {
    const m = 300;
    const right = new Table({
      k: makeVector(Int32Array.from({ length: m }, (_, j) => (j * 5) % 7)),
      s: vectorFromArray(
        Array.from({ length: m }, (_, j) => (j % 9 === 0 ? null : j % 4 === 0 ? '' : `é${'x'.repeat(j % 13)}${j}`)),
        new Utf8(),
      ),
      w: vectorFromArray(
        Array.from({ length: m }, (_, j) => (j % 10 === 3 ? null : BigInt(j) * 2n ** 40n)),
        new Int64(),
      ),
      h: makeVector(Int16Array.from({ length: m }, (_, j) => j - 150)),
      b: makeVector(Uint8Array.from({ length: m }, (_, j) => j % 256)),
    });
    const left = new Table({
      key: vectorFromArray(
        Array.from({ length: 200 }, (_, i) => (i % 23 === 0 ? null : (i * 3) % 10)),
        new Int32(),
      ),
      i: makeVector(Int32Array.from({ length: 200 }, (_, i) => i)),
    });
    await writeArrowFile(
      file('wide-right.arrow'),
      right.batches.flatMap((b) => [b.slice(0, 64), b.slice(64, 128), b.slice(128)]),
    );
    await writeArrowFile(file('wide-left.arrow'), left.batches);
    for (const [workers, engine] of engines) {
      for (const strategy of ['broadcast', 'shuffle']) {
        for (const how of ['inner', 'left'] as const) {
          const { table } = await engine.run('join', {
            input: file('wide-left.arrow'),
            params: { right: file('wide-right.arrow'), on: 'key', rightOn: 'k', how, strategy },
            batchRows: 70,
          });
          expect(rowsOf(table), `${workers} worker(s), ${strategy}, ${how}`).toEqual(
            nestedLoopJoin(rowsOf(left), rowsOf(right), ['key'], ['k'], how, namesOf(left), namesOf(right)),
          );
        }
      }
    }
  });

  it("chooses the strategy by the right side's size, and keeps only the columns asked for", async () => {
    const params = { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', columns: 'name,order_id,amount' };
    const small = await engines.get(2)!.run('join', { input: file('orders.arrow'), params });
    // The right input named by a relative path: the shuffle still tells its files from the left's.
    const big = await engines.get(2)!.run('join', {
      input: file('orders.arrow'),
      params: { ...params, right: path.relative(process.cwd(), file('customers.arrow')), broadcast: '1KB' },
      batchRows: 500,
    });
    expect(small.report.counters).toMatchObject({ broadcast: 1 });
    expect(big.report.counters).toMatchObject({ shuffle: 1 });
    const want = nestedLoopJoin(
      rowsOf(read('orders.arrow')),
      rowsOf(read('customers.arrow')),
      ['customer_id'],
      ['id'],
      'inner',
      namesOf(read('orders.arrow')),
      namesOf(read('customers.arrow')),
    );
    const picked = want.map((r) => ({ name: r.name, order_id: r.order_id, amount: r.amount }));
    expect(rowsOf(small.table)).toEqual(picked);
    expect(rowsOf(big.table)).toEqual(picked);
  });

  it('matches numbers with text that spells them, never null or NaN keys, and gives an empty table of all columns when nothing matches', async () => {
    const left = new Table({
      id: vectorFromArray(['1', '02', '3', null, 'x', '-4', '3'], new Utf8()),
      i: makeVector(Int32Array.from([0, 1, 2, 3, 4, 5, 6])),
    });
    const right = new Table({
      id: vectorFromArray([3, 2, 1, null, NaN, -4, 3], new Float64()),
      j: makeVector(Int32Array.from([0, 1, 2, 3, 4, 5, 6])),
    });
    await writeArrowFile(file('text-left.arrow'), left.batches);
    await writeArrowFile(file('num-right.arrow'), right.batches);
    const nan = new Table({ id: vectorFromArray([NaN, null, 1], new Float64()), i: makeVector(Int32Array.from([0, 1, 2])) });
    await writeArrowFile(file('nan-left.arrow'), nan.batches);
    for (const strategy of ['broadcast', 'shuffle']) {
      const params = { right: file('num-right.arrow'), on: 'id', strategy };
      const { table } = await engines.get(2)!.run('join', { input: file('text-left.arrow'), params: { ...params, how: 'left' } });
      expect(rowsOf(table)).toEqual([
        { id: '1', i: 0, j: 2 },
        { id: '02', i: 1, j: null },
        { id: '3', i: 2, j: 0 },
        { id: '3', i: 2, j: 6 },
        { id: null, i: 3, j: null },
        { id: 'x', i: 4, j: null },
        { id: '-4', i: 5, j: 5 },
        { id: '3', i: 6, j: 0 },
        { id: '3', i: 6, j: 6 },
      ]);
      const nulls = await engines.get(3)!.run('join', { input: file('nan-left.arrow'), params: { ...params, how: 'left' } });
      expect(rowsOf(nulls.table)).toEqual([
        { id: NaN, i: 0, j: null },
        { id: null, i: 1, j: null },
        { id: 1, i: 2, j: 2 },
      ]);
      const none = await engines
        .get(1)!
        .run('join', { input: file('nan-left.arrow'), params: { ...params, right: file('customers.arrow'), rightOn: 'name' } });
      expect(none.table.numRows).toBe(0);
      expect(namesOf(none.table)).toEqual(['id', 'i', 'id_right', 'country', 'balance']);
    }
  });

  it('gives the same answer in the sequential baseline and joins an in-memory left table by broadcast', async () => {
    const params = { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', how: 'left' };
    const want = rowsOf((await engines.get(3)!.run('join', { input: file('orders.arrow'), params })).table);
    for (const strategy of ['broadcast', 'shuffle']) {
      expect(
        rowsOf((await runSequential('join', { input: file('orders.arrow'), params: { ...params, strategy }, batchRows: 400 })).table),
      ).toEqual(want);
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
    await expect(run({ on: '', rightOn: '' })).rejects.toThrow(/--param on needs at least one key column/);
    await expect(run({ columns: 'name,zzz' })).rejects.toThrow(
      /--param columns names "zzz", not among the join's output columns: order_id, customer_id/,
    );
    await expect(run({ strategy: 'shuffle', on: 'id' }, file('customers.arrow'))).rejects.toThrow(
      /customers\.arrow is both the left and the right input; .*strategy=broadcast/,
    );
    await expect(run({ strategy: 'shuffle', on: 'id' }, path.join(dir, '..', path.basename(dir), 'customers.arrow'))).rejects.toThrow(
      /is both the left and the right input/,
    );
    for (const strategy of ['broadcast', 'shuffle']) {
      await expect(run({ on: 'nope', strategy })).rejects.toThrow(
        /--param on: no column "nope" in .*orders\.arrow \(it has order_id, customer_id, quantity, amount\)/,
      );
      await expect(run({ rightOn: 'nope', strategy })).rejects.toThrow(
        /--param rightOn: no column "nope" in .*customers\.arrow \(it has id, name, country, balance\)/,
      );
    }
    await expect(
      engines.get(1)!.run('join', {
        table: read('orders.arrow'),
        params: { right: file('customers.arrow'), on: 'customer_id', rightOn: 'id', strategy: 'shuffle' },
      }),
    ).rejects.toThrow(/the shuffle strategy reads the left input from files/);
  });

  it('runs from the CLI on the orders and customers datasets', async () => {
    const orders = file('cli-orders.arrow');
    const customers = file('cli-customers.arrow');
    for (const [name, out, rows] of [
      ['orders', orders, '3000'],
      ['customers', customers, '300'],
    ]) {
      const gen = await runCli(['datasets', 'generate', name!, '--rows', rows!, '--seed', '8', '-o', out!]);
      expect(gen.status, gen.stderr).toBe(0);
    }
    const want = nestedLoopJoin(
      rowsOf(tableFromIPC(readFileSync(orders))),
      rowsOf(tableFromIPC(readFileSync(customers))),
      ['customer_id'],
      ['id'],
      'left',
      ['order_id', 'customer_id', 'quantity', 'amount'],
      ['id', 'name', 'country', 'balance'],
    );
    for (const strategy of ['broadcast', 'shuffle']) {
      const r = await runCli([
        'run',
        'join',
        '-i',
        orders,
        '-w',
        '2',
        '--batch-rows',
        '700',
        '-p',
        `right=${customers}`,
        '-p',
        'on=customer_id',
        '-p',
        'rightOn=id',
        '-p',
        'how=left',
        '-p',
        `strategy=${strategy}`,
        '--format',
        'json',
        '--quiet',
      ]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(want);
    }
  });
});

/** The message of the error `run` rejects with (it must reject). */
async function failure(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the run to fail');
}

/** A column of `type` (a date, time or timestamp) holding the raw unit counts `values`, null for none. */
function timeColumn(type: DataType, values: Array<bigint | number | null>) {
  const Values = (type as unknown as { ArrayType: typeof BigInt64Array | typeof Int32Array }).ArrayType;
  const big = Values === BigInt64Array;
  const data = values.map((v) => (big ? BigInt(v ?? 0) : Number(v ?? 0)));
  const valid = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    v !== null && (valid[i >> 3]! |= 1 << (i & 7));
  });
  const nullCount = values.filter((v) => v === null).length;
  return makeVector(
    makeData({
      type,
      length: values.length,
      nullCount,
      nullBitmap: nullCount ? valid : undefined,
      data: big ? BigInt64Array.from(data as bigint[]) : Int32Array.from(data as number[]),
    } as never),
  );
}

/** The output's column names and types: the left's, then the right's but its keys, as the join names them (dictionaries decoded). */
function outputFields(left: Schema, right: Schema, rightOn: string[]): string[] {
  const names: string[] = [];
  const out: string[] = [];
  const typeOf = (t: DataType) => String(DataType.isDictionary(t) ? t.dictionary : t);
  for (const f of left.fields) names.push(f.name), out.push(`${f.name}: ${typeOf(f.type)}`);
  for (const f of right.fields) {
    if (rightOn.includes(f.name)) continue;
    let name = f.name;
    while (names.includes(name)) name += '_right';
    names.push(name);
    out.push(`${name}: ${typeOf(f.type)}`);
  }
  return out;
}
const fieldsOf = (t: Table) => t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`);

describe('join: inputs checked up front, empty sides, time keys', () => {
  const dir2 = tempDir();
  const at = (name: string) => path.join(dir2, name);
  const n = 40;
  const left = new Table({
    k: vectorFromArray(
      Array.from({ length: n }, (_, i) => (i % 9 === 4 ? null : `k${i % 6}`)),
      new Utf8(),
    ),
    tag: vectorFromArray(
      Array.from({ length: n }, (_, i) => ['p', 'q', null][i % 3]!),
      new Dictionary(new Utf8(), new Int32()),
    ),
    big: vectorFromArray(
      Array.from({ length: n }, (_, i) => BigInt(i) * 3n),
      new Int64(),
    ),
    when: timeColumn(
      new TimestampSecond(),
      Array.from({ length: n }, (_, i) => 1_700_000_000 + i),
    ),
  });
  const right = new Table({
    key: vectorFromArray(
      Array.from({ length: 12 }, (_, j) => `k${j % 8}`),
      new Utf8(),
    ),
    tag: vectorFromArray(
      Array.from({ length: 12 }, (_, j) => ['x', 'y'][j % 2]!),
      new Dictionary(new Utf8(), new Int32()),
    ),
    ok: vectorFromArray(
      Array.from({ length: 12 }, (_, j) => j % 4 === 0),
      new Bool(),
    ),
    day: timeColumn(
      new DateDay(),
      Array.from({ length: 12 }, (_, j) => 19_000 + j),
    ),
  });
  const want = outputFields(left.schema, right.schema, ['key']);

  it('writes the test data: each side whole, with no record batches, with one batch of no rows, and a second left file without the key', async () => {
    await writeArrowFile(
      at('left.arrow'),
      left.batches.flatMap((b) => [b.slice(0, 15), b.slice(15)]),
    );
    await writeArrowFile(at('right.arrow'), right.batches);
    await writeEmptyArrow(dir2, 'left-none.arrow', left.schema);
    await writeEmptyArrow(dir2, 'right-none.arrow', right.schema);
    await writeArrowFile(at('left-zero.arrow'), [left.batches[0]!.slice(0, 0)]);
    await writeArrowFile(at('right-zero.arrow'), [right.batches[0]!.slice(0, 0)]);
    mkdirSync(at('lefts'));
    await writeArrowFile(at('lefts/a.arrow'), left.batches);
    await writeArrowFile(at('lefts/b.arrow'), left.select(['tag', 'big', 'when']).batches);
    expect(tableFromIPC(readFileSync(at('right-zero.arrow'))).numRows).toBe(0);
  });

  for (const strategy of ['broadcast', 'shuffle'] as const) {
    for (const how of ['inner', 'left'] as const) {
      it(`names the file, the missing key column and the columns it has before reading any row: ${strategy}, ${how}`, async () => {
        const run = (input: string, params: Record<string, string>) =>
          engines.get(2)!.run('join', { input, params: { right: at('right.arrow'), on: 'k', rightOn: 'key', how, strategy, ...params } });
        const noLeftKey = await failure(run(at('left.arrow'), { on: 'zz' }));
        expect(noLeftKey).toMatch(
          /--param on: no column "zz" in \S*left\.arrow \(it has k, tag, big, when\); name a column of the left input \(-i\) with on/,
        );
        const noRightKey = await failure(run(at('left.arrow'), { rightOn: 'zz' }));
        expect(noRightKey).toMatch(
          /--param rightOn: no column "zz" in \S*right\.arrow \(it has key, tag, ok, day\); name a column of the right input with rightOn/,
        );
        // Only the second file of the left input lacks the key: still found before any task.
        const inSecondFile = await failure(run(at('lefts'), {}));
        expect(inSecondFile).toMatch(/--param on: no column "k" in \S*b\.arrow \(it has tag, big, when\)/);
        // A left input with no rows is checked too (it used to give an empty result).
        expect(await failure(run(at('left-none.arrow'), { on: 'zz' }))).toMatch(/no column "zz" in \S*left-none\.arrow/);
        // Up front, not from a task: no split in the message.
        for (const m of [noLeftKey, noRightKey, inSecondFile]) expect(m).not.toMatch(/map threw|split \d+ of/);
      });
    }
  }

  const sides = [
    { label: 'right input with no record batches', left: 'left.arrow', right: 'right-none.arrow' },
    { label: 'right input of one batch of no rows', left: 'left.arrow', right: 'right-zero.arrow' },
    { label: 'left input with no record batches', left: 'left-none.arrow', right: 'right.arrow' },
    { label: 'left input of one batch of no rows', left: 'left-zero.arrow', right: 'right.arrow' },
    { label: 'both inputs empty', left: 'left-none.arrow', right: 'right-none.arrow' },
  ];
  for (const workers of [1, 3]) {
    for (const strategy of ['broadcast', 'shuffle'] as const) {
      it(`gives every output column its type when a side is empty, inner and left: ${workers} worker(s), ${strategy}`, async () => {
        for (const side of sides) {
          for (const how of ['inner', 'left'] as const) {
            const { table } = await engines.get(workers)!.run('join', {
              input: at(side.left),
              params: { right: at(side.right), on: 'k', rightOn: 'key', how, strategy },
              batchRows: 7,
            });
            expect(fieldsOf(table), `${side.label}, ${how}`).toEqual(want);
            const l = side.left === 'left.arrow' ? rowsOf(left) : [];
            const r = side.right === 'right.arrow' ? rowsOf(right) : [];
            expect(rowsOf(table), `${side.label}, ${how}`).toEqual(
              nestedLoopJoin(l, r, ['k'], ['key'], how, namesOf(left), namesOf(right)),
            );
          }
          const picked = await engines
            .get(workers)!
            .run('join', { input: at(side.left), params: { right: at(side.right), on: 'k', rightOn: 'key', strategy, columns: 'day,k' } });
          expect(fieldsOf(picked.table)).toEqual(['day: Date32<DAY>', 'k: Utf8']);
        }
      });
    }
  }

  // Instants: seconds, milliseconds and nanoseconds since 1970 (the last beyond 2^53), and days.
  const S = 1_700_000_000n;
  const secs = [S, S + 1n, null, S + 2n, 0n, S + 86_400n, S + 1n];
  const millis = [S * 1000n + 1000n, S * 1000n, S * 1000n + 1n, null, 0n, S * 1000n + 1000n, (S + 86_400n) * 1000n, 86_400_000n * 19_000n];
  const nanos = [
    S * 1_000_000_000n + 1n,
    S * 1_000_000_000n,
    (S + 2n) * 1_000_000_000n,
    (S + 2n) * 1_000_000_000n - 1n,
    null,
    86_400n * 19_000n * 1_000_000_000n,
  ];
  const days = [19_000n, null, 0n, 19_675n];
  const PER = { s: 1_000_000_000n, ms: 1_000_000n, ns: 1n, day: 86_400_000_000_000n };
  const timeTables = {
    s: new Table({ t: timeColumn(new TimestampSecond(), secs), i: makeVector(Int32Array.from(secs.map((_, i) => i))) }),
    ms: new Table({ t: timeColumn(new TimestampMillisecond(), millis), j: makeVector(Int32Array.from(millis.map((_, i) => i))) }),
    ns: new Table({ t: timeColumn(new TimestampNanosecond(), nanos), j: makeVector(Int32Array.from(nanos.map((_, i) => 100 + i))) }),
    day: new Table({ t: timeColumn(new DateDay(), days), d: makeVector(Int32Array.from(days.map((_, i) => 200 + i))) }),
  };
  const raw = { s: secs, ms: millis, ns: nanos, day: days };

  /**
   * The reference for time keys: nestedLoopJoin on each row's instant in nanoseconds (exact BigInt
   * text) instead of its key column, which the output keeps on the left and drops on the right.
   */
  function instantJoin(l: keyof typeof raw, r: keyof typeof raw, how: 'inner' | 'left'): Row[] {
    const instant = (side: keyof typeof raw, i: number) => (raw[side][i] === null ? null : String(raw[side][i]! * PER[side]));
    const lRows = rowsOf(timeTables[l]).map((row, i) => ({ ...row, _instant: instant(l, i) }));
    const rRows = rowsOf(timeTables[r]).map(({ t: _t, ...row }, i) => ({ ...row, _instant: instant(r, i) }));
    const joined = nestedLoopJoin(lRows, rRows, ['_instant'], ['_instant'], how, namesOf(timeTables[l]), Object.keys(rRows[0]!));
    return joined.map(({ _instant, ...row }) => row);
  }

  it('writes the time tables (and a copy of one, to join it with itself by shuffle)', async () => {
    for (const [name, t] of Object.entries(timeTables))
      await writeArrowFile(
        at(`time-${name}.arrow`),
        t.batches.flatMap((b) => [b.slice(0, 3), b.slice(3)]),
      );
    await writeArrowFile(at('time-ns-copy.arrow'), timeTables.ns.batches);
  });

  const pairs: Array<[keyof typeof raw, keyof typeof raw]> = [
    ['s', 'ms'],
    ['ms', 's'],
    ['s', 'ns'],
    ['ns', 'ms'],
    ['day', 'ms'],
    ['day', 'ns'],
    ['ns', 'ns'],
  ];
  for (const workers of [1, 2, 3]) {
    for (const strategy of ['broadcast', 'shuffle'] as const) {
      it(`joins date and timestamp keys of different units by instant, nanoseconds exactly: ${workers} worker(s), ${strategy}`, async () => {
        for (const [l, r] of pairs) {
          const right = at(l === r ? `time-${r}-copy.arrow` : `time-${r}.arrow`);
          for (const how of ['inner', 'left'] as const) {
            for (const batchRows of [2, undefined]) {
              const { table } = await engines
                .get(workers)!
                .run('join', { input: at(`time-${l}.arrow`), params: { right, on: 't', how, strategy }, batchRows });
              expect(rowsOf(table), `${l} with ${r}, ${how}, batchRows ${batchRows}`).toEqual(instantJoin(l, r, how));
            }
          }
        }
      });
    }
  }

  it('matches some instants of each pair (the reference is not vacuous)', () => {
    for (const [l, r] of pairs) expect(instantJoin(l, r, 'inner').length, `${l} with ${r}`).toBeGreaterThan(0);
    // Instants 1 ns apart are apart: each matches only itself.
    expect(instantJoin('ns', 'ns', 'inner').length).toBe(nanos.filter((v) => v !== null).length);
  });

  it('rejects an instant key against a time of day before any work, saying so', async () => {
    const time = new Table({ t: timeColumn(new TimeSecond(), [0, 1]), x: makeVector(Int32Array.from([0, 1])) });
    await writeArrowFile(at('time-of-day.arrow'), time.batches);
    for (const strategy of ['broadcast', 'shuffle']) {
      const m = await failure(
        engines.get(2)!.run('join', { input: at('time-s.arrow'), params: { right: at('time-of-day.arrow'), on: 't', strategy } }),
      );
      expect(m).toMatch(
        /key column "t" of \S*time-s\.arrow is Timestamp<SECOND> \(an instant\) but "t" of \S*time-of-day\.arrow is Time32<SECOND> \(a time of day\), so no key could ever match; join on columns that count the same thing, or convert one first/,
      );
    }
  });

  it('joins 64-bit integers past 2^53 exactly, with floats and with text that spells them', async () => {
    const big = 2n ** 53n;
    const l = new Table({
      id: vectorFromArray([big + 1n, big + 2n, 3n, null, big], new Int64()),
      i: makeVector(Int32Array.from([0, 1, 2, 3, 4])),
    });
    const r = new Table({
      id: vectorFromArray([Number(big), Number(big + 2n), 3, 2 ** 60], new Float64()),
      j: makeVector(Int32Array.from([0, 1, 2, 3])),
    });
    const text = new Table({
      id: vectorFromArray([String(big + 1n), String(big), '3', '9007199254740993.0'], new Utf8()),
      j: makeVector(Int32Array.from([0, 1, 2, 3])),
    });
    await writeArrowFile(at('big-left.arrow'), l.batches);
    await writeArrowFile(at('big-float.arrow'), r.batches);
    await writeArrowFile(at('big-text.arrow'), text.batches);
    for (const strategy of ['broadcast', 'shuffle']) {
      const floats = await engines
        .get(2)!
        .run('join', { input: at('big-left.arrow'), params: { right: at('big-float.arrow'), on: 'id', strategy, how: 'left' } });
      // 2^53 + 1 is no float: it used to match 2^53, its nearest.
      expect(rowsOf(floats.table).map((row) => [row.i, row.j])).toEqual([
        [0, null],
        [1, 1],
        [2, 2],
        [3, null],
        [4, 0],
      ]);
      const texts = await engines
        .get(3)!
        .run('join', { input: at('big-left.arrow'), params: { right: at('big-text.arrow'), on: 'id', strategy } });
      expect(rowsOf(texts.table).map((row) => [row.i, row.j])).toEqual([
        [0, 0],
        [2, 2],
        [4, 1],
      ]);
    }
  });
});

describe("join over CSV read with the run's CSV options", () => {
  const csvDir = tempDir();
  const left = path.join(csvDir, 'orders.csv');
  const right = path.join(csvDir, 'customers.csv');
  // Semicolon-delimited, with NA for a null: both sides need the run's --delimiter and --null.
  const leftRows = Array.from({ length: 60 }, (_, i) => ({ order: i, cid: i % 9 === 4 ? null : i % 7, amount: i * 1.5 }));
  const rightRows = Array.from({ length: 6 }, (_, i) => ({ cid: i, name: `c;${i}` }));
  const csv = (rows: Row[], cols: string[]) =>
    [
      cols.join(';'),
      ...rows.map((r) => cols.map((c) => (r[c] === null ? 'NA' : typeof r[c] === 'string' ? `"${r[c]}"` : String(r[c]))).join(';')),
    ].join('\n') + '\n';
  writeFileSync(left, csv(leftRows, ['order', 'cid', 'amount']));
  writeFileSync(right, csv(rightRows, ['cid', 'name']));
  const formatOptions = { csv: { delimiter: ';', nullValues: ['NA'] } };

  for (const strategy of ['broadcast', 'shuffle'] as const) {
    for (const workers of [1, 2, 3]) {
      it(`joins like nested loops with ${workers} worker(s), ${strategy}`, async () => {
        for (const how of ['inner', 'left'] as const) {
          const { table } = await engines
            .get(workers)!
            .run('join', { input: left, formatOptions, splitSize: '256B', params: { right, on: 'cid', how, strategy } });
          const want = nestedLoopJoin(leftRows, rightRows, ['cid'], ['cid'], how, ['order', 'cid', 'amount'], ['cid', 'name']);
          const key = (r: Row) => `${r.order}|${r.name}`;
          expect(
            rowsOf(table).sort((a, b) => key(a).localeCompare(key(b))),
            `${how}`,
          ).toEqual(want.sort((a, b) => key(a).localeCompare(key(b))));
        }
      });
    }
  }
});

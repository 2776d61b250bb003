import { Decimal, Int32, Int64, Uint64, makeData, makeVector, RecordBatch, Schema, Field, Struct } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeContext } from '../../dist/src/worker/context.js';
import { groups } from '../../dist/jobs/groupby.js';
import { finishAcc, planAggs } from '../../dist/jobs/groupby/aggregates.js';
import { CARRY_ROWS } from '../../dist/jobs/groupby/exact.js';
import { passOf, type Sealed } from '../../dist/jobs/groupby/partials.js';
import { keyPartsOf } from '../../dist/jobs/groupby/row-keys.js';

/**
 * groupby's exact sums past the point where a float slot would round: 3 × CARRY_ROWS + 5 rows in one
 * batch (the map folds it in pieces, carrying between them) of Int64 near 2^63, UInt64 near 2^64,
 * DECIMAL(38,0) near ±10^37 and Int32 near ±2^31, into 3 groups (one of 2.7M rows: more than the
 * 2^21 rows a float slot adds 32-bit limbs exactly for), through the keyed pass's own map,
 * flush, combine and finish; against BigInt sums of the same values. In memory: a file of this many
 * rows would be tens of MB.
 */

const N = 3 * CARRY_ROWS + 5;
const KINDS = { i: { kind: 'i64', scale: 1 }, u: { kind: 'u64', scale: 1 }, d: { kind: 'd128', scale: 1 }, x: { kind: 'int', scale: 1 } };

/** A deterministic value stream: i-th value of a column, as a bigint. */
const value = {
  i: (i: number) => 2n ** 63n - 1n - BigInt((i * 7919) % 1000),
  u: (i: number) => 2n ** 64n - 1n - BigInt((i * 104729) % 5000),
  d: (i: number) => (i % 2 === 0 ? 1n : -1n) * (10n ** 37n - BigInt(i)),
  x: (i: number) => BigInt(i % 3 === 0 ? -(2 ** 31) : 2 ** 31 - 1 - (i % 17)),
};

function batchOf(): RecordBatch {
  const k = new Int32Array(N),
    i64 = new BigInt64Array(N),
    u64 = new BigUint64Array(N),
    d = new Uint32Array(4 * N),
    x = new Int32Array(N);
  for (let r = 0; r < N; r++) {
    k[r] = r % 7 === 0 ? 1 : r % 7 === 1 ? 2 : 0;
    i64[r] = value.i(r);
    u64[r] = value.u(r);
    let w = BigInt.asUintN(128, value.d(r));
    for (let j = 0; j < 4; j++, w >>= 32n) d[4 * r + j] = Number(w & 0xffffffffn);
    x[r] = Number(value.x(r));
  }
  const fields = [
    new Field('k', new Int32()),
    new Field('i', new Int64()),
    new Field('u', new Uint64()),
    new Field('d', new Decimal(0, 38, 128)),
    new Field('x', new Int32()),
  ];
  const children = [
    makeData({ type: new Int32(), data: k }),
    makeData({ type: new Int64(), data: i64 }),
    makeData({ type: new Uint64(), data: u64 }),
    makeData({ type: new Decimal(0, 38, 128), data: d }),
    makeData({ type: new Int32(), data: x }),
  ];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: N, children }));
}

describe('groupby exact sums', () => {
  it(`sums ${N} rows of Int64, UInt64, DECIMAL(38,0) and Int32 exactly, across carries and merged partials`, () => {
    const batch = batchOf();
    const agg = ['sum:i', 'sum:u', 'sum:d', 'sum:x', 'min:i', 'max:u', 'min:d'];
    const params = { by: ['k'], agg, kinds: KINDS };
    // Two "workers": the rows split at an odd place, each folded and flushed (a partial per bucket of
    // groups), then the partials of each bucket combined and sealed, as a reducer does.
    const buckets = new Map<number, unknown>();
    const ctx = () => makeContext(params, { id: 0, of: 1, file: 'memory', describe: 'memory' }, {}, {});
    for (const [from, to] of [
      [0, 5],
      [5, N],
    ]) {
      const worker = ctx();
      groups.map(batch.slice(from, to), () => {}, worker);
      groups.flush!(
        (key, p) => buckets.set(key as number, buckets.has(key as number) ? groups.combine(buckets.get(key as number), p, worker) : p),
        worker,
      );
    }
    const plan = planAggs(agg, KINDS as never);
    const reducer = ctx();
    const sealed = [...buckets].map(([b, p]) => groups.reduce!(b, p, reducer) as Sealed);
    const pass = passOf(sealed, 1, plan.width);
    const { dictionary, codes } = pass.keys[0]!;
    const keys = keyPartsOf(dictionary.bytes, dictionary.offsets, dictionary.offsets.length - 1, 1)[0]!;
    const partials = new Map<number, number[]>();
    for (let i = 0; i < pass.n; i++)
      partials.set(
        keys[codes[i]!] as number,
        pass.slots.map((column) => column[i]!),
      );
    expect(pass.n).toBe(3);
    for (let g = 0; g < 3; g++) {
      const want = { i: 0n, u: 0n, d: 0n, x: 0n };
      let minI: bigint | undefined, maxU: bigint | undefined, minD: bigint | undefined;
      for (let r = 0; r < N; r++) {
        if ((r % 7 === 0 ? 1 : r % 7 === 1 ? 2 : 0) !== g) continue;
        for (const c of ['i', 'u', 'd', 'x'] as const) want[c] += value[c](r);
        if (minI === undefined || value.i(r) < minI) minI = value.i(r);
        if (maxU === undefined || value.u(r) > maxU) maxU = value.u(r);
        if (minD === undefined || value.d(r) < minD) minD = value.d(r);
      }
      const got = finishAcc(plan, partials.get(g) as never);
      expect(got, `group ${g}`).toEqual([want.i, want.u, want.d, want.x, minI, maxU, minD]);
      // The sums are far past 2^53 (where a double sum would have rounded).
      expect(want.i > 2n ** 80n && want.u > 2n ** 80n).toBe(true);
    }
  });
});

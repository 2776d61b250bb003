import { DataType, makeData, makeVector, type Vector } from 'apache-arrow';
import { vectorOf, type Cell } from '../shared/vectors.js';
import { finishAcc } from './aggregates.js';
import type { Acc, Agg, AggPlan } from './types.js';

/**
 * The aggregates' output columns of the groups `order` (their rows in the result), from every group's
 * float slots (`slots[j][g]`) and value lists. count, and sum, mean, min and max of doubles are
 * finished a column at a time, straight into typed arrays; the others (exact sums, sd, median, …)
 * through `finishAcc` and a JS value per group. A value per group and its trip through vectorOf were
 * a second of q10's 10M groups on the main thread. `typesOf` gives an aggregate's output types
 * (columns.ts' `outputTypes`); it is asked once per aggregate, in the plan's order.
 */
export function finishedColumns(
  plan: AggPlan,
  typesOf: (a: Agg) => DataType[],
  slots: ArrayLike<number>[],
  lists: Array<Vector | null>,
  order: Int32Array,
): Array<{ name: string; type: DataType; vector: Vector }> {
  let values: Cell[][] | undefined;
  const out: Array<{ name: string; type: DataType; vector: Vector }> = [];
  let c = 0;
  for (const a of plan.aggs) {
    const types = typesOf(a);
    const typed = typedColumn(a, types[0]!, slots, order);
    types.forEach((type, t) => {
      const name = a.names[t]!;
      if (typed) out.push({ name, type, vector: typed });
      else {
        values ??= finishAll(lists, plan, slots, slots[0]?.length ?? 0);
        const column = values[c]!;
        out.push({
          name,
          type,
          vector: vectorOf(
            type,
            Array.from(order, (i) => column[i]!),
            name,
          ),
        });
      }
      c++;
    });
  }
  return out;
}

const TWO31 = 2 ** 31;
const TWO32 = 2 ** 32;

/**
 * An Int64 column of whole-number slots, written as two 32-bit words a group, no BigInt per group:
 * counts and double-kernel sums (one slot: `lo`, below 2^53), and sums of integers of 32 bits or less
 * kept as one limb and its carry slot (`lo`, `hi`: exact.ts; 100K groups of q5's two integer sums took
 * ~40 ms of the main thread's tail through the generic path's BigInt and value per group). Undefined
 * when a value does not fit 64 bits, which the generic path then reports. A slot still at −0 saw no
 * value (counts start at +0): SQL's NULL.
 */
function int64Column(type: DataType, lo: ArrayLike<number>, hi: ArrayLike<number> | undefined, order: Int32Array): Vector | undefined {
  const n = order.length;
  const words = new Int32Array(2 * n);
  const valid = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const g = order[i]!;
    const l = lo[g]!;
    if (Object.is(l, -0)) {
      nulls++;
      continue;
    }
    valid[i >> 3]! |= 1 << (i & 7);
    const carry = Math.floor(l / TWO32);
    const top = (hi === undefined ? 0 : hi[g]!) + carry;
    if (top < -TWO31 || top >= TWO31) return undefined;
    words[2 * i] = (l - carry * TWO32) | 0;
    words[2 * i + 1] = top;
  }
  const nullBitmap = nulls > 0 ? valid : undefined;
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap, data: new BigInt64Array(words.buffer) } as never));
}

/** `a`'s one output column, finished a column at a time, or undefined when it is not of the kinds that can be. */
function typedColumn(a: Agg, type: DataType, slots: ArrayLike<number>[], order: Int32Array): Vector | undefined {
  const p = a.parts[0];
  const n = order.length;
  if (p && DataType.isInt(type) && type.bitWidth === 64) {
    if (a.op === 'count' || (a.op === 'sum' && p.kernel === 'sum')) return int64Column(type, slots[p.slot]!, undefined, order);
    if (a.op === 'sum' && p.kernel === 'xsum' && p.width === 2) return int64Column(type, slots[p.slot]!, slots[p.slot + 1]!, order);
  }
  if (!p || !DataType.isFloat(type) || type.precision === 0) return undefined;
  const data = new (type.precision === 1 ? Float32Array : Float64Array)(n);
  const valid = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  const x = slots[p.slot]!;
  if (a.op === 'sum' && p.kernel === 'sum') {
    // A sum that saw no value keeps its −0 (groupby/README.md): SQL's NULL.
    for (let i = 0; i < n; i++) {
      const v = x[order[i]!]!;
      if (Object.is(v, -0)) nulls++;
      else (data[i] = v), (valid[i >> 3]! |= 1 << (i & 7));
    }
  } else if (a.op === 'mean' && p.kernel === 'mean') {
    const count = slots[p.slot + 1]!;
    for (let i = 0; i < n; i++) {
      const g = order[i]!;
      if (count[g] === 0) nulls++;
      else (data[i] = x[g]! / count[g]!), (valid[i >> 3]! |= 1 << (i & 7));
    }
  } else if ((a.op === 'min' && p.kernel === 'min') || (a.op === 'max' && p.kernel === 'max')) {
    // A min or max that saw no value keeps its ±Infinity start.
    for (let i = 0; i < n; i++) {
      const v = x[order[i]!]!;
      if (v === Infinity || v === -Infinity) nulls++;
      else (data[i] = v), (valid[i >> 3]! |= 1 << (i & 7));
    }
  } else return undefined;
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls > 0 ? valid : undefined, data } as never));
}

/** Every group's finished aggregates, one array per output column (`arrays`: the slot columns). */
function finishAll(lists: Array<Vector | null>, plan: AggPlan, arrays: ArrayLike<number>[], n: number): Cell[][] {
  const columns: Cell[][] = plan.names.map(() => new Array<Cell>(n));
  const width = plan.width;
  for (let i = 0; i < n; i++) {
    const acc: Acc = new Array<number>(width);
    for (let j = 0; j < width; j++) acc[j] = arrays[j]![i]!;
    // A median the reducer finished is a number (aggregates.ts' finishLists).
    for (const list of lists) {
      const v: unknown = list?.get(i);
      acc.push(typeof v === 'number' ? v : listOf(v));
    }
    finishAcc(plan, acc).forEach((v, k) => {
      columns[k]![i] = v;
    });
  }
  return columns;
}

/** A list cell as a Float64Array (empty for a missing list). */
function listOf(v: unknown): Float64Array {
  if (v === null || v === undefined) return new Float64Array(0);
  return Float64Array.from((v as { toArray(): ArrayLike<number> }).toArray());
}

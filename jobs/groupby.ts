import { defineJob, joinKey, type JobContext } from 'quiver';
import type { RecordBatch } from 'apache-arrow';

/**
 * Group-by with aggregations, as in the db-benchmark questions: `--param by=id1,id2` and
 * `--param agg=sum:v1,mean:v3,count,min:v2,max:v2`. Output: the key columns, then one column per
 * aggregate in the order given, named `sum_v1`, `mean_v3`, `count`, `min_v2`, `max_v2`.
 *
 * `map` works column at a time, as analytical engines do: one pass turns each row's key into a
 * dense group id (one hash lookup per row), then each aggregate is a tight loop over its typed-array
 * column into a Float64Array of per-group slots. The groups live in `ctx.state` for the whole split and
 * `flush` emits each group once per split (in-mapper combining), so the shuffle moves one partial per
 * group per split, whatever the number of rows.
 */
type Op = 'sum' | 'mean' | 'count' | 'min' | 'max';
type Agg = { op: Op; column?: string; name: string; slot: number };
type Plan = { aggs: Agg[]; width: number; init: number[] };

/** Per-split state: key → group id, and `width` accumulator slots per group. */
class Groups {
  ids = new Map<string | number, number>();
  keys: Array<string | number> = [];
  slots: Float64Array;
  private idBuffer = new Int32Array(0);
  constructor(readonly plan: Plan) {
    this.slots = new Float64Array(1024 * plan.width);
  }
  /** Replaces every group's key by `f(key)` (keys must stay distinct). */
  rekey(f: (key: string | number) => string | number): void {
    this.keys = this.keys.map(f);
    this.ids = new Map(this.keys.map((k, id) => [k, id]));
  }
  /** The group id of every row, adding new groups with their initial slots (the array is reused per batch). */
  assign(keys: ArrayLike<string | number>, n: number): Int32Array {
    if (this.idBuffer.length < n) this.idBuffer = new Int32Array(n);
    const out = this.idBuffer.subarray(0, n);
    const { ids } = this;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      let id = ids.get(k);
      if (id === undefined) id = this.add(k);
      out[i] = id;
    }
    return out;
  }
  private add(k: string | number): number {
    const id = this.keys.length;
    const { width, init } = this.plan;
    if ((id + 1) * width > this.slots.length) {
      const grown = new Float64Array(this.slots.length * 2);
      grown.set(this.slots);
      this.slots = grown;
    }
    this.slots.set(init, id * width);
    this.ids.set(k, id);
    this.keys.push(k);
    return id;
  }
}

const plans = new WeakMap<string[], Plan>();
let last: { specs?: string[]; plan?: Plan } = {};

/** Parses `agg` once per run (the params object, and so this array, is the same for every call). */
function parseAggs(specs: string[]): Plan {
  if (last.specs === specs) return last.plan!;
  let p = plans.get(specs);
  if (p) {
    last = { specs, plan: p };
    return p;
  }
  let slot = 0;
  const aggs = specs.map((spec): Agg => {
    const [op, column] = spec.split(':') as [Op, string | undefined];
    if (!['sum', 'mean', 'count', 'min', 'max'].includes(op)) throw new Error(`--param agg: unknown aggregate "${op}" in "${spec}"; use sum:col, mean:col, count, min:col or max:col`);
    if (op !== 'count' && !column) throw new Error(`--param agg: "${spec}" needs a column, e.g. ${op}:v1`);
    const agg: Agg = { op, column, name: op === 'count' ? 'count' : `${op}_${column}`, slot };
    slot += op === 'mean' ? 2 : 1;
    return agg;
  });
  const init = new Array<number>(slot).fill(0);
  for (const a of aggs) if (a.op === 'min') init[a.slot] = Infinity; else if (a.op === 'max') init[a.slot] = -Infinity;
  p = { aggs, width: slot, init };
  plans.set(specs, p);
  return p;
}

/** One aggregate over one column: a plain loop, slot `s` of group `ids[i]`. */
function aggregate(op: Op, col: ArrayLike<number> | undefined, ids: Int32Array, slots: Float64Array, w: number, s: number): void {
  const n = ids.length;
  switch (op) {
    case 'count':
      for (let i = 0; i < n; i++) slots[ids[i]! * w + s]! += 1;
      break;
    case 'sum':
      for (let i = 0; i < n; i++) slots[ids[i]! * w + s]! += col![i]!;
      break;
    case 'mean':
      for (let i = 0; i < n; i++) {
        const at = ids[i]! * w + s;
        slots[at]! += col![i]!;
        slots[at + 1]! += 1;
      }
      break;
    case 'min':
      for (let i = 0; i < n; i++) {
        const at = ids[i]! * w + s;
        if (col![i]! < slots[at]!) slots[at] = col![i]!;
      }
      break;
    case 'max':
      for (let i = 0; i < n; i++) {
        const at = ids[i]! * w + s;
        if (col![i]! > slots[at]!) slots[at] = col![i]!;
      }
      break;
  }
}

/**
 * Dictionary codes of composite-key parts, per worker: each part value gets a small dense code, and a
 * row's key is the number code0·2^B + code1 (…), so the per-row work is a few lookups of short keys
 * instead of building and hashing one joined string per row. Keys go back to `joinKey` strings at
 * `flush`, because codes differ between workers.
 */
class PartCodes {
  private readonly codes: Array<Map<string | number, number>>;
  private readonly values: Array<Array<string | number>>;
  constructor(parts: number, readonly bits: number) {
    this.codes = Array.from({ length: parts }, () => new Map());
    this.values = Array.from({ length: parts }, () => []);
  }
  /** The combined code of each row, or undefined once a part has more distinct values than `bits` allow. */
  encode(cols: Array<ArrayLike<string | number>>, n: number): Float64Array | undefined {
    const out = new Float64Array(n);
    const limit = 2 ** this.bits;
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      const codes = this.codes[j]!;
      const values = this.values[j]!;
      for (let i = 0; i < n; i++) {
        const v = col[i]!;
        let c = codes.get(v);
        if (c === undefined) {
          c = values.length;
          if (c >= limit) return undefined;
          codes.set(v, c);
          values.push(v);
        }
        out[i] = out[i]! * limit + c;
      }
    }
    return out;
  }
  /** The `joinKey` string of a combined code. */
  decode(code: number): string {
    const parts = new Array<string | number>(this.values.length);
    for (let j = this.values.length - 1; j >= 0; j--) {
      const c = code % 2 ** this.bits;
      parts[j] = this.values[j]![c]!;
      code = (code - c) / 2 ** this.bits;
    }
    return joinKey(...parts);
  }
}

/** The group key of every row: a column's values, composite codes (see PartCodes), or joined strings. */
function keysOf(batch: RecordBatch, by: string[], ctx: JobContext, groups: Groups): ArrayLike<string | number> {
  const cols = by.map((c) => {
    const type = String(batch.getChild(c)?.type ?? '');
    return /Utf8|Dictionary/.test(type) ? ctx.strings(batch, c) : (ctx.column(batch, c) as ArrayLike<number>);
  });
  if (cols.length === 1) return cols[0]!;
  const state = ctx.state as { parts?: PartCodes | null };
  // 53 bits of a double shared by the parts; beyond that (or once a part outgrows its bits) join strings.
  if (state.parts === undefined) state.parts = cols.length <= 3 ? new PartCodes(cols.length, Math.floor(53 / cols.length)) : null;
  const codes = state.parts?.encode(cols, batch.numRows);
  if (codes) return codes;
  if (state.parts) {
    // A part outgrew its bits: re-key the groups made so far by their joined strings, and join from now on.
    groups.rekey((code) => state.parts!.decode(code as number));
    state.parts = null;
  }
  const out = new Array<string>(batch.numRows);
  for (let i = 0; i < out.length; i++) out[i] = joinKey(...cols.map((c) => c[i] as string | number));
  return out;
}

export default defineJob({
  name: 'groupby',
  description: 'group rows by key columns and aggregate (sum, mean, count, min, max)',
  params: {
    by: { type: 'list', description: 'key column(s), e.g. id1 or id1,id2' },
    agg: { type: 'list', default: ['count'], description: 'aggregates, e.g. sum:v1,mean:v3,count' },
  },
  columns: (params) => [...(params.by as string[]), ...(params.agg as string[]).flatMap((a) => a.split(':').slice(1))],
  // Value names come from the row objects `reduce` returns; declaring them too names the columns of an empty result.
  output: (params) => ({ key: params.by as string[], value: parseAggs(params.agg as string[]).aggs.map((a) => a.name) }),
  map(batch, _emit, ctx) {
    const plan = parseAggs(ctx.params.agg as string[]);
    const groups = ((ctx.state.groups as Groups | undefined) ??= new Groups(plan)) as Groups;
    const ids = groups.assign(keysOf(batch, ctx.params.by as string[], ctx, groups), batch.numRows);
    for (const a of plan.aggs) {
      const col = a.column ? (ctx.column(batch, a.column) as ArrayLike<number>) : undefined;
      if (col && typeof col[0] === 'bigint') throw new Error(`column "${a.column}" is 64-bit integers; groupby aggregates 32-bit integers and floats`);
      aggregate(a.op, col, ids, groups.slots, plan.width, a.slot);
    }
  },
  flush(emit, ctx) {
    const groups = ctx.state.groups as Groups | undefined;
    if (!groups) return;
    const { slots, keys } = groups;
    const parts = (ctx.state as { parts?: PartCodes | null }).parts;
    const w = groups.plan.width;
    for (let id = 0; id < keys.length; id++) {
      const acc = new Array<number>(w);
      for (let j = 0; j < w; j++) acc[j] = slots[id * w + j]!;
      emit(parts ? parts.decode(keys[id] as number) : keys[id]!, acc);
    }
  },
  combine(a: number[], b: number[], ctx) {
    const { aggs } = parseAggs(ctx.params.agg as string[]);
    for (let j = 0; j < aggs.length; j++) {
      const g = aggs[j]!;
      const s = g.slot;
      if (g.op === 'min') a[s] = Math.min(a[s]!, b[s]!);
      else if (g.op === 'max') a[s] = Math.max(a[s]!, b[s]!);
      else {
        a[s]! += b[s]!;
        if (g.op === 'mean') a[s + 1]! += b[s + 1]!;
      }
    }
    return a;
  },
  reduce(_key, acc: number[], ctx) {
    // One number per aggregate, in the order of `output.value`: numbers travel as one Float64Array.
    const { aggs } = parseAggs(ctx.params.agg as string[]);
    return aggs.map((a) => (a.op === 'mean' ? acc[a.slot]! / acc[a.slot + 1]! : acc[a.slot]!));
  },
});

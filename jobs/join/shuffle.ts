import { resolve } from 'node:path';
import { Table, type Vector } from 'apache-arrow';
import { defineJob, makePlan, UsageError, type DriverContext, type Key } from 'quiver';
import { joinedTable } from './assemble.js';
import { batchKeys } from './keys.js';
import { chunkOf, pick, tableOfChunks, type Chunk } from './take.js';
import type { JoinParams } from './params.js';

/**
 * The partitioned (shuffle) join, with late materialization: a keyed pass over both inputs sends each
 * row's reference — (split, row within split), as split · 2³² + row — to the reducer of its key, which
 * pairs the key's left and right rows; the driver orders the pairs by left row; a fold over both inputs
 * then cuts the paired rows out of their batches, and its finish puts them side by side. Only keys and
 * 8-byte references cross the shuffle, and every column keeps its type. The two passes plan the same
 * input the same way, so a reference means the same row in both. A side is told by its files.
 */
const SPLIT = 2 ** 32;

/** Whether a task reads the right input: its file is one of the right input's (paths resolved, as one file may be named two ways). */
const isRight = (ctx: { params: Record<string, unknown>; split: { file: string } }) => (ctx.params.rightFiles as string[]).includes(resolve(ctx.split.file));

/** Pass 1: key → its left references (≥ 0) and right references (−1 − ref), paired by reduce. */
export const match = defineJob({
  name: 'join-match',
  params: {
    on: { type: 'list' }, rightOn: { type: 'list' }, how: { type: 'string' },
    rightFiles: { type: 'list', description: 'the files of the right input; the others are left' },
  },
  output: { key: 'key', value: ['left', 'right'] },
  sort: 'none',
  map(batch, _emit, ctx) {
    const right = isRight(ctx);
    const state = ctx.state as { rows?: Map<number, number>; refs?: Map<Key, number[]> };
    const seen = (state.rows ??= new Map());
    const base = ctx.split.id * SPLIT + (seen.get(ctx.split.id) ?? 0);
    seen.set(ctx.split.id, (seen.get(ctx.split.id) ?? 0) + batch.numRows);
    const keys = batchKeys(batch, ctx.params[right ? 'rightOn' : 'on'] as string[], right ? 'rightOn' : 'on', ctx.split.file);
    // A left join keeps left rows with no key: they travel under NaN, a key no row has.
    const keyless = !right && ctx.params.how === 'left' ? NaN : undefined;
    const refs = (state.refs ??= new Map());
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] ?? keyless;
      if (k === undefined) continue;
      let list = refs.get(k);
      if (!list) refs.set(k, (list = []));
      list.push(right ? -1 - (base + i) : base + i);
    }
  },
  // Lists of plain numbers, not typed arrays: v8 serializes a number array in one step, a typed array as a host object.
  flush(emit, ctx) {
    for (const [k, refs] of (ctx.state.refs as Map<Key, number[]> | undefined) ?? []) emit(k, refs);
    ctx.state.refs = new Map();
  },
  combine(a: number[], b: number[]) {
    for (const r of b) a.push(r);
    return a;
  },
  reduce(_key, refs: number[], ctx) {
    const left = refs.filter((r) => r >= 0).sort((x, y) => x - y);
    const right = refs.filter((r) => r < 0).map((r) => -1 - r).sort((x, y) => x - y);
    const out = { left: [] as number[], right: [] as number[] };
    for (const l of left) {
      for (const r of right) out.left.push(l), out.right.push(r);
      if (right.length === 0 && ctx.params.how === 'left') out.left.push(l), out.right.push(-1);
    }
    return out;
  },
});

interface Gathered { left: Chunk[]; right: Chunk[]; row: number; seq: number }

/** Pass 2: the rows the pairs name, cut out of each batch; finish joins them. */
export const gather = defineJob({
  name: 'join-gather',
  params: {
    rightFiles: { type: 'list' }, rightOn: { type: 'list' }, columns: { type: 'list' },
    pairs: { type: 'json', description: 'left and right references of the output rows, in output order (shared memory, set by the driver)' },
  },
  identity: (): Gathered => ({ left: [], right: [], row: 0, seq: 0 }),
  fold(acc: Gathered, batch, ctx) {
    const { left, needed } = ctx.params.pairs as unknown as Pairs;
    const right = isRight(ctx);
    const wanted = right ? needed : left;
    const lo = ctx.split.id * SPLIT + acc.row;
    acc.row += batch.numRows;
    const rows: number[] = [];
    for (let i = lowerBound(wanted, lo); i < wanted.length && wanted[i]! < lo + batch.numRows; i++) rows.push(wanted[i]! - lo);
    const chunks = right ? acc.right : acc.left;
    if (rows.length > 0 || chunks.length === 0) chunks.push(chunkOf(pick(batch, Int32Array.from(rows)), ctx.split.id, acc.seq));
    acc.seq++;
    return acc;
  },
  merge: (a: Gathered, b: Gathered) => ({ left: a.left.concat(b.left), right: a.right.concat(b.right), row: 0, seq: 0 }),
  finish(acc: Gathered, { params }) {
    const { right, needed } = params.pairs as unknown as Pairs;
    const rows = positionsIn(needed, right);
    return joinedTable(tableOfChunks(acc.left) ?? new Table({}), tableOfChunks(acc.right) ?? new Table({}), rows, params.rightOn as string[], params.columns as string[]);
  },
});

/** The output rows as references: `left` ascending, `right` beside it (−1: none), and the distinct right references ascending. */
interface Pairs { left: Float64Array; right: Float64Array; needed: Float64Array }

/** The join by pass 1, ordering the pairs, and pass 2, over the left and right inputs as one input. */
export async function shuffleJoin(q: DriverContext, p: JoinParams): Promise<Table> {
  if (q.input.length === 0) throw new UsageError('the shuffle strategy reads the left input from files: pass -i <file, directory or glob>');
  const rightFiles = p.rightPlan.files.map((f) => resolve(f.path));
  const leftPlan = await makePlan({ inputs: q.input, workers: q.workers });
  const both = leftPlan.files.find((f) => rightFiles.includes(resolve(f.path)));
  if (both) throw new UsageError(`${both.path} is both the left and the right input; the shuffle strategy tells the sides by file, so join a file with itself with --param strategy=broadcast`);
  const input = [...q.input, p.right];
  const { table } = await q.run(match, { input, params: { on: p.on, rightOn: p.rightOn, how: p.how, rightFiles } });
  const left = flatList(table.getChild('left'));
  const right = flatList(table.getChild('right'));
  const order = ascending(left);
  const pairs: Pairs = { left: q.shared(Float64Array, left.length), right: q.shared(Float64Array, left.length), needed: new Float64Array(0) };
  for (let i = 0; i < order.length; i++) {
    pairs.left[i] = left[order[i]!]!;
    pairs.right[i] = right[order[i]!]!;
  }
  const sorted = right.filter((r) => r >= 0).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (distinct === 0 || sorted[i] !== sorted[distinct - 1]) sorted[distinct++] = sorted[i]!;
  pairs.needed = q.shared(Float64Array, distinct);
  pairs.needed.set(sorted.subarray(0, distinct));
  const { value } = await q.run(gather, { input, params: { rightFiles, rightOn: p.rightOn, columns: p.columns, pairs: pairs as never } });
  return value as Table;
}

/** The items of a List<Float64> column, all lists end to end. */
function flatList(vector: Vector | null): Float64Array {
  const parts = (vector?.data ?? []).filter((d) => d.children.length > 0).map((d) => {
    const offsets = d.valueOffsets as Int32Array;
    return (d.children[0]!.values as Float64Array).subarray(offsets[0], offsets[d.length]);
  });
  const out = new Float64Array(parts.reduce((n, x) => n + x.length, 0));
  parts.reduce((at, x) => (out.set(x, at), at + x.length), 0);
  return out;
}

/**
 * Indices of `refs` (integers in [0, 2⁵³)) in ascending order of their values, stable: an LSD radix
 * sort on 16-bit digits, skipping a digit every ref shares (a row's high bits, mostly).
 */
function ascending(refs: Float64Array): Int32Array {
  const n = refs.length;
  let order = Int32Array.from(refs.keys());
  let next = new Int32Array(n);
  const digit = new Uint16Array(n);
  for (let shift = 0; shift < 53; shift += 16) {
    const count = new Int32Array(65537);
    for (let i = 0; i < n; i++) count[(digit[i] = Math.floor(refs[i]! / 2 ** shift) % 65536) + 1]!++;
    if (n === 0 || count[digit[0]! + 1] === n) continue;
    for (let d = 0; d < 65536; d++) count[d + 1]! += count[d]!;
    for (let j = 0; j < n; j++) next[count[digit[order[j]!]!]!++] = order[j]!;
    [order, next] = [next, order];
  }
  return order;
}

/** Where each of `refs` is in `needed` (sorted, distinct), −1 for a negative ref: a row → position array per split. */
function positionsIn(needed: Float64Array, refs: Float64Array): Int32Array {
  const bySplit = new Map<number, Int32Array>();
  for (let i = 0, j = 0; i < needed.length; i = j) {
    const split = Math.floor(needed[i]! / SPLIT);
    while (j < needed.length && needed[j]! < (split + 1) * SPLIT) j++;
    const rows = new Int32Array(needed[j - 1]! - split * SPLIT + 1);
    for (let m = i; m < j; m++) rows[needed[m]! - split * SPLIT] = m;
    bySplit.set(split, rows);
  }
  const out = new Int32Array(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    out[i] = r < 0 ? -1 : bySplit.get(Math.floor(r / SPLIT))![r % SPLIT]!;
  }
  return out;
}

/** The first index of sorted `values` holding a value ≥ x. */
function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

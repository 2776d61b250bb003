import { resolve } from 'node:path';
import { type Table, tableFromIPC, tableToIPC, type Vector } from 'apache-arrow';
import { defineJob, makePlan, UsageError, type DriverContext, type Key } from 'quiver-engine';
import { joinedTable } from './assemble.js';
import { emptyTable } from './check.js';
import { batchKeys } from './keys.js';
import { chunkOf, moveOut, pick, tableOfChunks, type Chunk } from './take.js';
import type { JoinParams } from './params.js';

/**
 * The partitioned (shuffle) join, with late materialization: a keyed pass over both inputs sends each
 * row's reference — (split, row within split), as split · 2³² + row — to the reducer of its key, which
 * pairs the key's left and right rows; the driver groups the pairs by split (a counting sort); a fold
 * over both inputs then cuts the paired rows out of their batches in order, each task sorting its own
 * group, and its finish puts left and right rows side by side. Only keys and
 * 8-byte references cross the shuffle, and every column keeps its type. The two passes plan the same
 * input the same way, so a reference means the same row in both. A side is told by its files.
 */
const SPLIT = 2 ** 32;

/** Whether a task reads the right input: its file is one of the right input's (paths resolved, as one file may be named two ways). */
const isRight = (ctx: { params: Record<string, unknown>; split: { file: string } }) =>
  (ctx.params.rightFiles as string[]).includes(resolve(ctx.split.file));

/** Pass 1: key → its left references (≥ 0) and right references (−1 − ref), paired by reduce. */
export const match = defineJob({
  name: 'join-match',
  params: {
    on: { type: 'list' },
    rightOn: { type: 'list' },
    how: { type: 'string' },
    rightFiles: { type: 'list', description: 'the files of the right input; the others are left' },
    units: { type: 'json', default: [], description: 'per key column, the unit (ns) time keys are counted in, 0 for none' },
  },
  output: { key: 'key', value: ['left', 'right'] },
  sort: 'none',
  map(batch, _emit, ctx) {
    const right = isRight(ctx);
    const state = ctx.state as { rows?: Map<number, number>; refs?: Map<Key, number[]> };
    const seen = (state.rows ??= new Map());
    const base = ctx.split.id * SPLIT + (seen.get(ctx.split.id) ?? 0);
    seen.set(ctx.split.id, (seen.get(ctx.split.id) ?? 0) + batch.numRows);
    const keys = batchKeys(
      batch,
      ctx.params[right ? 'rightOn' : 'on'] as string[],
      right ? 'rightOn' : 'on',
      ctx.split.file,
      ctx.params.units as number[],
    );
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
    const right = refs
      .filter((r) => r < 0)
      .map((r) => -1 - r)
      .sort((x, y) => x - y);
    const out = { left: [] as number[], right: [] as number[] };
    for (const l of left) {
      for (const r of right) out.left.push(l), out.right.push(r);
      if (right.length === 0 && ctx.params.how === 'left') out.left.push(l), out.right.push(-1);
    }
    return out;
  },
});

/**
 * The pairs, in shared memory, grouped by split so each task of pass 2 finds its own: output pairs by
 * left split (split s's from `leftStart[s]` to `leftStart[s + 1]`), the left reference and the right
 * one beside it (−1: none); and the right references they name by right split (`needed`, `rightStart`),
 * repeats included. A task sorts its own group, so the ordering is spread over the workers.
 */
interface Pairs {
  left: Float64Array;
  right: Float64Array;
  leftStart: Int32Array;
  needed: Float64Array;
  rightStart: Int32Array;
}

/** Chunks of a task, each with the references of its rows: for a left chunk, the right row of each of its rows. */
interface Gathered {
  left: Array<Chunk & { refs: Float64Array }>;
  right: Array<Chunk & { refs: Float64Array }>;
  row: number;
  seq: number;
}

/** Pass 2: the rows the pairs name, cut out of each batch in order; finish puts them side by side. */
export const gather = defineJob({
  name: 'join-gather',
  params: {
    rightFiles: { type: 'list' },
    rightOn: { type: 'list' },
    columns: { type: 'list' },
    pairs: { type: 'json', description: 'the output rows as references, grouped by split in shared memory (set by the driver)' },
    empty: { type: 'json', description: 'each side as a table of no rows (Arrow IPC): the columns of a side that has no batches' },
  },
  identity: (): Gathered => ({ left: [], right: [], row: 0, seq: 0 }),
  fold(acc: Gathered, batch, ctx) {
    const right = isRight(ctx);
    const mine = (ctx.state[`refs${ctx.split.id}`] ??= groupOf(ctx.params.pairs as unknown as Pairs, ctx.split.id, right)) as {
      refs: Float64Array;
      other: Float64Array;
      next: number;
    };
    const lo = ctx.split.id * SPLIT + acc.row;
    acc.row += batch.numRows;
    const rows: number[] = [];
    const refs: number[] = [];
    for (; mine.next < mine.refs.length && mine.refs[mine.next]! < lo + batch.numRows; mine.next++) {
      rows.push(mine.refs[mine.next]! - lo);
      refs.push(right ? mine.refs[mine.next]! : mine.other[mine.next]!);
    }
    const chunks = right ? acc.right : acc.left;
    if (rows.length > 0 || chunks.length === 0) {
      const chunk = { ...chunkOf(pick(batch, Int32Array.from(rows)), ctx.split.id, acc.seq), refs: Float64Array.from(refs) };
      moveOut(ctx, chunk.ipc, chunk.refs);
      chunks.push(chunk);
    }
    acc.seq++;
    return acc;
  },
  merge: (a: Gathered, b: Gathered) => ({ left: a.left.concat(b.left), right: a.right.concat(b.right), row: 0, seq: 0 }),
  finish(acc: Gathered, { params }) {
    const empty = params.empty as unknown as { left: Uint8Array; right: Uint8Array };
    const left = tableOfChunks(acc.left) ?? tableFromIPC(empty.left);
    const right = tableOfChunks(acc.right) ?? tableFromIPC(empty.right);
    // tableOfChunks put the chunks in input order, so a right row's position is its place among the right
    // chunks' rows, and a split's last chunk holds its largest reference.
    const position = new Map<number, Int32Array>();
    for (const c of acc.right) if (c.refs.length) position.set(c.split, new Int32Array(c.refs[c.refs.length - 1]! - c.split * SPLIT + 1));
    let at = 0;
    for (const c of acc.right) for (const r of c.refs) position.get(c.split)![r - c.split * SPLIT] = at++;
    const rightRows = new Int32Array(left.numRows);
    let i = 0;
    for (const c of acc.left) for (const r of c.refs) rightRows[i++] = r < 0 ? -1 : position.get(Math.floor(r / SPLIT))![r % SPLIT]!;
    return joinedTable(left, right, rightRows, params.rightOn as string[], params.columns as string[]);
  },
});

/** A task's group of references, sorted (stably, so a left row's right rows keep their order), right ones without repeats. */
function groupOf(pairs: Pairs, split: number, right: boolean): { refs: Float64Array; other: Float64Array; next: number } {
  const [refs, start] = right ? [pairs.needed, pairs.rightStart] : [pairs.left, pairs.leftStart];
  const from = split + 1 < start.length ? start[split]! : 0;
  const to = split + 1 < start.length ? start[split + 1]! : 0;
  if (right) {
    const sorted = refs.slice(from, to).sort();
    return { refs: sorted.filter((r, i) => i === 0 || r !== sorted[i - 1]), other: new Float64Array(0), next: 0 };
  }
  const order = Array.from({ length: to - from }, (_, i) => from + i).sort((a, b) => refs[a]! - refs[b]! || a - b);
  return { refs: Float64Array.from(order, (j) => refs[j]!), other: Float64Array.from(order, (j) => pairs.right[j]!), next: 0 };
}

/** The join by pass 1, grouping the pairs by split, and pass 2, over the left and right inputs as one input. */
export async function shuffleJoin(q: DriverContext, p: JoinParams): Promise<Table> {
  if (q.input.length === 0) throw new UsageError('the shuffle strategy reads the left input from files: pass -i <file, directory or glob>');
  const rightFiles = p.rightPlan.files.map((f) => resolve(f.path));
  const leftPlan = await makePlan({ inputs: q.input, workers: q.workers });
  const both = leftPlan.files.find((f) => rightFiles.includes(resolve(f.path)));
  if (both)
    throw new UsageError(
      `${both.path} is both the left and the right input; the shuffle strategy tells the sides by file, so join a file with itself with ` +
        `--param strategy=broadcast`,
    );
  const input = [...q.input, p.right];
  const { table } = await q.run(match, { input, params: { on: p.on, rightOn: p.rightOn, how: p.how, rightFiles, units: p.units } });
  const byLeft = groupBySplit(flatList(table.getChild('left')), flatList(table.getChild('right')), q);
  const byRight = groupBySplit(
    byLeft.other.filter((r) => r >= 0),
    undefined,
    q,
  );
  const pairs: Pairs = { left: byLeft.refs, right: byLeft.other, leftStart: byLeft.start, needed: byRight.refs, rightStart: byRight.start };
  const empty = { left: tableToIPC(emptyTable(p.leftSchema), 'stream'), right: tableToIPC(emptyTable(p.rightSchema), 'stream') };
  const { value } = await q.run(gather, {
    input,
    params: { rightFiles, rightOn: p.rightOn, columns: p.columns, pairs: pairs as never, empty: empty as never },
  });
  return value as Table;
}

/**
 * References (and values beside them) regrouped by split, keeping their order within a split (a
 * counting sort): into shared memory, read by every worker without a copy, or, on a cluster, whose
 * machines share no memory, into plain arrays that travel with the step's params.
 */
function groupBySplit(refs: Float64Array, other: Float64Array | undefined, q: Pick<DriverContext, 'shared' | 'sharedMemory'>) {
  const alloc = <T extends Int32Array | Float64Array>(type: { new (n: number): T; BYTES_PER_ELEMENT: number }, n: number): T =>
    q.sharedMemory ? (q.shared(type as never, n) as T) : new type(n);
  let splits = 0;
  for (const r of refs) splits = Math.max(splits, Math.floor(r / SPLIT) + 1);
  const start = alloc(Int32Array, splits + 1);
  for (const r of refs) start[Math.floor(r / SPLIT) + 1]!++;
  for (let s = 0; s < splits; s++) start[s + 1]! += start[s]!;
  const next = start.slice(0, splits);
  const out = { refs: alloc(Float64Array, refs.length), other: alloc(Float64Array, other ? refs.length : 0), start };
  for (let i = 0; i < refs.length; i++) {
    const j = next[Math.floor(refs[i]! / SPLIT)]!++;
    out.refs[j] = refs[i]!;
    if (other) out.other[j] = other[i]!;
  }
  return out;
}

/** The items of a List<Float64> column, all lists end to end. */
function flatList(vector: Vector | null): Float64Array {
  const parts = (vector?.data ?? [])
    .filter((d) => d.children.length > 0)
    .map((d) => {
      const offsets = d.valueOffsets as Int32Array;
      return (d.children[0]!.values as Float64Array).subarray(offsets[0], offsets[d.length]);
    });
  const out = new Float64Array(parts.reduce((n, x) => n + x.length, 0));
  parts.reduce((at, x) => (out.set(x, at), at + x.length), 0);
  return out;
}

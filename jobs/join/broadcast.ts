import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { defineJob, type DriverContext } from 'quiver-engine';
import { joinedColumns, joinedTable } from './assemble.js';
import { emptyTable } from './check.js';
import { buildKeyTable, headOf, type KeyTable } from './hash-table.js';
import { batchKeys } from './keys.js';
import { chunkOf, moveOut, pick, readOrder, tableOfChunks, take, type Chunk } from './take.js';
import type { JoinParams } from './params.js';

interface Probed {
  chunks: Chunk[];
  seq: number;
}

/**
 * The broadcast join's pass over the left input. The driver shares two things with every worker, in
 * SharedArrayBuffers (a `json` param shares them instead of copying): the right side's keys as a hash
 * table (hash-table.ts) and its other columns as Arrow IPC bytes, which each task reads without a
 * copy. Each row's key probes the table; the matched rows of a batch — once per right match, or once
 * with nulls in a left join — become one chunk of output rows, left and right columns side by side,
 * so the coordinator only concatenates chunks.
 */
export const probe = defineJob({
  name: 'join-probe',
  description: 'output rows of a join: left rows beside the right rows their keys match in a shared hash table',
  params: {
    on: { type: 'list', description: 'the left key columns' },
    how: { type: 'string', default: 'inner', description: 'inner or left' },
    columns: { type: 'list', default: [], description: 'output columns to keep; empty for all' },
    keys: { type: 'json', description: 'the right keys, a KeyTable in shared memory (set by the driver)' },
    right: { type: 'json', description: 'the right non-key columns as Arrow IPC bytes in shared memory (set by the driver)' },
    units: {
      type: 'json',
      default: [],
      description: 'per key column, the unit (ns) time keys are counted in, 0 for none (set by the driver)',
    },
  },
  identity: (): Probed => ({ chunks: [], seq: 0 }),
  fold(acc: Probed, batch, ctx) {
    const t = ctx.params.keys as unknown as KeyTable;
    const keys = batchKeys(batch, ctx.params.on as string[], 'on', ctx.split.file, ctx.params.units as number[]);
    const keepAll = ctx.params.how === 'left';
    const pairs = new RowPairs(batch.numRows);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const head = k === undefined ? 0 : headOf(t, k);
      if (head > 0) pairs.push(i, head - 1);
      else if (head < 0) for (let r = -head - 1; r >= 0; r = t.next[r]!) pairs.push(i, r);
      else if (keepAll) pairs.push(i, -1);
    }
    // Every task sends a chunk, even an empty one, so the output knows the left columns.
    if (pairs.length > 0 || acc.chunks.length === 0) {
      const right = pairs.right.subarray(0, pairs.length);
      const others = rightTable(ctx.params.right as unknown as Uint8Array);
      const columns = joinedColumns(
        pick(batch, pairs.left.subarray(0, pairs.length)),
        others,
        right,
        [],
        ctx.params.columns as string[],
        readOrder(right),
      );
      const chunk = chunkOf(columns, ctx.split.id, acc.seq);
      moveOut(ctx, chunk.ipc);
      acc.chunks.push(chunk);
    }
    acc.seq++;
    return acc;
  },
  merge: (a: Probed, b: Probed) => ({ chunks: a.chunks.concat(b.chunks), seq: 0 }),
  finish: (acc: Probed) => tableOfChunks(acc.chunks) ?? null,
});

/** Pairs of a left row and a right row (−1: none), in typed arrays that grow by doubling. */
class RowPairs {
  left: Int32Array;
  right: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.left = new Int32Array(Math.max(16, capacity));
    this.right = new Int32Array(Math.max(16, capacity));
  }
  push(left: number, right: number): void {
    if (this.length === this.left.length) {
      const [l, r] = [new Int32Array(2 * this.length), new Int32Array(2 * this.length)];
      l.set(this.left), r.set(this.right);
      [this.left, this.right] = [l, r];
    }
    this.left[this.length] = left;
    this.right[this.length++] = right;
  }
}

/**
 * The right columns, decoded once per worker and run: every task of a run gets the same params
 * object, so its bytes key the table. Decoding reads only the message headers (the columns stay
 * views of the shared bytes), but for every batch that was still ~1 ms and a table's worth of garbage.
 */
const decoded = new WeakMap<Uint8Array, Table>();
function rightTable(ipc: Uint8Array): Table {
  let t = decoded.get(ipc);
  if (!t) decoded.set(ipc, (t = tableFromIPC(ipc)));
  return t;
}

/** The join with the right side read here once, shared with every worker, and probed in one fold over the left. */
export async function broadcastJoin(q: DriverContext, p: JoinParams): Promise<Table> {
  const read = await q.readTable(p.right);
  // A right input of no batches reads as a table of no columns: take them from its schema.
  const right = read.batches.length > 0 ? read : emptyTable(p.rightSchema);
  const keys = right.batches.flatMap((b) => batchKeys(b, p.rightOn, 'rightOn', p.right, p.units));
  // The other columns as one chunk each, so a task finds a right row's values without asking which chunk holds it.
  const all = Int32Array.from({ length: right.numRows }, (_, i) => i);
  const names = right.schema.fields.map((f) => f.name).filter((n) => !p.rightOn.includes(n));
  const others = new Table(Object.fromEntries(names.map((n) => [n, take(right.getChild(n)!, all)])));
  const ipc = tableToIPC(others, 'stream');
  const shared = q.shared(Uint8Array, ipc.length);
  shared.set(ipc);
  const params = { on: p.on, how: p.how, columns: p.columns, keys: buildKeyTable(keys, q), right: shared, units: p.units };
  const { value } = await q.run(probe, { params: params as never });
  // No chunk at all: the left input has no batches, so its columns come from its schema.
  return value instanceof Table ? value : joinedTable(emptyTable(p.leftSchema), others, new Int32Array(0), [], p.columns);
}

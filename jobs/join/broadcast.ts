import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { defineJob, type DriverContext } from 'quiver';
import { joinedColumns, joinedTable } from './assemble.js';
import { emptyTable } from './check.js';
import { buildKeyTable, headOf, type KeyTable } from './hash-table.js';
import { batchKeys } from './keys.js';
import { chunkOf, pick, tableOfChunks, type Chunk } from './take.js';
import type { JoinParams } from './params.js';

interface Probed { chunks: Chunk[]; seq: number }

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
    units: { type: 'json', default: [], description: 'per key column, the unit (ns) time keys are counted in, 0 for none (set by the driver)' },
  },
  identity: (): Probed => ({ chunks: [], seq: 0 }),
  fold(acc: Probed, batch, ctx) {
    const t = ctx.params.keys as unknown as KeyTable;
    const keys = batchKeys(batch, ctx.params.on as string[], 'on', ctx.split.file, ctx.params.units as number[]);
    const keepAll = ctx.params.how === 'left';
    const rows: number[] = [];
    const right: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const head = k === undefined ? 0 : headOf(t, k);
      if (head > 0) rows.push(i), right.push(head - 1);
      else if (head < 0) for (let r = -head - 1; r >= 0; r = t.next[r]!) rows.push(i), right.push(r);
      else if (keepAll) rows.push(i), right.push(-1);
    }
    // Every task sends a chunk, even an empty one, so the output knows the left columns.
    if (rows.length > 0 || acc.chunks.length === 0) {
      const others = tableFromIPC(ctx.params.right as unknown as Uint8Array);
      const columns = joinedColumns(pick(batch, Int32Array.from(rows)), others, Int32Array.from(right), [], ctx.params.columns as string[]);
      acc.chunks.push(chunkOf(columns, ctx.split.id, acc.seq));
    }
    acc.seq++;
    return acc;
  },
  merge: (a: Probed, b: Probed) => ({ chunks: a.chunks.concat(b.chunks), seq: 0 }),
  finish: (acc: Probed) => tableOfChunks(acc.chunks) ?? null,
});

/** The join with the right side read here once, shared with every worker, and probed in one fold over the left. */
export async function broadcastJoin(q: DriverContext, p: JoinParams): Promise<Table> {
  const read = await q.readTable(p.right);
  // A right input of no batches reads as a table of no columns: take them from its schema.
  const right = read.batches.length > 0 ? read : emptyTable(p.rightSchema);
  const keys = right.batches.flatMap((b) => batchKeys(b, p.rightOn, 'rightOn', p.right, p.units));
  const others = right.select(right.schema.fields.map((f) => f.name).filter((n) => !p.rightOn.includes(n)));
  const ipc = tableToIPC(others, 'stream');
  const shared = q.shared(Uint8Array, ipc.length);
  shared.set(ipc);
  const params = { on: p.on, how: p.how, columns: p.columns, keys: buildKeyTable(keys, q), right: shared, units: p.units };
  const { value } = await q.run(probe, { params: params as never });
  // No chunk at all: the left input has no batches, so its columns come from its schema.
  return value instanceof Table ? value : joinedTable(emptyTable(p.leftSchema), others, new Int32Array(0), [], p.columns);
}

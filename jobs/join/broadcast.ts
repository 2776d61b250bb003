import { DataType, makeVector, Table, type RecordBatch, type Vector } from 'apache-arrow';
import { defineJob, type DriverContext } from 'quiver';
import { joinedTable, RIGHT_ROW } from './assemble.js';
import { buildKeyTable, firstRow, type KeyTable } from './hash-table.js';
import { batchKeys } from './keys.js';
import { chunkOf, take, tableOfChunks, type Chunk } from './take.js';
import type { JoinParams } from './params.js';

interface Probed { chunks: Chunk[]; seq: number }

/**
 * The broadcast join's pass over the left input: each row's key probes the right side's hash table
 * (in shared memory, see hash-table.ts); the matched rows of a batch — once per right match, or once
 * with no right row in a left join — are cut out of it with their right row numbers, as one chunk.
 */
export const probe = defineJob({
  name: 'join-probe',
  description: 'left rows with the numbers of the right rows whose keys match (a shared hash table of the right keys)',
  params: {
    on: { type: 'list', description: 'the left key columns' },
    how: { type: 'string', default: 'inner', description: 'inner or left' },
    keys: { type: 'json', description: 'the right keys, a KeyTable in shared memory (set by the driver)' },
  },
  identity: (): Probed => ({ chunks: [], seq: 0 }),
  fold(acc: Probed, batch, ctx) {
    const t = ctx.params.keys as unknown as KeyTable;
    const keys = batchKeys(batch, ctx.params.on as string[], 'on', ctx.split.file);
    const keepAll = ctx.params.how === 'left';
    const rows: number[] = [];
    const right: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let r = k === undefined ? -1 : firstRow(t, k);
      if (r < 0 && keepAll) rows.push(i), right.push(-1);
      for (; r >= 0; r = t.next[r]!) rows.push(i), right.push(r);
    }
    // Every task sends a chunk, even an empty one, so the output knows the left columns.
    if (rows.length > 0 || acc.chunks.length === 0) {
      acc.chunks.push(chunkOf({ ...pick(batch, Int32Array.from(rows)), [RIGHT_ROW]: makeVector(Int32Array.from(right)) }, ctx.split.id, acc.seq));
    }
    acc.seq++;
    return acc;
  },
  merge: (a: Probed, b: Probed) => ({ chunks: a.chunks.concat(b.chunks), seq: 0 }),
  finish: (acc: Probed) => tableOfChunks(acc.chunks) ?? null,
});

/** The rows `rows` of every column of a batch; the batch's own columns when that is every row in order. */
export function pick(batch: RecordBatch, rows: Int32Array): Record<string, Vector> {
  const all = rows.length === batch.numRows && rows.every((r, i) => r === i) && !batch.schema.fields.some((f) => DataType.isDictionary(f.type));
  return Object.fromEntries(batch.schema.fields.map((f) => [f.name, all ? batch.getChild(f.name)! : take(batch.getChild(f.name)!, rows)]));
}

/** The join with the right side read here, its keys hashed into shared memory once, probed by every worker. */
export async function broadcastJoin(q: DriverContext, p: JoinParams): Promise<Table> {
  const right = await q.readTable(p.right);
  const keys = right.batches.flatMap((b) => batchKeys(b, p.rightOn, 'rightOn', p.right));
  const { value } = await q.run(probe, { params: { on: p.on, how: p.how, keys: buildKeyTable(keys, q) as never } });
  const left = value instanceof Table ? value : new Table({});
  const rows = left.getChild(RIGHT_ROW)?.toArray() as Int32Array | undefined;
  return joinedTable(left, right, rows ?? new Int32Array(0), p.rightOn, p.columns);
}

import { defineJob, type JobContext } from 'quiver-engine';
import { Field, Int32, Schema, Table, tableFromIPC, tableToIPC, type RecordBatch, type Vector } from 'apache-arrow';
import { carriedType, cellAt, comparableValues } from './shared/cells.js';
import { vectorOf, type Cell } from './shared/vectors.js';

/**
 * The k rows with the largest values of a column: `--param column=v3 --param k=10`, or the smallest
 * with `--param order=asc`. Output: one row per kept row, best first: `rank` (1…k), the column, then
 * the other columns of the row, all of them or those named by `--param columns=id1,v1`, each with its
 * input type and exact values (a dictionary column comes out as its values). Rows whose value is null
 * or NaN are skipped and counted (`skipped` in the run report); infinities take part. The column may
 * be numbers of any width, decimals, dates, times, timestamps or durations, compared exactly (64-bit
 * integers and decimals as bigints: no two values beyond 2^53 are taken for equal).
 *
 * Ties are broken by input order: of equal values, the row that comes first in the input (file by
 * file, then row by row; split ids follow that order) ranks first, as a stable sort would put it.
 * So the result is the same at any worker count and split size.
 *
 *   quiver run top-k -i groupby.arrow -p column=v3 -p k=10 -p columns=id1,id2
 *
 * A fold job: each task keeps a bounded binary heap of its k best rows whose root is the worst of
 * them, so most rows cost one comparison with the root; merge keeps the k best of two heaps.
 */
interface Entry {
  value: number | bigint;
  split: number;
  row: number;
  cells: Cell[];
}
/** A task's heap; `schema` (Arrow IPC) gives the output columns their types. */
interface Acc {
  k: number;
  desc: boolean;
  split: number;
  rows: number;
  names?: string[];
  schema?: Uint8Array;
  heap: Entry[];
}

export default defineJob({
  name: 'top-k',
  description: 'the k rows with the largest (or smallest) values of a column (numbers, decimals, dates, timestamps)',
  params: {
    column: { type: 'string', description: 'the column to rank by, e.g. v3' },
    k: { type: 'integer', default: 10, description: 'how many rows to keep' },
    order: { type: 'string', default: 'desc', description: 'desc for the largest values, asc for the smallest' },
    columns: { type: 'list', default: [], description: 'other columns to output with each row; empty for all of them' },
  },
  columns: (p) => ((p.columns as string[]).length ? [p.column as string, ...(p.columns as string[])] : undefined),
  identity(ctx): Acc {
    const k = ctx.params.k as number;
    if (k < 1) throw new Error(`--param k must be at least 1, got ${k}`);
    if (ctx.params.order !== 'desc' && ctx.params.order !== 'asc')
      throw new Error(`--param order must be desc or asc, got "${String(ctx.params.order)}"`);
    return { k, desc: ctx.params.order === 'desc', split: ctx.split.id, rows: 0, heap: [] };
  },
  fold(acc: Acc, batch, ctx) {
    const column = ctx.params.column as string;
    const data = dataOf(batch, column);
    const values = comparableValues(data);
    if (!values)
      throw new Error(`top-k ranks numbers, decimals, dates, times, timestamps and durations; column "${column}" is ${data.type}`);
    acc.names ??= namesOf(batch, ctx);
    acc.schema ??= tableToIPC(
      new Table(new Schema([column, ...acc.names].map((n) => batch.schema.fields.find((f) => f.name === n)!))),
      'stream',
    );
    const cols = acc.names.map((n) => dataOf(batch, n));
    const { heap, k, desc } = acc;
    let skipped = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x !== x || (data.nullCount > 0 && !data.getValid(i))) {
        skipped++;
        continue;
      }
      // Within one split rows come in order, so an equal value never beats the root.
      if (heap.length === k && (desc ? x <= heap[0]!.value : x >= heap[0]!.value)) continue;
      const entry = { value: x, split: acc.split, row: acc.rows + i, cells: cols.map((d) => cellAt(d, i)) };
      if (heap.length < k) {
        heap.push(entry);
        siftUp(heap, heap.length - 1, desc);
      } else {
        heap[0] = entry;
        siftDown(heap, 0, desc);
      }
    }
    if (skipped > 0) ctx.count('skipped', skipped);
    acc.rows += batch.numRows;
    return acc;
  },
  merge(a: Acc, b: Acc): Acc {
    // Sorted worst first, an array is a heap whose root is its worst entry.
    const heap = [...a.heap, ...b.heap].sort((x, y) => -compare(x, y, a.desc)).slice(-a.k);
    return { ...a, names: a.names ?? b.names, schema: a.schema ?? b.schema, heap };
  },
  finish(acc: Acc) {
    const best = [...acc.heap].sort((x, y) => compare(x, y, acc.desc));
    if (!acc.schema) return new Table();
    const fields = tableFromIPC(acc.schema).schema.fields;
    const columns: Array<[Field, Vector]> = [
      [
        new Field('rank', new Int32(), true),
        vectorOf(
          new Int32(),
          best.map((_, r) => r + 1),
          'rank',
        ),
      ],
    ];
    fields.forEach((f, j) => {
      const type = carriedType(f.type);
      const vector = vectorOf(
        type,
        best.map((e) => (j === 0 ? e.value : e.cells[j - 1]!)),
        f.name,
      );
      columns.push([new Field(f.name, vector.type, true, f.metadata), vector]);
    });
    return new Table(new Schema(columns.map(([f]) => f)), Object.fromEntries(columns.map(([f, v]) => [f.name, v])) as never);
  },
});

/** Negative when `a` ranks before `b`: the better value, then the earlier row. */
function compare(a: Entry, b: Entry, desc: boolean): number {
  if (a.value !== b.value) return a.value > b.value === desc ? -1 : 1;
  return a.split - b.split || a.row - b.row;
}

function siftUp(heap: Entry[], i: number, desc: boolean): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (compare(heap[i]!, heap[parent]!, desc) <= 0) return;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function siftDown(heap: Entry[], i: number, desc: boolean): void {
  for (;;) {
    let worst = i;
    for (const c of [2 * i + 1, 2 * i + 2]) if (c < heap.length && compare(heap[c]!, heap[worst]!, desc) > 0) worst = c;
    if (worst === i) return;
    [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
    i = worst;
  }
}

/** The columns carried along: those named, else all but the ranked one; each must exist. */
function namesOf(batch: RecordBatch, ctx: JobContext): string[] {
  const have = batch.schema.fields.map((f) => f.name);
  const given = ctx.params.columns as string[];
  for (const n of given)
    if (!have.includes(n)) throw new Error(`--param columns names "${n}", which the input does not have (columns: ${have.join(', ')})`);
  return (given.length ? given : have).filter((n) => n !== ctx.params.column);
}

/** A batch's column `name`. */
function dataOf(batch: RecordBatch, name: string) {
  const data = batch.getChild(name)?.data[0];
  if (!data)
    throw new Error(`--param column: no column "${name}" in the input (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  return data;
}

import { defineJob, type JobContext } from 'quiver-engine';
import type { RecordBatch } from 'apache-arrow';

/**
 * The k rows with the largest values of a numeric column: `--param column=v3 --param k=10`, or the
 * smallest with `--param order=asc`. Output: one row per kept row, best first: `rank` (1…k), the
 * column, then the other columns of the row, all of them or those named by `--param columns=id1,v1`.
 * Rows whose value is null or NaN are skipped and counted (`skipped` in the run report); infinities
 * take part. 64-bit integers are compared as doubles.
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
interface Entry { value: number; split: number; row: number; cells: unknown[] }
interface Acc { k: number; desc: boolean; split: number; rows: number; names?: string[]; heap: Entry[] }

export default defineJob({
  name: 'top-k',
  description: 'the k rows with the largest (or smallest) values of a numeric column',
  params: {
    column: { type: 'string', description: 'the numeric column to rank by, e.g. v3' },
    k: { type: 'integer', default: 10, description: 'how many rows to keep' },
    order: { type: 'string', default: 'desc', description: 'desc for the largest values, asc for the smallest' },
    columns: { type: 'list', default: [], description: 'other columns to output with each row; empty for all of them' },
  },
  columns: (p) => ((p.columns as string[]).length ? [p.column as string, ...(p.columns as string[])] : undefined),
  identity(ctx): Acc {
    const k = ctx.params.k as number;
    if (k < 1) throw new Error(`--param k must be at least 1, got ${k}`);
    if (ctx.params.order !== 'desc' && ctx.params.order !== 'asc') throw new Error(`--param order must be desc or asc, got "${String(ctx.params.order)}"`);
    return { k, desc: ctx.params.order === 'desc', split: ctx.split.id, rows: 0, heap: [] };
  },
  fold(acc: Acc, batch, ctx) {
    const column = ctx.params.column as string;
    const raw = ctx.column(batch, column);
    const values = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float64Array.from(raw, Number) : raw;
    const vector = batch.getChild(column)!;
    acc.names ??= namesOf(batch, ctx);
    const { heap, k, desc } = acc;
    let skipped = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x !== x || (vector.nullCount > 0 && !vector.isValid(i))) {
        skipped++;
        continue;
      }
      // Within one split rows come in order, so an equal value never beats the root.
      if (heap.length === k && (desc ? x <= heap[0]!.value : x >= heap[0]!.value)) continue;
      const entry = { value: x, split: acc.split, row: acc.rows + i, cells: acc.names.map((n) => cell(batch, n, i)) };
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
    return { ...a, names: a.names ?? b.names, heap };
  },
  finish(acc: Acc, { params }) {
    const best = [...acc.heap].sort((x, y) => compare(x, y, acc.desc));
    return best.map((e, r) => {
      const row: Record<string, unknown> = { rank: r + 1, [params.column as string]: e.value };
      acc.names!.forEach((n, j) => (row[n] = e.cells[j]));
      return row;
    });
  },
});

/** Negative when `a` ranks before `b`: the better value, then the earlier row. */
function compare(a: Entry, b: Entry, desc: boolean): number {
  if (a.value !== b.value) return (a.value > b.value) === desc ? -1 : 1;
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
  for (const n of given) if (!have.includes(n)) throw new Error(`--param columns names "${n}", which the input does not have (columns: ${have.join(', ')})`);
  return (given.length ? given : have).filter((n) => n !== ctx.params.column);
}

/** One cell as a plain value (64-bit integers as numbers when exact, else as text). */
function cell(batch: RecordBatch, name: string, i: number): unknown {
  const v = batch.getChild(name)!.get(i);
  return typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v;
}

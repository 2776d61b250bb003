import { defineJob, type ParamsSpec } from 'quiver-engine';
import { Table, tableFromIPC, type Vector } from 'apache-arrow';
import { allocate } from './sort/columns.js';
import { boundTableOf, parseBy } from './sort/keys.js';
import { partitionBatch, sortRange, type PartAcc, type RangeJob, type SortPlan } from './sort/partition.js';
import { basesOf, boundsOf, plansOf, rangeLayoutOf, tableOf } from './sort/plan.js';
import { sampleBatch, type SampleAcc } from './sort/sample.js';
import { chunksOfBatch, concatRanges, sortChunks, type RangeChunk, type StoredPlan } from './sort/stored.js';

/**
 * Sorts a dataset by one or more columns: `--param by=k:desc,name` (each column `:asc`, the default,
 * or `:desc`), into one sorted table (`-o out.arrow|.parquet|.csv`). `--param columns=a,b` outputs only
 * those columns (default all); `--param ranges=N` sets how many key ranges are sorted in parallel
 * (default max(workers × 4, rows / 131072), at most 1024). Sort keys may be numbers (any int or
 * float width, Float16 too), dates, times, booleans or text; other fixed-width columns are carried along, and a
 * Null column (Polars' pl.Null) too: sorting by it is all ties, so the next key or the input order
 * decides. Lists and structs of numbers, text and booleans are keys and carried, in DuckDB's order
 * (lexicographic, null elements last: ../shared/nested-image.ts); other nested columns (maps, lists of
 * dates, …) are carried by their input positions, taken at the end (sort/plan.ts). Order:
 * - stable: rows with equal keys keep their input order (file, then row);
 * - nulls last for asc and first for desc (as PostgreSQL); NaN after every number; -0 equals 0;
 * - text by its UTF-8 bytes, i.e. by Unicode code point (not JS's UTF-16 code units); dictionary text
 *   is output as plain Utf8.
 *
 *   quiver datasets generate sort --rows 10000000 -o rows.arrow
 *   quiver run sort -i rows.arrow -p by=skewed,x:desc -o sorted.parquet
 *
 * TeraSort in shared memory. (1) The `sample` step keeps a bounded, evenly spaced sample of keys per
 * split (every stride-th row), with each split's row count and text bytes. (2) The driver picks range
 * boundaries as weighted quantiles of the sample, keyed by (key, input position): positions make all
 * keys distinct, so skew (half the rows sharing a key) still splits evenly. (3) The `partition` step
 * copies every batch into SharedArrayBuffers, its rows grouped by range, and counts rows per range.
 * (4) The recursive job `ranges` forks one task per range: it gathers the range's rows, radix-sorts
 * their encoded keys (a typed-array permutation, no row objects) and copies the rows straight to their
 * final place in the shared output, which becomes the result's Arrow vectors without another copy.
 * Memory: about twice the input's columns, plus 9 bytes per row and key column while a range sorts.
 *
 * On a cluster (no shared memory) steps (3) and (4) are the keyed step `shuffle` instead: its map sends
 * each range's rows through the store to reducer r, which sorts them with the same kernel (sort/stored.ts).
 */
const STEP: ParamsSpec = {
  by: { type: 'list', description: 'sort keys' },
  read: { type: 'list', default: [], description: 'the columns to read; empty for all' },
};
/** Rows per range the default aims at: a range's radix passes and row copies then stay in L2/L3 cache (~2× faster than 1M-row ranges). */
const RANGE_ROWS = 131_072;
const readColumns = (p: Record<string, unknown>) => ((p.read as string[]).length ? (p.read as string[]) : undefined);

export const sample = defineJob({
  name: 'sort-sample',
  description: "a bounded sample of each split's keys, with its rows and text bytes",
  params: STEP,
  columns: readColumns,
  identity: (ctx): SampleAcc => ({ schema: null, splits: [{ id: ctx.split.id, rows: 0, stride: 1, bytes: {}, nulls: {}, samples: [] }] }),
  fold(acc: SampleAcc, batch, ctx) {
    sampleBatch(acc, batch, parseBy(ctx.params.by as string[]), ctx.split.of);
    return acc;
  },
  merge: (a: SampleAcc, b: SampleAcc): SampleAcc => ({ schema: a.schema ?? b.schema, splits: [...a.splits, ...b.splits] }),
});

export const partition = defineJob({
  name: 'sort-partition',
  description: 'copies rows into shared memory grouped by key range, counting rows per range',
  params: { ...STEP, plan: { type: 'json' } },
  columns: readColumns,
  identity(ctx): PartAcc {
    const plan = ctx.params.plan as unknown as SortPlan;
    const at = [...(plan.byteBase[ctx.split.id] ?? plan.cols.map(() => 0))];
    return {
      split: ctx.split.id,
      rows: 0,
      at,
      batches: [],
      bytes: new Array<number>((plan.bounds.pos.length + 1) * plan.cols.length).fill(0),
      nested: [],
    };
  },
  fold(acc: PartAcc, batch, ctx) {
    partitionBatch(acc, batch, ctx.params.plan as unknown as SortPlan);
    return acc;
  },
  merge: (a: PartAcc, b: PartAcc): PartAcc => ({
    ...a,
    rows: a.rows + b.rows,
    batches: a.batches.concat(b.batches),
    bytes: a.bytes.map((x, i) => x + b.bytes[i]!),
    nested: a.nested.concat(b.nested),
  }),
});

export const ranges = defineJob({
  name: 'sort-ranges',
  description: 'sorts each key range into its place in the output',
  params: { job: { type: 'json' } },
  divide: (p: { lo: number; hi: number }) =>
    p.hi - p.lo > 1 ? Array.from({ length: p.hi - p.lo }, (_, i) => ({ lo: p.lo + i, hi: p.lo + i + 1 })) : undefined,
  conquer: (p: { lo: number; hi: number }, ctx) => [sortRange(ctx.params.job as unknown as RangeJob, p.lo)],
  combine: (a: number[], b: number[]) => a.concat(b),
});

export const shuffle = defineJob({
  name: 'sort-shuffle',
  description: "sends each batch's rows of range r to reducer r, which sorts its range (TeraSort through the store)",
  params: { ...STEP, plan: { type: 'json' } },
  columns: readColumns,
  output: { key: 'range', value: 'rows' },
  // Range r to reducer r (the driver asks for one reducer per range).
  partition: (key, reducers) => (key as number) % reducers,
  map(batch, emit, ctx) {
    const plan = ctx.params.plan as unknown as StoredPlan;
    const seen = (ctx.state.rows ??= new Map<number, number>()) as Map<number, number>;
    const row = seen.get(ctx.split.id) ?? 0;
    seen.set(ctx.split.id, row + batch.numRows);
    for (const [r, chunk] of chunksOfBatch(batch, plan, plan.splitBase[ctx.split.id]! + row)) emit(r, [chunk]);
  },
  combine: (a: RangeChunk[], b: RangeChunk[]) => a.concat(b),
  reduce: (_range, chunks: RangeChunk[], ctx) => sortChunks(chunks, ctx.params.plan as unknown as StoredPlan),
});

export default defineJob({
  name: 'sort',
  description: 'sorts rows by one or more columns (asc/desc, nulls last/first), stable, into one table',
  params: {
    by: { type: 'list', description: 'the columns to sort by, each optionally :asc or :desc, e.g. k:desc,name' },
    columns: { type: 'list', default: [], description: 'the columns to output; empty for all' },
    ranges: {
      type: 'integer',
      default: 0,
      description: 'key ranges sorted in parallel; 0 for max(workers × 4, rows / 131072), at most 1024',
    },
  },
  async drive(q) {
    const keys = parseBy(q.params.by as string[]);
    const wanted = q.params.columns as string[];
    const read = wanted.length ? [...new Set([...wanted, ...keys.map((k) => k.column)])] : [];
    const by = q.params.by;
    const stats = (await q.run(sample, { params: { by, read } })).value as SampleAcc;
    if (!stats.schema) return new Table();
    const fields = tableFromIPC(stats.schema).schema.fields;
    const { cols, keyCols, output } = plansOf(fields, stats, keys, wanted);
    const { rows, splitBase, byteBase, bytes } = basesOf(stats, cols);
    if ((q.params.ranges as number) < 0) throw new Error(`--param ranges must be 0 (the default) or more, got ${q.params.ranges}`);
    // Enough ranges to balance the workers, and small enough (~128K rows) that a range sorts in cache.
    const R = (q.params.ranges as number) || Math.min(1024, Math.max(q.workers * 4, Math.ceil(rows / RANGE_ROWS)));
    const bounds = rows === 0 ? [] : boundsOf(stats, splitBase, keys, R);
    if (!q.sharedMemory) {
      // A cluster: the rows go through the store, range r to reduce task r.
      const plan: StoredPlan = { keys, cols, keyCols, bounds: boundTableOf(bounds, keys.length), splitBase, schema: stats.schema, output };
      const { table } = await q.run(shuffle, { params: { by, read, plan }, reducers: bounds.length + 1 });
      const range = table.getChild('range')!.toArray() as ArrayLike<number>;
      const sorted = Array.from(table.getChild('rows')!, (ipc, i) => ({
        r: Number(range[i]),
        t: tableFromIPC((ipc as Vector).toArray() as Uint8Array),
      }));
      q.count('ranges', sorted.length);
      return concatRanges(
        sorted.sort((a, b) => a.r - b.r).map((x) => x.t),
        plan,
        rows,
        bytes,
      );
    }
    const plan: SortPlan = {
      keys,
      cols,
      keyCols,
      bounds: boundTableOf(bounds, keys.length),
      splitBase,
      byteBase,
      held: allocate(q.shared, cols, rows, bytes),
    };
    const out = allocate(q.shared, cols, rows, bytes, output);
    let parts: PartAcc | undefined;
    if (rows > 0) {
      parts = (await q.run(partition, { params: { by, read, plan } })).value as PartAcc;
      const used = bounds.length + 1;
      plan.held.offsets.forEach((o, c) => {
        o && (o[rows] = bytes[c]!);
      });
      const job: RangeJob = { plan, out, output, ...rangeLayoutOf(parts, used, cols.length, rows) };
      const sizes = await q.forkJoin(ranges, { lo: 0, hi: used }, { params: { job } });
      q.count('ranges', used);
      q.count('largest range', Math.max(...sizes));
    }
    return tableOf(out, cols, fields, output, rows, parts?.nested ?? []);
  },
});

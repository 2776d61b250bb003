import { defineJob, type JobContext, type ParamsSpec } from 'quiver-engine';
import type { RecordBatch } from 'apache-arrow';
import { finishLists, mergeAcc, planAggs } from './groupby/aggregates.js';
import { checkKeys, fieldsOf, inputsText, kindsOf } from './groupby/columns.js';
import { CARRY_ROWS } from './groupby/exact.js';
import { Groups } from './groupby/groups.js';
import { positionsOf } from './groupby/intervals.js';
import { CompositeKeys } from './groupby/composite.js';
import { dictionaryKeyOf, keysOf, keyToEmit, utf8KeyOf } from './groupby/keys.js';
import { resultOf, resultOfPartials, slotNames } from './groupby/output.js';
import { finishRange, type RangeJob } from './groupby/ranges.js';
import type { SharedBatches } from '../src/io/shared-batches.js';
import { bucketsOf, mergePartials, sealPartial, type Partial, type Sealed } from './groupby/partials.js';
import type { KeyColumns } from './groupby/row-keys.js';
import type { Acc, AggPlan, Allocate, ColumnKind, KeyPart } from './groupby/types.js';

/**
 * Group-by with aggregations: `--param by=id1,id2 --param agg=sum:v1,mean:v3,count`. Output: the key
 * columns, then the aggregates' columns in the order given.
 *
 *   aggregate        output column(s)          per group
 *   count            count                     rows
 *   count:col        count_col                 non-null values of col
 *   sum:col          sum_col                   sum (mean:col, min:col, max:col likewise)
 *   median:col       median_col                exact median (mean of the middle two for an even count)
 *   sd:col           sd_col                    sample standard deviation (n − 1)
 *   range:a:b        range_a_b                 max(a) − min(b); range:a is max(a) − min(a)
 *   r2:a:b           r2_a_b                    squared Pearson correlation of a and b
 *   top:N:col        top1_col … topN_col       the N largest values, largest first (N 1–100)
 *
 * SQL semantics and types (groupby/columns.ts): nulls in a value column are skipped, and an aggregate
 * of no values is null (sum included); a NaN makes its group's aggregate NaN; an undefined result (sd
 * of one value, r2 of a constant, a missing top rank, …) is null. count is Int64; sum is exact for
 * integers and decimals of any width (Int64 for integers of ≤ 32 bits, Decimal128(38, 0) for Int64
 * and UInt64 — DuckDB's HUGEINT — and Decimal128(38, s) for DECIMAL(p, s)), Float64 for floats; min and
 * max keep the column's type (dates, timestamps, decimals, 64-bit integers exactly); mean, median, sd,
 * r2, top and range are Float64. Dates, times, timestamps, intervals and booleans take count, min and max.
 * `median` keeps every value of its column (8 bytes a row); every other aggregate a few numbers a group.
 *
 * Keys may be columns of any primitive type: text (every layout), integers of any width, floats,
 * decimals, booleans, dates, times, timestamps, durations, intervals and bytes (Binary, UUID); the
 * output key column keeps the input's type (a DATE stays a DATE, a TIMESTAMP keeps its unit and zone;
 * dictionary and view text come out as Utf8). Rows are ordered by key, ascending, nulls last.
 * Intervals group, order and take min/max as DuckDB's do, normalized ('1 month' = '30 days'), and a
 * group shows the first spelling in the input (groupby/intervals.ts). Lists and structs of integers,
 * floats, text and booleans are keys too, in DuckDB's order, keeping their nested type (groupby/nested.ts).
 * Null keys group as in SQL's GROUP BY: all the nulls of a key column are one key value, apart from ''
 * and 0, and come out as a null in that column; with several key columns each column's nulls count on
 * their own, so (a, null), (null, 1) and (null, null) are three groups. Text keys holding U+FFFF (the
 * mark of a null key part, see joinKey) or, in a composite key, U+001F (the separator of its parts)
 * are rejected, naming the column.
 *
 * The db-benchmark group-by questions, on its table G1 (`quiver datasets generate groupby`), all ten:
 *   q1  sum v1 by id1                       --param by=id1 --param agg=sum:v1
 *   q2  sum v1 by id1, id2                  --param by=id1,id2 --param agg=sum:v1
 *   q3  sum v1, mean v3 by id3              --param by=id3 --param agg=sum:v1,mean:v3
 *   q4  mean v1, v2, v3 by id4              --param by=id4 --param agg=mean:v1,mean:v2,mean:v3
 *   q5  sum v1, v2, v3 by id6               --param by=id6 --param agg=sum:v1,sum:v2,sum:v3
 *   q6  median v3, sd v3 by id4, id5        --param by=id4,id5 --param agg=median:v3,sd:v3
 *   q7  max v1 − min v2 by id3              --param by=id3 --param agg=range:v1:v2
 *   q8  largest two v3 by id6               --param by=id6 --param agg=top:2:v3
 *   q9  r2 of v1, v2 by id2, id4            --param by=id2,id4 --param agg=r2:v1:v2
 *   q10 sum v3, count by id1…id6            --param by=id1,id2,id3,id4,id5,id6 --param agg=sum:v3,count
 * e.g. `quiver run groupby -i g1.arrow --param by=id4,id5 --param agg=median:v3,sd:v3 -o q6.csv`.
 * q8 gives one row per id6 with columns top1_v3 and top2_v3 (db-benchmark lists the two as two rows);
 * a group of one row has top2_v3 null.
 *
 * `map` works column at a time, as analytical engines do: one pass turns each row's key into a dense
 * group id (an integer key column spanning at most 4M values indexes a table of ids; other keys a Map), then
 * each aggregate is a tight loop over its typed-array column into per-group slots
 * (groupby/groups.ts). A composite key is its parts' dense codes (dictionary codes, byte-hashed text,
 * integers by range) packed into one integer, which indexes a table of group ids or is hashed as
 * 32-bit words (groupby/composite.ts): no JS string per row. Text keys are asked of the reader as
 * dictionaries (`dictionary`): a Parquet key stored with a dictionary is then grouped by code, each
 * distinct string hashed once per row group.
 * The groups live in `ctx.state` for all the worker's tasks and `flush` hands them over once per worker
 * (in-mapper combining) as typed-array partials, one per bucket of their keys' hash, which the
 * reducers merge in parallel (groupby/partials.ts; a plan with median emits one partial per group,
 * and the reducers select the medians, so only numbers travel to the coordinator).
 *
 * A driver around that keyed pass (`groups`): it reads the input's schema first (footers and samples
 * only), checks every column and aggregate against its type, tells the workers how to read each value
 * column (`kinds`), and turns the pass's table of partials into the typed, sorted result
 * (groupby/output.ts).
 */
const PARAMS = {
  by: { type: 'list', description: 'key column(s), e.g. id1 or id1,id2' },
  agg: {
    type: 'list',
    default: ['count'],
    description: 'aggregates, e.g. sum:v1,mean:v3,count,count:v1,median:v3,sd:v3,range:v1:v2,r2:v1:v2,top:2:v3',
  },
} satisfies ParamsSpec;

const planOf = (ctx: { params: Record<string, unknown> }): AggPlan =>
  planAggs(ctx.params.agg as string[], ctx.params.kinds as Record<string, ColumnKind>, ctx.params.by as string[]);

/** The keyed pass: one partial (a row of float slots, and median's value lists) per group. */
export const groups = defineJob({
  name: 'groupby-groups',
  description: 'the partial aggregates of each group',
  params: { ...PARAMS, kinds: { type: 'json', description: 'how each value column is read (the driver sets it)' } },
  columns: (params) => [
    ...(params.by as string[]),
    ...planAggs(params.agg as string[], params.kinds as unknown as Record<string, ColumnKind>, params.by as string[]).columns,
  ],
  output: (params) => ({
    key: params.by as string[],
    value: slotNames(planAggs(params.agg as string[], params.kinds as unknown as Record<string, ColumnKind>, params.by as string[])),
  }),
  // Parquet text keys come as dictionaries: a key's string is hashed once per row group, not per row.
  dictionary: (params) => params.by as string[],
  sort: 'none',
  map(batch, _emit, ctx) {
    const row = rowsBefore(ctx, batch.numRows);
    // Exact sums carry every CARRY_ROWS rows, so a batch is folded in pieces of at most that many.
    for (let at = 0; at < batch.numRows; at += CARRY_ROWS)
      foldRows(at === 0 && batch.numRows <= CARRY_ROWS ? batch : batch.slice(at, at + CARRY_ROWS), ctx, row + at);
  },
  flush(emit, ctx) {
    const groups = ctx.state.groups as Groups | undefined;
    if (!groups) return;
    const composite = ctx.state.composite as CompositeKeys | undefined;
    if (groups.plan.lists === 0) {
      // The groups as typed-array partials, one per bucket of their keys' hash (groupby/partials.ts);
      // one text key's straight from the bytes they were found by (Groups.textSpelling).
      const text = composite ? undefined : groups.textSpelling();
      const columns = text
        ? { values: [[]], codes: [undefined], spelled: [text] }
        : keyColumnsOf(composite ? [] : groups.keys, (ctx.params.by as string[]).length, composite);
      for (const [bucket, partial] of bucketsOf(columns, groups.slots, groups.size, groups.plan.width, composite?.repeats))
        emit(bucket, partial);
      return;
    }
    const { keys } = groups;
    for (let id = 0; id < keys.length; id++) emit(composite ? composite.decode(id) : keyToEmit(keys[id] as KeyPart), groups.partial(id));
  },
  combine: (a: Acc | Partial, b: Acc | Partial, ctx) =>
    Array.isArray(a) ? mergeAcc(planOf(ctx), a, b as Acc) : mergePartials(planOf(ctx), a, b as Partial, ctx.state),
  // A plan with medians: they are selected here, in the reducers, so only numbers travel to the coordinator.
  reduce: (_key, acc: Acc | Partial, ctx) =>
    Array.isArray(acc)
      ? acc.length > planOf(ctx).width
        ? finishLists(planOf(ctx), acc)
        : acc
      : sealPartial(planOf(ctx), acc, (ctx.params.by as string[]).length, ctx.state, ctx.split.id),
});

/** Finishes the groups of a range of keys of many (groupby/ranges.ts): sorted, keys taken, aggregates finished. */
export const finish = defineJob({
  name: 'groupby-finish',
  description: 'sorts and finishes the groups of a range of keys',
  params: { ...PARAMS, kinds: { type: 'json' }, job: { type: 'json' } },
  divide: (p: { lo: number; hi: number }) =>
    p.hi - p.lo > 1 ? Array.from({ length: p.hi - p.lo }, (_, i) => ({ lo: p.lo + i, hi: p.lo + i + 1 })) : undefined,
  conquer(p: { lo: number; hi: number }, ctx) {
    return [finishRange(ctx.params.job as unknown as RangeJob, p.lo, planOf(ctx))];
  },
  combine: (a: Array<SharedBatches | undefined>, b: Array<SharedBatches | undefined>) => a.concat(b),
});

/**
 * The keys of a worker's groups as columns of key parts: a single key's values as they are; a
 * composite key's parts as its CompositeKeys holds them, each part's distinct values (as text, as
 * `joinKey` writes them, so every worker spells a key alike) and each group's code among them
 * (row-keys.ts makes each distinct value's bytes once).
 */
function keyColumnsOf(keys: KeyPart[], parts: number, composite: CompositeKeys | undefined): KeyColumns {
  if (parts === 1) return { values: [keys], codes: [undefined] };
  if (!composite) return { values: Array.from({ length: parts }, () => []), codes: Array.from({ length: parts }, () => new Int32Array(0)) };
  return {
    values: composite.parts.map((p) => Array.from({ length: p.size }, (_, c) => (c === 0 ? null : p.textOf(c)))),
    codes: composite.partCodesOfKeys(),
  };
}

/** `batch`'s rows from row `row` of its split on (their input positions, which interval values keep: groupby/intervals.ts). */
function foldRows(batch: RecordBatch, ctx: JobContext, row: number): void {
  const groups = ((ctx.state.groups as Groups | undefined) ??= new Groups(planOf(ctx))) as Groups;
  groups.fold(batch, groupIds(batch, ctx, groups), () => positionsOf(ctx.split.id, row, batch.numRows));
}

/** The group id of each row of `batch`, by the way its key comes: composite, Utf8, dictionary text, or other values. */
function groupIds(batch: RecordBatch, ctx: JobContext, groups: Groups): Int32Array {
  const by = ctx.params.by as string[];
  if (by.length > 1) {
    // Dense ids from packed part codes, which are the group ids as they are (groupby/composite.ts).
    const composite = ((ctx.state.composite as CompositeKeys | undefined) ??= new CompositeKeys(by)) as CompositeKeys;
    const ids = composite.idsOf(batch, ctx);
    groups.reserve(composite.size);
    return ids;
  }
  const text = utf8KeyOf(batch, by);
  if (text) return groups.assignText(text, batch.numRows);
  const coded = dictionaryKeyOf(batch, by);
  if (coded) return groups.assignDictionary(coded, batch.numRows);
  return groups.assign(keysOf(batch, by[0]!, ctx), batch.numRows);
}

/** The rows of this task's split that came before a batch of `n` rows (a split's batches arrive in order). */
function rowsBefore(ctx: JobContext, n: number): number {
  const seen = ((ctx.state.rowsSeen as Map<number, number> | undefined) ??= new Map()) as Map<number, number>;
  const row = seen.get(ctx.split.id) ?? 0;
  seen.set(ctx.split.id, row + n);
  return row;
}

export default defineJob({
  name: 'groupby',
  description: 'group rows by key columns and aggregate (count, sum, mean, min, max, median, sd, range, r2, top)',
  params: PARAMS,
  async drive(q) {
    const by = q.params.by as string[];
    const agg = q.params.agg as string[];
    if (by.length === 0) throw new Error('--param by is required: the key column(s), e.g. by=id1 or by=id1,id2');
    const columns = planAggs(agg, {}).columns;
    const schemas = await q.schemas();
    const fields = fieldsOf(schemas, [...new Set([...by, ...columns])]);
    checkKeys(by, fields, inputsText(schemas));
    const kinds = kindsOf(planAggs(agg, {}).aggs, fields, inputsText(schemas), by);
    const plan = planAggs(agg, kinds, by);
    if (plan.lists > 0) {
      const { table } = await q.run(groups, { params: { by, agg, kinds } });
      return resultOf(table, by, plan, fields);
    }
    const { value } = await q.run(groups, { params: { by, agg, kinds }, pairs: true });
    // Many groups are sorted and finished in key ranges by the workers, reading the pass in shared memory.
    const inRanges =
      q.sharedMemory && q.workers > 1
        ? {
            workers: q.workers,
            allocate: ((type, length) => q.shared(type, length)) as Allocate,
            finish: (job: RangeJob) => q.forkJoin(finish, { lo: 0, hi: job.starts.length - 1 }, { params: { by, agg, kinds, job } }),
          }
        : undefined;
    return resultOfPartials((value as { values: Sealed[] }).values, by, plan, fields, inRanges);
  },
});

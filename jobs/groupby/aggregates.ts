import { UsageError } from 'quiver-engine';
import { mergeExactExtremes, mergeExactSums } from './exact.js';
import { INTERVAL_SLOTS, initIntervals, intervalOf, mergeIntervals } from './intervals.js';
import { mergeComoments, mergeMoments, mergeTops } from './kernels.js';
import { joinValues, median, valueCount, type ValueList } from './lists.js';
import { LIMBS, type Acc, type Agg, type AggPlan, type ColumnKind, type Kernel, type Op, type Part, type ValueKind } from './types.js';
import { bigintOfLimbs } from './values.js';

/**
 * The aggregates of the groupby job: the `--param agg` syntax and each group's slot layout, the merge
 * of two partials of a group, and the final values (the per-batch loops are in kernels.ts, median's
 * value lists in lists.ts).
 *
 * Every aggregate keeps a fixed number of float slots per group (a Float64Array of `width` slots per
 * group, so partials travel as plain number tuples), except `median`, which keeps every value of its
 * column per group (a "list", lists.ts): exact medians need all values, 8 bytes a row (12 while the
 * worker reads), in the workers and then in the reducers. The reducer selects, it does not sort, and
 * its `reduce` (finishLists) leaves only numbers for the coordinator.
 *
 * Missing values: a null in a value column is skipped by every aggregate (as SQL does); `count`
 * counts rows, `count:col` the non-null values of col. A NaN is a value and propagates, as R's sum, max and median do: any aggregate of a
 * group holding a NaN is NaN. An aggregate with no defined value is null: mean, min, max, median
 * and range of a group with no non-null value, sd with fewer than 2 values, r2 with fewer than 2
 * values or a constant column, and top's ranks beyond the group's size, and the sum of no values (SQL's NULL).
 *
 * Exact values: sums of integers and decimals are exact whatever their size (exact.ts; an Int32
 * sum is a double sum with a carry slot), as are min and max of 64-bit integers, timestamps and
 * decimals. Every other aggregate reads its column as doubles (values.ts' doublesOf).
 */

const SYNTAX =
  'agg=<aggregate>[,<aggregate>...] with each one of count, count:col (its non-null values), sum:col, mean:col, min:col, max:col, ' +
  'median:col, sd:col, ' +
  'range:colA:colB (max(colA) - min(colB)), r2:colA:colB (squared correlation) or top:N:col (the N largest, N 1-100), e.g. ' +
  'agg=sum:v1,mean:v3,count';

/** Slots per kernel; `top` has N, the exact kernels one per limb (and a carry slot for a sum). */
const WIDTH: Record<Exclude<Kernel, 'top' | 'xsum' | 'xmin' | 'xmax'>, number> = {
  count: 1,
  nonnull: 1,
  sum: 1,
  mean: 2,
  min: 1,
  max: 1,
  moments: 3,
  comoments: 6,
  // The list's count once the reducer has replaced the list by its median (finishLists).
  list: 1,
  imin: INTERVAL_SLOTS,
  imax: INTERVAL_SLOTS,
  ifirst: INTERVAL_SLOTS,
};

/** Plans by the `kinds` object they were made for (a run's params object, and so its arrays and objects, is the same for every call). */
const plans = new WeakMap<object, { specs: string[]; by: string[]; plan: AggPlan }>();
let last: { specs?: string[]; kinds?: object; by?: string[]; plan?: AggPlan } = {};

/**
 * Parses `agg` once per run, for value columns of the kinds `kinds` (which the driver reads from the
 * input's schema), grouped by `by`: an INTERVAL key column (of kind `interval` in `kinds`) gets a part
 * that keeps the spelling its groups show (intervals.ts).
 */
export function planAggs(specs: string[], kinds: Record<string, ColumnKind>, by: string[] = []): AggPlan {
  if (last.specs === specs && last.kinds === kinds && last.by === by) return last.plan!;
  const known = plans.get(kinds);
  if (known?.specs === specs && known.by === by) {
    last = { specs, kinds, by, plan: known.plan };
    return known.plan;
  }
  const at = { slot: 0, list: 0 };
  const part = (kernel: Kernel, columns: string[], width?: number): Part => {
    const { kind, scale } = kinds[columns[0]!] ?? { kind: 'float', scale: 1 };
    const w =
      width ??
      (kernel === 'xsum' ? LIMBS[kind] + 1 : kernel === 'xmin' || kernel === 'xmax' ? LIMBS[kind] : WIDTH[kernel as keyof typeof WIDTH]);
    const p = { kernel, columns, slot: at.slot, width: w, list: kernel === 'list' ? at.list++ : -1, kind, scale };
    at.slot += w;
    return p;
  };
  const kindOf = (col: string): ValueKind => kinds[col]?.kind ?? 'float';
  const aggs = specs.map((spec) => parseAgg(spec.trim(), part, kindOf));
  const names = aggs.flatMap((a) => a.names);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`--param agg: the column "${twice}" would be computed twice; give each aggregate once`);
  const keyParts = Object.fromEntries(by.filter((col) => kinds[col]?.kind === 'interval').map((col) => [col, part('ifirst', [col])]));
  const parts = [...aggs.flatMap((a) => a.parts), ...Object.values(keyParts)];
  const init = new Float64Array(at.slot);
  for (const p of parts) {
    if (p.kernel === 'imin' || p.kernel === 'imax' || p.kernel === 'ifirst') initIntervals(init, p.slot, INTERVAL_MODE[p.kernel]);
    else if (p.kernel === 'min') init[p.slot] = Infinity;
    else if (p.kernel === 'max' || p.kernel === 'top') init.fill(-Infinity, p.slot, p.slot + p.width);
    else if (p.kernel === 'xmin') init[p.slot + p.width - 1] = Infinity;
    else if (p.kernel === 'xmax') init[p.slot + p.width - 1] = -Infinity;
    // −0 marks a sum no value was added to (exact.ts' addExactSums).
    else if (p.kernel === 'sum' || p.kernel === 'xsum') init[p.slot] = -0;
  }
  const plan: AggPlan = {
    aggs,
    parts,
    width: at.slot,
    init,
    lists: at.list,
    // The value columns: a key part reads its key column, which the pass reads anyway.
    columns: [...new Set(aggs.flatMap((a) => a.columns))],
    names,
    keyParts,
  };
  plans.set(kinds, { specs, by, plan });
  last = { specs, kinds, by, plan };
  return plan;
}

/** Which interval each interval kernel keeps (intervals.ts). */
const INTERVAL_MODE = { imin: 1, imax: -1, ifirst: 0 } as const;

function parseAgg(
  spec: string,
  part: (kernel: Kernel, columns: string[], width?: number) => Part,
  kindOf: (col: string) => ValueKind,
): Agg {
  // Wider than a double holds exactly: min, max and mean keep limbs (exact.ts).
  const exact = (col: string) => LIMBS[kindOf(col)] >= 2;
  const [op, ...args] = spec.split(':') as [Op, ...string[]];
  const fail = (why: string) => new UsageError(`--param agg: ${why} in "${spec}"; write ${SYNTAX}`);
  const columns = (min: number, max = min) => {
    if (args.length < min || args.length > max || args.some((a) => a === ''))
      throw fail(`${op} takes ${min === max ? min : `${min} or ${max}`} column name(s)`);
    return args;
  };
  const agg = (names: string[], parts: Part[]): Agg => ({ op, names, parts, columns: [...new Set(parts.flatMap((p) => p.columns))] });
  switch (op) {
    case 'count': {
      const [col] = columns(0, 1);
      return col === undefined ? agg(['count'], [part('count', [])]) : agg([`count_${col}`], [part('nonnull', [col])]);
    }
    case 'sum': {
      const col = columns(1)[0]!;
      return agg([`sum_${col}`], [part(kindOf(col) === 'float' ? 'sum' : 'xsum', args)]);
    }
    case 'mean': {
      const col = columns(1)[0]!;
      return agg([`mean_${col}`], exact(col) ? [part('xsum', args), part('nonnull', args)] : [part('mean', args)]);
    }
    case 'min':
    case 'max': {
      const col = columns(1)[0]!;
      if (kindOf(col) === 'interval') return agg([`${op}_${col}`], [part(op === 'min' ? 'imin' : 'imax', args)]);
      return agg([`${op}_${col}`], [part(exact(col) ? (op === 'min' ? 'xmin' : 'xmax') : op, args)]);
    }
    case 'median':
      return agg([`median_${columns(1)[0]}`], [part('list', args)]);
    case 'sd':
      return agg([`sd_${columns(1)[0]}`], [part('moments', args)]);
    case 'range': {
      const [a, b = a] = columns(1, 2);
      return agg([`range_${args.join('_')}`], [part(exact(a!) ? 'xmax' : 'max', [a!]), part(exact(b!) ? 'xmin' : 'min', [b!])]);
    }
    case 'r2':
      return agg([`r2_${columns(2).join('_')}`], [part('comoments', args)]);
    case 'top': {
      const [n, col] = args;
      const count = Number(n);
      if (!Number.isInteger(count) || count < 1 || count > 100) throw fail(`top needs a count of 1 to 100 before the column (top:2:v3)`);
      args.shift();
      columns(1);
      return agg(
        Array.from({ length: count }, (_, i) => `top${i + 1}_${col}`),
        [part('top', [col!], count)],
      );
    }
    default:
      throw fail(`unknown aggregate "${op}"`);
  }
}

/**
 * Replaces each value list of a group's merged partial by its median, and puts the list's length in
 * the part's slot (so an empty list's median is null, and every group's partial is plain numbers).
 * The groupby job's `reduce` runs it: the selection then runs in the reducers, in parallel, and the
 * reducers send a few numbers per group to the coordinator instead of every value (q6, 10M rows:
 * the lists were 80 MB serialized, copied and selected on the main thread).
 */
export function finishLists(plan: AggPlan, acc: Acc): Acc {
  for (const p of plan.parts) {
    if (p.kernel !== 'list') continue;
    const at = plan.width + p.list;
    const list = acc[at]!;
    if (typeof list === 'number') continue;
    acc[p.slot] = valueCount(list);
    acc[at] = median(list) ?? 0;
  }
  return acc;
}

/** Merges partial `b` into `a` (and returns `a`): associative and commutative, as `combine` must be. */
export function mergeAcc(plan: AggPlan, a: Acc, b: Acc): Acc {
  const x = a as number[];
  const y = b as number[];
  for (const p of plan.parts) {
    const s = p.slot;
    switch (p.kernel) {
      case 'min':
        x[s] = Math.min(x[s]!, y[s]!);
        break;
      case 'max':
        x[s] = Math.max(x[s]!, y[s]!);
        break;
      case 'mean':
        x[s]! += y[s]!;
        x[s + 1]! += y[s + 1]!;
        break;
      case 'count':
      case 'nonnull':
      case 'sum':
        x[s]! += y[s]!;
        break;
      case 'xsum':
        mergeExactSums(x, y, s, LIMBS[p.kind]);
        break;
      case 'xmin':
        mergeExactExtremes(x, y, s, p.width, 1);
        break;
      case 'xmax':
        mergeExactExtremes(x, y, s, p.width, -1);
        break;
      case 'moments':
        mergeMoments(x, y, s);
        break;
      case 'comoments':
        mergeComoments(x, y, s);
        break;
      case 'top':
        mergeTops(x, y, s, p.width);
        break;
      case 'imin':
      case 'imax':
      case 'ifirst':
        mergeIntervals(x, y, s, INTERVAL_MODE[p.kernel]);
        break;
      case 'list': {
        const at = plan.width + p.list;
        a[at] = joinValues(a[at] as ValueList, b[at] as ValueList);
      }
    }
  }
  return a;
}

/**
 * A finished value: a double, an exact integer (an unscaled decimal, or a 64-bit value), an interval
 * (`intervalWords`' layout), or null.
 */
export type Finished = number | bigint | Int32Array | null;

/**
 * The output values of a group, one per name of `plan.names`; null where the aggregate is undefined.
 * Exact sums, and min and max of exact kinds, are bigints (the driver types them, output.ts).
 */
export function finishAcc(plan: AggPlan, acc: Acc): Finished[] {
  const v = acc as number[];
  const out: Finished[] = [];
  for (const a of plan.aggs) {
    const [p, q] = a.parts as [Part, Part | undefined];
    const s = p.slot;
    switch (a.op) {
      case 'count':
        out.push(v[s]!);
        break;
      case 'sum':
        out.push(Object.is(v[s], -0) ? null : p.kernel === 'sum' ? v[s]! : bigintOfLimbs(v, s, p.width));
        break;
      case 'mean': {
        if (p.kernel === 'mean') out.push(v[s + 1] === 0 ? null : v[s]! / v[s + 1]!);
        else out.push(Object.is(v[s], -0) ? null : Number(bigintOfLimbs(v, s, p.width)) / p.scale / v[q!.slot]!);
        break;
      }
      case 'min':
      case 'max':
        out.push(p.kernel === 'imin' || p.kernel === 'imax' ? intervalOf(v, s) : extremeOf(p, v));
        break;
      case 'range': {
        const hi = extremeOf(p, v),
          lo = extremeOf(q!, v);
        if (hi === null || lo === null) out.push(null);
        else if (typeof hi === 'bigint' && typeof lo === 'bigint' && p.scale === q!.scale) out.push(Number(hi - lo) / p.scale);
        else out.push(Number(hi) / p.scale - Number(lo) / q!.scale);
        break;
      }
      case 'sd':
        out.push(v[s]! < 2 ? null : Math.sqrt(v[s + 2]! / (v[s]! - 1)));
        break;
      case 'r2': {
        const cxx = v[s + 3]!,
          cyy = v[s + 4]!,
          cxy = v[s + 5]!;
        out.push(v[s]! < 2 || cxx === 0 || cyy === 0 ? null : (cxy * cxy) / (cxx * cyy));
        break;
      }
      case 'top':
        for (let t = 0; t < p.width; t++) out.push(v[s + t] === -Infinity ? null : v[s + t]!);
        break;
      case 'median': {
        // A number once finishLists ran (the reducer's `reduce`), with the list's count in the slot.
        const m = acc[plan.width + p.list]!;
        out.push(typeof m === 'number' ? (v[s] === 0 ? null : m) : median(m));
        break;
      }
    }
  }
  return out;
}

/** A min or max part's value (a bigint for exact kinds); null when the group saw no value (its slots still hold ±Infinity). */
function extremeOf(p: Part, v: number[]): number | bigint | null {
  const top = v[p.slot + p.width - 1]!;
  if (top === Infinity || top === -Infinity) return null;
  return p.kernel === 'xmin' || p.kernel === 'xmax' ? bigintOfLimbs(v, p.slot, p.width) : top;
}

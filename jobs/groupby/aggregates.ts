import { UsageError } from 'quiver-engine';
import { mergeComoments, mergeMoments, mergeTops } from './kernels.js';
import { concatValues, median } from './lists.js';

/**
 * The aggregates of the groupby job: the `--param agg` syntax and each group's slot layout, the merge
 * of two partials of a group, and the final values (the per-batch loops are in kernels.ts, median's
 * value lists in lists.ts).
 *
 * Every aggregate keeps a fixed number of float slots per group (a Float64Array of `width` slots per
 * group, so partials travel as plain number tuples), except `median`, which keeps every value of its
 * column per group (a "list", lists.ts): exact medians need all values, 8 bytes a row (12 while the
 * worker reads), in the workers and then in the reducers; the reducer selects, it does not sort.
 *
 * Missing values: a null in a value column is skipped by every aggregate (as SQL does); `count`
 * counts rows. A NaN is a value and propagates, as R's sum, max and median do: any aggregate of a
 * group holding a NaN is NaN. An aggregate with no defined value is null: mean, min, max, median
 * and range of a group with no non-null value, sd with fewer than 2 values, r2 with fewer than 2
 * values or a constant column, and top's ranks beyond the group's size. The sum of no values is 0.
 */

/** The aggregates, as written before the first `:`. */
export type Op = 'count' | 'sum' | 'mean' | 'min' | 'max' | 'range' | 'median' | 'sd' | 'r2' | 'top';

/** What an aggregate keeps per group, and so the loop that updates it and how two partials merge. */
export type Kernel = 'count' | 'sum' | 'mean' | 'min' | 'max' | 'moments' | 'comoments' | 'top' | 'list';

/** One kernel over its column(s): slots `slot`…`slot + width - 1` of each group, or list `list`. */
export interface Part {
  kernel: Kernel;
  columns: string[];
  slot: number;
  width: number;
  list: number;
}

/** One aggregate of `--param agg`: its output column(s) and the kernels that feed them. */
export interface Agg {
  op: Op;
  names: string[];
  parts: Part[];
}

/** A parsed `agg` list: the slot layout of a group and the columns read and written. */
export interface AggPlan {
  aggs: Agg[];
  parts: Part[];
  /** Float slots per group. */
  width: number;
  /** Initial values of a group's slots. */
  init: Float64Array;
  /** Number of value lists per group (one per `median`). */
  lists: number;
  /** Value columns read. */
  columns: string[];
  /** Output value columns, in order. */
  names: string[];
}

const SYNTAX =
  'agg=<aggregate>[,<aggregate>...] with each one of count, sum:col, mean:col, min:col, max:col, median:col, sd:col, ' +
  'range:colA:colB (max(colA) - min(colB)), r2:colA:colB (squared correlation) or top:N:col (the N largest, N 1-100), e.g. agg=sum:v1,mean:v3,count';

/** Slots per kernel; `top` has N. */
const WIDTH: Record<Exclude<Kernel, 'top'>, number> = { count: 1, sum: 1, mean: 2, min: 1, max: 1, moments: 3, comoments: 6, list: 0 };

const plans = new WeakMap<string[], AggPlan>();
let last: { specs?: string[]; plan?: AggPlan } = {};

/** Parses `agg` once per run (the params object, and so this array, is the same for every call). */
export function planAggs(specs: string[]): AggPlan {
  if (last.specs === specs) return last.plan!;
  let plan = plans.get(specs);
  if (plan) {
    last = { specs, plan };
    return plan;
  }
  const at = { slot: 0, list: 0 };
  const part = (kernel: Kernel, columns: string[], width = WIDTH[kernel as Exclude<Kernel, 'top'>]): Part => {
    const p = { kernel, columns, slot: at.slot, width, list: kernel === 'list' ? at.list++ : -1 };
    at.slot += width;
    return p;
  };
  const aggs = specs.map((spec) => parseAgg(spec.trim(), part));
  const names = aggs.flatMap((a) => a.names);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`--param agg: the column "${twice}" would be computed twice; give each aggregate once`);
  const parts = aggs.flatMap((a) => a.parts);
  const init = new Float64Array(at.slot);
  for (const p of parts) if (p.kernel === 'min') init[p.slot] = Infinity; else if (p.kernel === 'max' || p.kernel === 'top') init.fill(-Infinity, p.slot, p.slot + p.width);
  plan = { aggs, parts, width: at.slot, init, lists: at.list, columns: [...new Set(parts.flatMap((p) => p.columns))], names };
  plans.set(specs, plan);
  last = { specs, plan };
  return plan;
}

function parseAgg(spec: string, part: (kernel: Kernel, columns: string[], width?: number) => Part): Agg {
  const [op, ...args] = spec.split(':') as [Op, ...string[]];
  const fail = (why: string) => new UsageError(`--param agg: ${why} in "${spec}"; write ${SYNTAX}`);
  const columns = (min: number, max = min) => {
    if (args.length < min || args.length > max || args.some((a) => a === '')) throw fail(`${op} takes ${min === max ? min : `${min} or ${max}`} column name(s)`);
    return args;
  };
  switch (op) {
    case 'count':
      columns(0);
      return { op, names: ['count'], parts: [part('count', [])] };
    case 'sum':
    case 'mean':
    case 'min':
    case 'max':
      return { op, names: [`${op}_${columns(1)[0]}`], parts: [part(op, args)] };
    case 'median':
      return { op, names: [`median_${columns(1)[0]}`], parts: [part('list', args)] };
    case 'sd':
      return { op, names: [`sd_${columns(1)[0]}`], parts: [part('moments', args)] };
    case 'range': {
      const [a, b = a] = columns(1, 2);
      return { op, names: [`range_${args.join('_')}`], parts: [part('max', [a!]), part('min', [b!])] };
    }
    case 'r2':
      return { op, names: [`r2_${columns(2).join('_')}`], parts: [part('comoments', args)] };
    case 'top': {
      const [n, col] = args;
      const count = Number(n);
      if (!Number.isInteger(count) || count < 1 || count > 100) throw fail(`top needs a count of 1 to 100 before the column (top:2:v3)`);
      args.shift();
      columns(1);
      return { op, names: Array.from({ length: count }, (_, i) => `top${i + 1}_${col}`), parts: [part('top', [col!], count)] };
    }
    default:
      throw fail(`unknown aggregate "${op}"`);
  }
}

/** A group's partial: `width` float slots, then (only when the plan has lists) one Float64Array per list. */
export type Acc = Array<number | Float64Array>;

/** Merges partial `b` into `a` (and returns `a`): associative and commutative, as `combine` must be. */
export function mergeAcc(plan: AggPlan, a: Acc, b: Acc): Acc {
  const x = a as number[];
  const y = b as number[];
  for (const p of plan.parts) {
    const s = p.slot;
    switch (p.kernel) {
      case 'min': x[s] = Math.min(x[s]!, y[s]!); break;
      case 'max': x[s] = Math.max(x[s]!, y[s]!); break;
      case 'mean': x[s]! += y[s]!; x[s + 1]! += y[s + 1]!; break;
      case 'count':
      case 'sum': x[s]! += y[s]!; break;
      case 'moments': mergeMoments(x, y, s); break;
      case 'comoments': mergeComoments(x, y, s); break;
      case 'top': mergeTops(x, y, s, p.width); break;
      case 'list': {
        const at = plan.width + p.list;
        a[at] = concatValues(a[at] as Float64Array, b[at] as Float64Array);
      }
    }
  }
  return a;
}

/** The output values of a group, one per name of `plan.names`; null where the aggregate is undefined. */
export function finishAcc(plan: AggPlan, acc: Acc): Array<number | null> {
  const v = acc as number[];
  const out: Array<number | null> = [];
  for (const a of plan.aggs) {
    const [p, q] = a.parts as [Part, Part | undefined];
    const s = p.slot;
    switch (a.op) {
      case 'count':
      case 'sum': out.push(v[s]!); break;
      case 'mean': out.push(v[s + 1] === 0 ? null : v[s]! / v[s + 1]!); break;
      // min and max start at +Infinity and −Infinity: still there, the group saw no value.
      case 'min': out.push(v[s] === Infinity ? null : v[s]!); break;
      case 'max': out.push(v[s] === -Infinity ? null : v[s]!); break;
      case 'range': {
        const hi = v[s]!, lo = v[q!.slot]!;
        out.push(hi === -Infinity || lo === Infinity ? null : hi - lo);
        break;
      }
      case 'sd': out.push(v[s]! < 2 ? null : Math.sqrt(v[s + 2]! / (v[s]! - 1))); break;
      case 'r2': {
        const cxx = v[s + 3]!, cyy = v[s + 4]!, cxy = v[s + 5]!;
        out.push(v[s]! < 2 || cxx === 0 || cyy === 0 ? null : (cxy * cxy) / (cxx * cyy));
        break;
      }
      case 'top':
        for (let t = 0; t < p.width; t++) out.push(v[s + t] === -Infinity ? null : v[s + t]!);
        break;
      case 'median': out.push(median(acc[plan.width + p.list] as Float64Array)); break;
    }
  }
  return out;
}


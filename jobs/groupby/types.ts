import type { Data } from 'apache-arrow';

/**
 * The types the parts of the groupby job share (the aggregate plan, a group's partial, a key part) and
 * the few helpers every part reads columns with. They live here, below every other module of
 * groupby/, so that no two of those import each other.
 */

/** The aggregates, as written before the first `:`. */
export type Op = 'count' | 'sum' | 'mean' | 'min' | 'max' | 'range' | 'median' | 'sd' | 'r2' | 'top';

/**
 * What an aggregate keeps per group, and so the loop that updates it and how two partials merge.
 * `nonnull` counts a column's non-null values; `xsum`, `xmin`, `xmax` hold exact values as 32-bit limbs
 * (exact.ts); `imin`, `imax` an interval's least and greatest value, `ifirst` an interval key's
 * spelling (intervals.ts); the others hold doubles.
 */
export type Kernel =
  | 'count'
  | 'nonnull'
  | 'sum'
  | 'mean'
  | 'min'
  | 'max'
  | 'moments'
  | 'comoments'
  | 'top'
  | 'list'
  | 'xsum'
  | 'xmin'
  | 'xmax'
  | 'imin'
  | 'imax'
  | 'ifirst';

/**
 * How a value column's numbers are read (values.ts): `float` as doubles; `int` as exact doubles (every
 * integer of 32 bits or fewer, dates in days, times of day in s or ms, booleans as 0/1); the rest as
 * little-endian 32-bit limbs, the top one signed except for `u64`; `interval` as intervals (intervals.ts).
 */
export type ValueKind = 'float' | 'int' | 'i64' | 'u64' | 'd128' | 'd256' | 'interval';

/** 32-bit limbs per value of each kind (`float` and `interval` values have none). */
export const LIMBS: Record<ValueKind, number> = { float: 0, int: 1, i64: 2, u64: 2, d128: 4, d256: 8, interval: 0 };

/** One kernel over its column(s): slots `slot`…`slot + width - 1` of each group, or list `list`. */
export interface Part {
  kernel: Kernel;
  columns: string[];
  slot: number;
  width: number;
  list: number;
  /** The kind of its first column's values. */
  kind: ValueKind;
  /** 10^scale of its first column when that is a decimal, else 1. */
  scale: number;
}

/** What the plan knows of a value column's type: how its values are read, and 10^scale for a decimal. */
export interface ColumnKind {
  kind: ValueKind;
  scale: number;
}

/** One aggregate of `--param agg`: its output column(s) and the kernels that feed them. */
export interface Agg {
  op: Op;
  names: string[];
  parts: Part[];
  /** The value columns it reads (none for count). */
  columns: string[];
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
  /** The `ifirst` part of each INTERVAL key column: the spelling its groups show (intervals.ts). */
  keyParts: Record<string, Part>;
}

/**
 * A group's partial: `width` float slots, then (only when the plan has lists) one list of values per
 * list part: an array, or the arrays of merged partials (lists.ts' ValueList), or its median once finished.
 */
export type Acc = Array<number | Float64Array | Float64Array[]>;

/** One key column's value in a row, as the groups of a worker hold it; null for a null. */
export type KeyPart = string | number | null;

/** Whether row `i` of `d` (which has a null bitmap) is not null. */
export function isValid(d: Data, i: number): boolean {
  const bit = d.offset + i;
  return ((d.nullBitmap![bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** A typed array of `length` zeros over shared memory (the driver's `q.shared`), or a plain one. */
export type Allocate = <T extends Int32Array | Float64Array>(
  type: { new (length: number): T; new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
) => T;

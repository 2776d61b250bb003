import {
  DataType,
  Field,
  Float64,
  Schema,
  Table,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Interval,
  type Vector,
} from 'apache-arrow';
import { take } from '../join/take.js';
import { intervalVector } from '../shared/intervals.js';
import { outputTypes } from './columns.js';
import { finishedColumns } from './finish.js';
import { rangeJobOf, tableOfRanges, type RangeJob } from './ranges.js';
import type { SharedBatches } from '../../src/io/shared-batches.js';
import { int64Values, textRanksOfBytes } from './key-ranks.js';
import { sortedRows } from './sort-rows.js';
import { INTERVAL_SLOTS, compareIntervalKeys, intervalOf } from './intervals.js';
import { isNestedKey } from '../shared/nested-image.js';
import { compareCanonical, nestedValueOf } from './nested.js';
import { BIG_MARK } from './keys.js';
import { passOf, type Sealed } from './partials.js';
import { keyPartsOf, textPartsOf, type TextParts } from './row-keys.js';
import type { AggPlan, Allocate, KeyPart } from './types.js';
import { vectorOf, type Cell } from '../shared/vectors.js';

/**
 * The groupby driver's last step: the keyed pass's table (key columns as the workers emitted them, a
 * group's partial as slot columns, keys.ts and aggregates.ts) becomes the result, with every key
 * column of its input type, every aggregate finished and of its SQL type (columns.ts), and the rows
 * ordered by key, ascending, nulls last (DuckDB's ORDER BY default).
 */

/** The names of the keyed pass's value columns: `width` slots, then one list per median. */
export function slotNames(plan: AggPlan): string[] {
  return [...Array.from({ length: plan.width }, (_, j) => `__slot${j}`), ...Array.from({ length: plan.lists }, (_, j) => `__list${j}`)];
}

/** The result table from the keyed pass's table (a plan with value lists: medians). */
export function resultOf(pass: Table, by: string[], plan: AggPlan, fields: Map<string, Field>): Table {
  const n = pass.numRows;
  const lists = slotNames(plan)
    .slice(plan.width)
    .map((name) => pass.getChild(name));
  const keys = by.map((name) => ({ values: pass.getChild(name) }));
  return resultFrom({ n, keys, slots: slotsOf(pass, plan, n), lists }, by, plan, fields);
}

/**
 * Finishing many groups in key ranges on the workers (ranges.ts): `finish` runs the ranges' tasks and
 * gives their batches in range order; `allocate` makes the shared arrays the tasks read.
 */
export interface InRanges {
  workers: number;
  allocate: Allocate;
  finish(job: RangeJob): Promise<Array<SharedBatches | undefined>>;
}

/**
 * Groups from which a pass is finished in key ranges on the workers when it can be: below, the main
 * thread's sort and copies take less than sending the ranges (q3's 100K groups: ~100 ms).
 * QUIVER_GROUPBY_RANGE_GROUPS sets another threshold (the tests use it to take both paths on small data).
 */
const rangeGroups = (): number => Number(process.env.QUIVER_GROUPBY_RANGE_GROUPS ?? 1 << 18);

/** The result table from the keyed pass's sealed partials (partials.ts): every plan without value lists. */
export async function resultOfPartials(
  sealed: Sealed[],
  by: string[],
  plan: AggPlan,
  fields: Map<string, Field>,
  inRanges?: InRanges,
): Promise<Table> {
  const n = sealed.reduce((sum, s) => sum + s.n, 0);
  const ranged = inRanges !== undefined && n >= rangeGroups() && rangeable(by, plan, fields);
  const pass = passOf(sealed, by.length, plan.width, ranged ? inRanges.allocate : undefined);
  // Each key column's distinct values decoded once, as the keyed pass's table held them; rows refer to
  // them by code. Text is copied as its bytes into a Utf8 column: Arrow's builder took a call per value
  // (q3's 100K id3 values: 69 ms of the main thread's ~500 ms after the workers finish).
  const keys = pass.keys.map(({ dictionary, codes }) => {
    const m = dictionary.offsets.length - 1;
    const text = textPartsOf(dictionary.bytes, dictionary.offsets, m);
    return { values: text ? textVector(text, m) : partsVector(keyPartsOf(dictionary.bytes, dictionary.offsets, m, 1)[0]!), codes };
  });
  if (!ranged) return resultFrom({ n, keys, slots: pass.slots, lists: [] }, by, plan, fields);
  const columns = by.map((name, j) => keyColumnOf(keys[j]!.values, fields.get(name)!, keys[j]!.values.length, true));
  const schema = new Schema([
    ...by.map((name, j) => new Field(name, columns[j]!.vector.type, true, fields.get(name)!.metadata)),
    ...plan.aggs.flatMap((a) => outputTypes(a, fields).map((type, t) => new Field(a.names[t]!, type, true))),
  ]);
  const job = rangeJobOf(
    pass,
    columns.map((c) => c.vector),
    columns.map((c) => c.ranks),
    schema,
    inRanges.workers,
    inRanges.allocate,
  );
  return tableOfRanges(await inRanges.finish(job), schema);
}

/**
 * Whether a pass's result can be finished in ranges: keys and outputs of flat types that cross threads
 * as Arrow IPC as they are (no nested or interval key, whose columns are rebuilt from JS values, and
 * no dictionary-typed output).
 */
function rangeable(by: string[], plan: AggPlan, fields: Map<string, Field>): boolean {
  if (Object.keys(plan.keyParts).length > 0) return false;
  const flat = (t: DataType) => !isNestedKey(t) && !DataType.isInterval(t) && !DataType.isDictionary(t);
  const keyTypes = by.map((name) => {
    const t = fields.get(name)!.type;
    return DataType.isDictionary(t) ? t.dictionary : t;
  });
  return keyTypes.every(flat) && plan.aggs.every((a) => outputTypes(a, fields).every(flat));
}

/**
 * What the result is made from: each group's key columns (as the pass held them: one value per
 * group, or per distinct value with each group's code), float slots and value lists.
 */
interface PassColumns {
  n: number;
  keys: Array<{ values: Vector | null; codes?: Int32Array }>;
  slots: ArrayLike<number>[];
  lists: Array<Vector | null>;
}

/** Text key parts as a Utf8 column of `m` values. */
function textVector(text: TextParts, m: number): Vector {
  const { data, offsets, valid, nulls } = text;
  return makeVector(
    makeData({ type: new Utf8(), length: m, nullCount: nulls, nullBitmap: nulls > 0 ? valid : undefined, valueOffsets: offsets, data }),
  );
}

/** Key parts as a column the way the keyed pass's table held them: text, numbers, or JSON text when they mix. */
function partsVector(values: KeyPart[]): Vector {
  let text = false;
  let numbers = false;
  for (const v of values) {
    if (typeof v === 'string') text = true;
    else if (typeof v === 'number') numbers = true;
  }
  if (text && numbers)
    return vectorFromArray(
      values.map((v) => (v === null ? null : JSON.stringify(v))),
      new Utf8(),
    );
  if (text) return vectorFromArray(values as Array<string | null>, new Utf8());
  // Numbers without a null straight into their array: Arrow's builder costs a call per value.
  return values.includes(null)
    ? vectorFromArray(values as Array<number | null>, new Float64())
    : makeVector(Float64Array.from(values as number[]));
}

function resultFrom(pass: PassColumns, by: string[], plan: AggPlan, fields: Map<string, Field>): Table {
  const { n, slots } = pass;
  const keys = by.map((name, j) => {
    const { values, codes } = pass.keys[j]!;
    // An interval key shows each group's own first spelling (a slot per group), so it is read per group.
    if (plan.keyParts[name])
      return intervalKeyColumn(values && codes ? take(values, codes) : values, fields.get(name)!, slots, plan.keyParts[name].slot, n);
    return keyColumnOf(values, fields.get(name)!, codes ? (values?.length ?? 0) : n, codes !== undefined);
  });
  const order = sortedRows(
    keys.map((k, j) => ({ ranks: k.ranks, codes: plan.keyParts[by[j]!] ? undefined : pass.keys[j]!.codes })),
    n,
  );
  const out: Array<[Field, Vector]> = [];
  by.forEach((name, j) => {
    const { vector, nested } = keys[j]!;
    const codes = plan.keyParts[name] ? undefined : pass.keys[j]!.codes;
    const rows = codes ? codesInOrder(codes, order) : order;
    const column = nested
      ? vectorFromArray(
          Array.from(rows, (i) => nested[i]),
          vector.type,
        )
      : take(vector, rows);
    out.push([new Field(name, column.type, true, fields.get(name)!.metadata), column]);
  });
  for (const { name, type, vector } of finishedColumns(plan, (a) => outputTypes(a, fields), slots, pass.lists, order))
    out.push([new Field(name, type, true), vector]);
  const schema = new Schema(out.map(([f]) => f));
  return new Table(schema, Object.fromEntries(out.map(([f, v]) => [f.name, v])) as never);
}

/** `codes[order[i]]` for each i: a loop, where `order.map` with a closure took 27 ns a row (q10's six key columns). */
function codesInOrder(codes: Int32Array, order: Int32Array): Int32Array {
  const out = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = codes[order[i]!]!;
  return out;
}

/**
 * A key column of the result in the pass's row order, and each row's rank among the column's values;
 * a nested one also as JS values (arrays, objects), which Arrow's builders take and `take` does not.
 */
interface KeyColumn {
  vector: Vector;
  ranks: Int32Array;
  nested?: unknown[];
}

/**
 * A key column of the result in the pass's row order, and each row's rank among the column's values
 * (nulls last). The pass's column is kept when it already has the input's type (text, 32-bit
 * integers), else rebuilt from its values.
 */
function keyColumnOf(vector: Vector | null, field: Field, n: number, distinct: boolean): KeyColumn {
  const type = DataType.isDictionary(field.type) ? field.type.dictionary : field.type;
  if (isNestedKey(type)) return nestedKeyColumn(vector, field, n);
  // A text column's distinct values (a coded pass's dictionary): read as strings from their bytes
  // and ranked by one sort of their positions, no Map. Every text layout comes out as Utf8.
  if (distinct && vector !== null && DataType.isUtf8(vector.type) && isText(type))
    return { vector, ranks: textRanksOfBytes(vector) ?? textRanks(utf8Cells(vector)) };
  // 64-bit integers that all came as numbers: ranked as numbers and written as words, no BigInt each.
  const wide = distinct ? int64Values(vector, type) : undefined;
  if (wide) return { vector: wide.vector, ranks: numberRanks(wide.numbers)! };
  const cells = keyValues(vector, type, n);
  const numbers = distinct ? numberRanks(cells) : undefined;
  const same =
    vector !== null && String(vector.type) === String(type) && (DataType.isUtf8(type) || DataType.isInt(type) || DataType.isFloat(type));
  // Bytes rank by their hex text, in the same order.
  const rankable =
    DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type) || DataType.isBinaryView(type)
      ? cells.map((c) => (c === null ? null : Buffer.from(c as Uint8Array).toString('hex')))
      : cells;
  return { vector: same ? vector! : vectorOf(type, cells, field.name), ranks: numbers ?? ranksOf(rankable) };
}

/**
 * An INTERVAL key column of the result in the pass's row order: each group's interval as first spelled
 * in the input (its `ifirst` part at slot `s`, intervals.ts), ranked by the pass's key, its normalized
 * parts (so in DuckDB's order).
 */
function intervalKeyColumn(vector: Vector | null, field: Field, slots: ArrayLike<number>[], s: number, n: number): KeyColumn {
  const spelled = Array.from({ length: n }, (_, i) =>
    intervalOf(
      Array.from({ length: INTERVAL_SLOTS }, (_, k) => slots[s + k]![i]!),
      0,
    ),
  );
  const keys = Array.from({ length: n }, (_, i) => (vector?.get(i) ?? null) as string | null);
  return {
    vector: intervalVector(field.type as Interval, spelled),
    ranks: ranksOf(keys, (a, b) => compareIntervalKeys(a as string, b as string)),
  };
}

/** A LIST or STRUCT key column of the result, rebuilt in its type from the keys' canonical text, ranked in DuckDB's order. */
function nestedKeyColumn(vector: Vector | null, field: Field, n: number): KeyColumn {
  const forms = Array.from({ length: n }, (_, i) => {
    const text = vector?.get(i) as string | null | undefined;
    return text === null || text === undefined ? null : (JSON.parse(text) as Parameters<typeof compareCanonical>[0]);
  });
  const ranks = new Int32Array(n);
  const present = forms.map((_, i) => i).filter((i) => forms[i] !== null);
  present.sort((a, b) => compareCanonical(forms[a]!, forms[b]!, field.type));
  // Equal values (a composite key's part repeats over groups) share a rank.
  let r = 0;
  present.forEach((i, k) => {
    if (k > 0 && compareCanonical(forms[present[k - 1]!]!, forms[i]!, field.type) !== 0) r++;
    ranks[i] = r;
  });
  for (let i = 0; i < n; i++) if (forms[i] === null) ranks[i] = r + 1;
  const nested = forms.map((c) => nestedValueOf(c, field.type));
  return { vector: vectorFromArray(nested, field.type), ranks, nested };
}

const isText = (type: DataType): boolean => DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type);

/** A one-chunk Utf8 column's values as strings (null for a null), each decoded from its bytes. */
function utf8Cells(vector: Vector): Array<string | null> {
  const data = vector.data[0]!;
  const offsets = data.valueOffsets as Int32Array;
  const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength);
  return Array.from({ length: data.length }, (_, i) => (data.getValid(i) ? bytes.toString('utf8', offsets[i]!, offsets[i + 1]!) : null));
}

/** Each distinct string's rank (nulls last), in compareCells' order: UTF-16 code units, as `<` compares. */
function textRanks(cells: Array<string | null>): Int32Array {
  const present: number[] = [];
  for (let i = 0; i < cells.length; i++) if (cells[i] !== null) present.push(i);
  present.sort((a, b) => (cells[a]! < cells[b]! ? -1 : cells[a]! > cells[b]! ? 1 : 0));
  const ranks = new Int32Array(cells.length);
  let r = -1;
  for (let k = 0; k < present.length; k++) {
    // Distinct bytes are distinct strings; equal ones would share a rank all the same.
    if (k === 0 || cells[present[k - 1]!] !== cells[present[k]!]) r++;
    ranks[present[k]!] = r;
  }
  for (let i = 0; i < cells.length; i++) if (cells[i] === null) ranks[i] = r + 1;
  return ranks;
}

/**
 * Each distinct number's rank (NaN after every number, nulls last, as compareCells orders them) by a
 * native sort of the numbers and a binary search for each; undefined when a cell is not a number or
 * null. A Map and a comparator sort of q5's 100K id6 values took 68 ms of the main thread.
 */
function numberRanks(cells: Cell[]): Int32Array | undefined {
  const sorted = new Float64Array(cells.length);
  let m = 0;
  let nan = false;
  let integers = true;
  let min = Infinity;
  let max = -Infinity;
  for (const c of cells) {
    if (typeof c === 'number') {
      if (c === c) {
        sorted[m++] = c;
        integers &&= Number.isSafeInteger(c);
        if (c < min) min = c;
        if (c > max) max = c;
      } else nan = true;
    } else if (c !== null) return undefined;
  }
  if (integers && m > 0 && max - min < 4 * m + 1024) return denseRanks(cells, min, max - min + 1, m + (nan ? 1 : 0));
  const values = sorted.subarray(0, m).sort();
  const ranks = new Int32Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] as number | null;
    if (c === null) ranks[i] = m + (nan ? 1 : 0);
    else if (c !== c) ranks[i] = m;
    else {
      let lo = 0;
      let hi = m - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (values[mid]! < c) lo = mid + 1;
        else hi = mid;
      }
      ranks[i] = lo;
    }
  }
  return ranks;
}

/**
 * `numberRanks` of integers (and nulls) that span fewer than ~4 values per cell, from `min` over `span`:
 * a bitmap of the values there are and a running count of them, no sort (q5's 100K id6 keys: 24 → ~2 ms
 * of the main thread). `nullRank` is the nulls' rank. A NaN cell has no place among integers: the
 * caller sends cells with NaN here only with `nullRank` one past them, and gives NaN rank `nullRank - 1`.
 */
function denseRanks(cells: Cell[], min: number, span: number, nullRank: number): Int32Array {
  const rankOf = new Int32Array(span);
  for (const c of cells) if (typeof c === 'number' && c === c) rankOf[c - min] = 1;
  for (let k = 0, r = 0; k < span; k++) {
    const present = rankOf[k]!;
    rankOf[k] = r;
    r += present;
  }
  const ranks = new Int32Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] as number | null;
    ranks[i] = c === null ? nullRank : c !== c ? nullRank - 1 : rankOf[c - min]!;
  }
  return ranks;
}

/** Each value's rank among the distinct values (nulls last, NaN after every number; `compare` orders the rest). */
function ranksOf(cells: Cell[], compare: (a: Cell, b: Cell) => number = compareCells): Int32Array {
  const distinct = new Map<Cell, number>();
  for (const c of cells) if (c !== null && !distinct.has(c)) distinct.set(c, 0);
  const sorted = [...distinct.keys()].sort(compare);
  sorted.forEach((v, r) => {
    distinct.set(v, r);
  });
  const ranks = new Int32Array(cells.length);
  for (let i = 0; i < cells.length; i++) ranks[i] = cells[i] === null ? sorted.length : distinct.get(cells[i]!)!;
  return ranks;
}

/** The pass's float slot columns, one array of every group's values per slot. */
function slotsOf(pass: Table, plan: AggPlan, n: number): ArrayLike<number>[] {
  return slotNames(plan)
    .slice(0, plan.width)
    .map((name) => pass.getChild(name))
    .map((v) => (v ? (v.toArray() as ArrayLike<number>) : new Float64Array(n)));
}

/**
 * A key column of the keyed pass as JS values of its input type: numbers stay numbers, text stays
 * text, and 64-bit integers, timestamps and decimals (a number, or BIG_MARK and decimal text) become
 * bigints; bytes come back from hex. A composite key's parts arrive as text or numbers, a single key
 * mixing numbers and text as JSON text.
 */
function keyValues(vector: Vector | null, type: DataType, n: number): Cell[] {
  const out = new Array<Cell>(n);
  const t = DataType.isDictionary(type) ? type.dictionary : type;
  const big =
    !DataType.isFloat(t) &&
    ((t as { ArrayType?: unknown }).ArrayType === BigInt64Array ||
      (t as { ArrayType?: unknown }).ArrayType === BigUint64Array ||
      DataType.isDecimal(t));
  const bytes = DataType.isBinary(t) || DataType.isLargeBinary(t) || DataType.isFixedSizeBinary(t) || DataType.isBinaryView(t);
  for (let i = 0; i < n; i++) {
    const v = vector?.get(i) as string | number | null | undefined;
    if (v === null || v === undefined) out[i] = null;
    else if (big) {
      let s = typeof v === 'number' ? v : v.startsWith('"') ? (JSON.parse(v) as string) : v;
      if (typeof s === 'string' && s.startsWith(BIG_MARK)) s = s.slice(BIG_MARK.length);
      out[i] = BigInt(s);
    } else if (bytes) out[i] = Buffer.from(String(v), 'hex');
    else if (DataType.isBool(t)) out[i] = Number(v) === 1;
    else if (DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isUtf8View(t)) out[i] = String(v);
    else out[i] = Number(v);
  }
  return out;
}

function compareCells(x: Cell, y: Cell): number {
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  if (x instanceof Uint8Array) return Buffer.compare(x, y as Uint8Array);
  if (typeof x === 'number' && x !== x) return (y as number) !== y ? 0 : 1;
  if (typeof y === 'number' && y !== y) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

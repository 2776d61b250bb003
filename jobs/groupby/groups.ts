import { isUtf8 } from 'node:buffer';
import type { Data, Interval, RecordBatch } from 'apache-arrow';
import { INTERVAL_WORDS, intervalWords } from '../shared/intervals.js';
import { ByteKeys } from '../shared/byte-keys.js';
import { CARRY_ROWS, carryAll } from './exact.js';
import { addFused, fusable, fusedColumn, type FusedColumn } from './fused.js';
import { accumulate, type Input } from './kernels.js';
import { sameText } from './keys.js';
import { ValueLists } from './lists.js';
import { textSpellings, type Spelled } from './row-keys.js';
import { LIMBS, isValid, type Acc, type AggPlan, type KeyPart, type Part } from './types.js';
import { columnData, doublesOf, wordsOf } from './values.js';

/**
 * The groups one worker has seen: key (null for a null key) → dense group id, `plan.width` float slots per group, and the
 * value lists of the plan's medians. A batch is folded in column at a time: `assign` turns each row's
 * key into its group id (one hash lookup per row, or a table lookup for small-range integer keys),
 * then each aggregate is a tight loop over its typed array column.
 */
export class Groups {
  /** Key → group id, for every group but the first `lazy` (see assignText). */
  ids = new Map<KeyPart, number>();
  private keyList: KeyPart[] = [];
  /**
   * Groups held. Reserved groups (`reserve`: composite keys, keyed by their own ids) are counted, not
   * pushed onto `keyList` until someone asks for `keys`: a worker of q10 reserves a group a row once it
   * passes rows on, and pushing 5M ids onto a JS array was part of ~0.4 s of each worker's `reserve`.
   */
  private count = 0;
  /**
   * Groups 0 … lazy − 1 were made by `assignText` from its ByteKeys ids (which they equal), with no
   * other group before them: their keys stay bytes (no JS string, no `ids` entry) until another way
   * of looking keys up needs `ids`, or the keys are read. One text key column of 5M distinct values
   * over 10M rows, 2 workers: a string and a Map entry per new key were ~2.5 s of each worker's map.
   */
  private lazy = 0;
  slots: Float64Array;
  readonly lists: ValueLists[];
  private idBuffer = new Int32Array(0);
  /** What foldChunks' prefetching loads read, kept (a field no one reads) so that the compiler keeps the loads. */
  touched = 0;
  /** Rows folded since the exact sums' last carry (exact.ts). */
  private uncarried = 0;
  /** Integer key − base → group id + 1 (0: not seen); undefined until the first integer batch, null once keys span too much. */
  private direct?: { base: number; table: Int32Array } | null;
  /** Utf8 key bytes → their ByteKeys id, that id → group id, and whether the two are equal so far (see assignText). */
  private text?: { keys: ByteKeys; groupOf: Int32Array; same: boolean };
  /** The last key dictionary seen (assignDictionary), its entries' ByteKeys ids, and their group ids (−1: none yet). */
  private dictionary?: { values: Data; keyIds: Int32Array; groups: Int32Array };

  constructor(readonly plan: AggPlan) {
    this.slots = new Float64Array(1024 * plan.width);
    this.lists = Array.from({ length: plan.lists }, () => new ValueLists());
  }

  /** Groups held. */
  get size(): number {
    return this.count;
  }

  /**
   * Every group's key spelled as row-keys.ts spells text, straight from the bytes the groups were
   * found by, when every group is a lazy text key (see `lazy`) and the bytes are valid UTF-8; else
   * undefined. Spelling through `keys` made a string per group and encoded it again: one text key of 5M
   * distinct values, ~1 s of each worker's flush.
   */
  textSpelling(): Spelled | undefined {
    if (this.lazy === 0 || this.lazy !== this.count) return undefined;
    const { keys } = this.text!;
    const bytes = keys.bytes;
    if (!isUtf8(bytes)) return undefined;
    const ends = new Int32Array(this.lazy);
    for (let id = 0; id < ends.length; id++) ends[id] = keys.endOf(id);
    return textSpellings(bytes, ends);
  }

  /** Each group's key (group id → key). */
  get keys(): KeyPart[] {
    this.spell();
    return this.filled();
  }

  /** `keyList` with the reserved groups' ids pushed (see `count`). */
  private filled(): KeyPart[] {
    for (let id = this.keyList.length; id < this.count; id++) this.keyList.push(id);
    return this.keyList;
  }

  /** The lazy groups' keys as strings, and (`index`) in `ids`, so that every way of looking up finds them. */
  private spell(index = false): void {
    if (this.lazy === 0) return;
    const { keys } = this.text!;
    const list = this.filled();
    for (let id = 0; id < this.lazy; id++) {
      if (typeof list[id] !== 'string') list[id] = keys.keyAt(id);
      if (index) this.ids.set(list[id]!, id);
    }
    if (index) this.lazy = 0;
  }

  /**
   * Makes groups 0 … count − 1 exist, each keyed by its own id: for keys another table numbers densely
   * in order of first sight (composite keys, composite.ts), whose ids are then the rows' group ids as
   * they are. Such groups are not in `ids` (a Map entry per group would be the only per-group cost left).
   */
  reserve(count: number): void {
    const from = this.count;
    if (count <= from) return;
    const { width, init } = this.plan;
    this.room(count);
    // The new groups' initial slots by a loop, not a `set` call a group (a worker of q10 adds ~5M).
    const { slots } = this;
    for (let id = from; id < count; id++) {
      for (let j = 0; j < width; j++) slots[id * width + j] = init[j]!;
    }
    this.count = count;
  }

  /** The group id of every row, adding new groups with their initial slots (the array is reused per batch). */
  assign(keys: ArrayLike<KeyPart>, n: number): Int32Array {
    this.spell(true);
    if (this.idBuffer.length < n) this.idBuffer = new Int32Array(n);
    const out = this.idBuffer.subarray(0, n);
    if (this.direct !== null && isIntegerArray(keys) && this.assignDirect(keys, n, out)) return out;
    const { ids } = this;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      let id = ids.get(k);
      if (id === undefined) id = this.add(k);
      out[i] = id;
    }
    return out;
  }

  /**
   * `assign` for a Utf8 key column, from its bytes: each row's key is hashed and looked up in a
   * ByteKeys table, and only a key new to this worker becomes a JS string (to find or add its group in
   * `ids`, which other layouts' batches share). A string per row and its Map lookup were 45% of q3's
   * CPU from CSV (100K distinct keys over 10M rows); this path makes 100K strings instead of 10M.
   */
  assignText(data: Data, n: number): Int32Array {
    if (this.idBuffer.length < n) this.idBuffer = new Int32Array(n);
    const out = this.idBuffer.subarray(0, n);
    const text = this.textKeys();
    const { keys } = text;
    const offsets = data.valueOffsets as Int32Array;
    const known = keys.size;
    const bytes = data.values as Uint8Array;
    // Few keys so far (their slots stay cached): one key at a time beats idsOf's passes, whose point is
    // overlapping cache misses. 100 keys of 5 bytes (G1's id1 from Arrow): 21 -> 13 ns a row.
    if (known <= FEW_TEXT_KEYS) for (let i = 0; i < n; i++) out[i] = keys.idOf(bytes, offsets[i]!, offsets[i + 1]!);
    else keys.idsOf(bytes, offsets, offsets.subarray(1), n, out);
    const groupOf = this.groupOfKeys(text);
    if (data.nullCount === 0 && text.same && this.lazy === known && this.count === known) {
      // Every group so far is a key of this table, in order, and no other way made one: the new keys'
      // groups are their ids, made without a string or an `ids` entry (`lazy`).
      this.reserve(keys.size);
      for (let k = known; k < keys.size; k++) groupOf[k] = k;
      this.lazy = keys.size;
      return out;
    }
    this.spell(true);
    if (data.nullCount === 0 && text.same) {
      // Every key so far made its group here, in order: a key's id is its group id (no per-row
      // lookup, 10% of q3's worker CPU), until a group comes from elsewhere.
      for (let k = known; k < keys.size; k++) {
        const s = keys.keyAt(k);
        const id = (groupOf[k] = this.ids.get(s) ?? this.add(s));
        text.same &&= id === k;
      }
      if (text.same) return out;
      for (let i = 0; i < n; i++) out[i] = groupOf[out[i]!]!;
      return out;
    }
    // A null row's bytes (usually none) were looked up too, but only a valid row makes a key's group.
    text.same = false;
    groupOf.fill(-1, known, keys.size);
    const nulls = data.nullCount > 0;
    for (let i = 0; i < n; i++) {
      if (nulls && !isValid(data, i)) out[i] = this.ids.get(null) ?? this.add(null);
      else {
        const k = out[i]!;
        let id = groupOf[k]!;
        if (id < 0) {
          const s = keys.keyAt(k);
          id = groupOf[k] = this.ids.get(s) ?? this.add(s);
        }
        out[i] = id;
      }
    }
    return out;
  }

  /**
   * `assign` for a key column of dictionary-encoded text (Dictionary<Int32, Utf8>, which the Parquet
   * reader gives for groupby's keys, see the job's `dictionary`; Polars' Categorical): the dictionary's
   * entries are looked up in the ByteKeys table of `assignText` once per dictionary, and each row's
   * group is then its code's entry's, a typed-array lookup. The batches of one row group each bring
   * a copy of its dictionary, so a dictionary equal to the last one (compared as bytes) reuses its
   * entries' ids. An entry makes its group only when a row of it is folded: a dictionary may hold
   * strings no row of this batch has.
   */
  assignDictionary(data: Data, n: number): Int32Array {
    this.spell(true);
    if (this.idBuffer.length < n) this.idBuffer = new Int32Array(n);
    const out = this.idBuffer.subarray(0, n);
    const text = this.textKeys();
    const values = data.dictionary!.data[0]!;
    let dict = this.dictionary;
    if (!dict || !sameText(dict.values, values)) {
      const m = values.length;
      const offsets = values.valueOffsets as Int32Array;
      const keyIds = new Int32Array(m);
      const known = text.keys.size;
      text.keys.idsOf(values.values as Uint8Array, offsets, offsets.subarray(1), m, keyIds);
      // Keys of no group yet: assignText's shortcut (key id = group id) no longer holds.
      this.groupOfKeys(text).fill(-1, known, text.keys.size);
      text.same = false;
      dict = this.dictionary = { values, keyIds, groups: new Int32Array(m).fill(-1) };
    }
    const { keyIds, groups } = dict;
    const { groupOf, keys } = text;
    const codes = data.values as IntegerArray;
    const nulls = data.nullCount > 0;
    for (let i = 0; i < n; i++) {
      if (nulls && !isValid(data, i)) {
        out[i] = this.ids.get(null) ?? this.add(null);
        continue;
      }
      const c = codes[i]!;
      let id = groups[c]!;
      if (id < 0) {
        const k = keyIds[c]!;
        id = groupOf[k]!;
        if (id < 0) {
          const s = keys.keyAt(k);
          id = groupOf[k] = this.ids.get(s) ?? this.add(s);
        }
        groups[c] = id;
      }
      out[i] = id;
    }
    return out;
  }

  /** The ByteKeys table of text keys, made on first use. */
  private textKeys(): { keys: ByteKeys; groupOf: Int32Array; same: boolean } {
    return (this.text ??= { keys: new ByteKeys(), groupOf: new Int32Array(1024), same: true });
  }

  /** `text.groupOf`, grown to hold every key of `text.keys`. */
  private groupOfKeys(text: { keys: ByteKeys; groupOf: Int32Array }): Int32Array {
    if (text.keys.size > text.groupOf.length) {
      const groupOf = new Int32Array(Math.max(text.keys.size, text.groupOf.length * 2));
      groupOf.set(text.groupOf);
      text.groupOf = groupOf;
    }
    return text.groupOf;
  }

  /**
   * `assign` for an integer key column whose values span at most DIRECT_SPAN: the key indexes a table
   * of group ids (what DuckDB calls a perfect hash aggregate), no hashing. The table grows by doubling
   * as keys leave it; once the keys span more, this worker's groups use the Map from then on. Returns
   * false when the keys do not fit.
   */
  private assignDirect(keys: IntegerArray, n: number, out: Int32Array): boolean {
    if (n === 0) return true;
    let lo = keys[0]!;
    let hi = lo;
    for (let i = 1; i < n; i++) {
      const k = keys[i]!;
      if (k < lo) lo = k;
      else if (k > hi) hi = k;
    }
    let d = this.direct;
    const base = d ? Math.min(d.base, lo) : lo;
    const top = d ? Math.max(d.base + d.table.length - 1, hi) : hi;
    if (top - base + 1 > DIRECT_SPAN) {
      this.direct = null;
      return false;
    }
    if (!d || base < d.base || top >= d.base + d.table.length) {
      const size = Math.min(DIRECT_SPAN, Math.max(top - base + 1, 2 * (d?.table.length ?? 0), 1024));
      // Room to grow goes on the side the keys left by.
      const start = d && base < d.base ? top - size + 1 : base;
      const table = new Int32Array(size);
      if (d) table.set(d.table, d.base - start);
      d = this.direct = { base: start, table };
    }
    const { table } = d;
    const shift = d.base;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      let id = table[k - shift]! - 1;
      if (id < 0) {
        // Unseen here; the Map knows keys added while a batch with nulls took the Map path.
        id = this.ids.get(k) ?? this.add(k);
        table[k - shift] = id + 1;
      }
      out[i] = id;
    }
    return true;
  }

  /**
   * Folds every aggregate's column(s) of `batch` (at most CARRY_ROWS rows) into the groups `ids` of
   * its rows, skipping nulls. `positions` gives the rows' places in the input, which the interval
   * kernels keep (intervals.ts; computed only for them).
   */
  fold(batch: RecordBatch, ids: Int32Array, positions: () => Float64Array): void {
    const { plan, slots, lists } = this;
    if (this.uncarried + batch.numRows > CARRY_ROWS) this.carry();
    this.uncarried += batch.numRows;
    // Sums and means of columns with no null in this batch: one pass for all (fused.ts); the other
    // null-free parts: their own kernels. Both chunk by chunk (foldChunks).
    const fused: FusedColumn[] = [];
    const dense: Array<{ p: Part; input: Input }> = [];
    for (const p of plan.parts) {
      const data = p.columns.map((c) => columnData(batch, c));
      const input = inputOf(p, data, positions);
      const keep = nonNullRows(data, batch.numRows);
      const w = LIMBS[p.kind];
      if (!keep && fusable(p)) fused.push(fusedColumn(p, input.x!));
      else if (keep)
        accumulate(
          p,
          pick(ids, keep, 1)!,
          {
            x: pick(input.x, keep, 1),
            y: pick(input.y, keep, 1),
            words: pick(input.words, keep, w),
            intervals: pick(input.intervals, keep, INTERVAL_WORDS),
            pos: pick(input.pos, keep, 1),
          },
          slots,
          plan.width,
          lists,
        );
      else dense.push({ p, input });
    }
    this.foldChunks(ids, dense, fused);
  }

  /**
   * Folds the parts whose columns have no null in this batch, FOLD_CHUNK rows at a time: first a loop
   * of loads only, which brings the chunk's groups' slots into the cache with many misses in flight,
   * then every part's kernel over the chunk, which finds them there. Kernel by kernel over a whole
   * batch (120K rows into 100K groups, 3 MB of slots) missed the cache again in each kernel, and a
   * kernel that branches on a slot (min, max) stalled on every mispredicted miss. Measured on 5M rows
   * of G1 into 100K groups (id3), one thread, load ~20, medians: q3's sum and mean 300 → 235 ms, q7's
   * max and min 200 → 135 ms.
   */
  private foldChunks(ids: Int32Array, dense: Array<{ p: Part; input: Input }>, fused: FusedColumn[]): void {
    const { slots, lists } = this;
    const w = this.plan.width;
    for (let at = 0; at < ids.length; at += FOLD_CHUNK) {
      const end = Math.min(ids.length, at + FOLD_CHUNK);
      const chunk = ids.subarray(at, end);
      if (this.count * w > CACHED_SLOTS) {
        let touched = 0;
        for (let i = 0; i < chunk.length; i++) touched += slots[chunk[i]! * w]!;
        this.touched = touched;
      }
      for (const { p, input } of dense) {
        const L = LIMBS[p.kind];
        const rows = {
          x: rowsOf(input.x, at, end, 1),
          y: rowsOf(input.y, at, end, 1),
          words: rowsOf(input.words, at, end, L),
          intervals: rowsOf(input.intervals, at, end, INTERVAL_WORDS),
          pos: rowsOf(input.pos, at, end, 1),
        };
        accumulate(p, chunk, rows, slots, w, lists);
      }
      if (fused.length > 0)
        addFused(
          chunk,
          fused.map((f) => ({ ...f, x: rowsOf(f.x, at, end, 1)! })),
          slots,
          w,
        );
    }
  }

  /** Carries the excess of every group's exact sums into their next slots, so more rows can be added exactly. */
  private carry(): void {
    for (const p of this.plan.parts) if (p.kernel === 'xsum') carryAll(this.slots, this.count, this.plan.width, p.slot, LIMBS[p.kind]);
    this.uncarried = 0;
  }

  /** Group `id`'s partial: its slots, then its value lists. */
  partial(id: number): Acc {
    const w = this.plan.width;
    const acc: Acc = new Array<number>(w);
    for (let j = 0; j < w; j++) acc[j] = this.slots[id * w + j]!;
    for (const list of this.lists) acc.push(list.take(id));
    return acc;
  }

  private add(k: KeyPart): number {
    const id = this.append(k);
    this.ids.set(k, id);
    return id;
  }

  /** Slots for `count` groups, the array doubled at least when it grows. */
  private room(count: number): void {
    const need = count * this.plan.width;
    if (need <= this.slots.length) return;
    const grown = new Float64Array(Math.max(need, this.slots.length * 2));
    grown.set(this.slots);
    this.slots = grown;
  }

  /** A new group of key `k`, with its initial slots. */
  private append(k: KeyPart): number {
    this.filled();
    const id = this.count++;
    const { width, init } = this.plan;
    this.room(id + 1);
    this.slots.set(init, id * width);
    this.keyList.push(k);
    return id;
  }
}

/** Distinct text keys up to which `assignText` looks rows up one at a time (ByteKeys.idOf) rather than in passes. */
const FEW_TEXT_KEYS = 4096;

/** Most distinct integer keys a direct table spans: 4M slots, 16 MB per worker. */
const DIRECT_SPAN = 1 << 22;

type IntegerArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

function isIntegerArray(a: ArrayLike<KeyPart>): a is IntegerArray {
  return (
    a instanceof Int32Array ||
    a instanceof Uint32Array ||
    a instanceof Int16Array ||
    a instanceof Uint16Array ||
    a instanceof Int8Array ||
    a instanceof Uint8Array
  );
}

/** What a kernel reads: doubles, except the exact kernels of values wider than a double and the interval kernels. */
function inputOf(p: Part, data: Data[], positions: () => Float64Array): Input {
  if (p.kernel === 'imin' || p.kernel === 'imax' || p.kernel === 'ifirst')
    return { intervals: intervalWords(data[0] as Data<Interval>), pos: positions() };
  const exact = (p.kernel === 'xsum' || p.kernel === 'xmin' || p.kernel === 'xmax') && LIMBS[p.kind] >= 2;
  if (exact) return { words: wordsOf(data[0]!, p.kind) };
  if (p.kernel === 'count' || p.kernel === 'nonnull') return {};
  return { x: doublesOf(data[0]!, p.kind), y: data[1] && doublesOf(data[1], p.kind === 'float' ? 'float' : p.kind) };
}

/** The rows where every one of `columns` is non-null, or undefined when none of them has a null. */
function nonNullRows(columns: Data[], n: number): Int32Array | undefined {
  const withNulls = columns.filter((d) => d.nullCount > 0);
  if (withNulls.length === 0) return undefined;
  const keep = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (withNulls.every((d) => isValid(d, i))) keep[m++] = i;
  return keep.subarray(0, m);
}

/** Rows `at` to `end` of `values`, `w` items per row: a view of a typed array, a copy of anything else. */
function rowsOf<T extends ArrayLike<number>>(values: T | undefined, at: number, end: number, w: number): T | undefined {
  if (values === undefined) return undefined;
  if (ArrayBuffer.isView(values)) return (values as unknown as Float64Array).subarray(at * w, end * w) as unknown as T;
  return Array.prototype.slice.call(values, at * w, end * w) as unknown as T;
}

/** Rows of a batch folded together (foldChunks): their groups' slots stay in the L2 cache from one kernel to the next. */
const FOLD_CHUNK = 2048;
/** Slots of groups few enough to stay in the L2 cache (256 KB), which foldChunks need not load ahead. */
const CACHED_SLOTS = 1 << 15;

/** Rows `rows` of `values`, `w` items per row (a new array of the same kind). */
function pick<T extends ArrayLike<number>>(values: T | undefined, rows: Int32Array, w: number): T | undefined {
  if (values === undefined) return undefined;
  const Kind = values.constructor as new (n: number) => T & { [i: number]: number };
  const out = ArrayBuffer.isView(values)
    ? new Kind(rows.length * w)
    : (new Float64Array(rows.length * w) as unknown as T & { [i: number]: number });
  if (w === 1) for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  else for (let i = 0; i < rows.length; i++) for (let k = 0; k < w; k++) out[i * w + k] = values[rows[i]! * w + k]!;
  return out;
}

import { ByteKeys } from '../shared/byte-keys.js';
import { mergeAcc } from './aggregates.js';
import { codedBuckets, entriesOf, grown, isCoded, mergeCoded, sealCoded, type CodedPartial } from './coded-partials.js';
import { partRanges, spelledParts, type KeyColumns, type Spelled } from './row-keys.js';
import type { AggPlan, Allocate } from './types.js';

/**
 * The partials of some groups as typed arrays: each group's key as bytes (row-keys.ts; group g's are
 * `keys[offsets[g], offsets[g + 1])`) and its `plan.width` float slots. What a worker hands over at
 * its drain instead of a (key string, slot array) pair per group: a worker's groups go out as BUCKETS
 * partials, split by a hash of their key bytes, each one pair of the keyed pass (its key the bucket),
 * so the engine routes bucket b to reducer b mod R and the reducers merge the buckets in parallel
 * (`mergePartials`, the pass's `combine`) by hashing key bytes (ByteKeys), a few typed-array loops
 * per group. Before, q10 (10M groups from 10M rows) made a string and an array per group in each
 * worker, put both in the engine's Map, decoded them again in a reducer's Map, and split every key
 * string again on the main thread: 148 s of CPU against DuckDB's 7.6 s.
 */
export interface Partial {
  n: number;
  keys: Uint8Array;
  offsets: Int32Array;
  slots: Float64Array;
}

/**
 * Buckets a worker splits its groups into: a constant, since every worker must send a key to the
 * same one. 32 gives each of up to 32 reducers work, and keeps a bucket of q10's 10M groups (300K)
 * a table of a few MB.
 */
export const BUCKETS = 32;

/**
 * The partials of groups 0 … n − 1 (keys `columns`, slots `slots`), one per non-empty bucket, by bucket
 * (`bucketOfGroups`). A composite key's groups go as their parts' codes (coded-partials.ts); a single
 * key's as its bytes, copied from its spelling straight into its bucket (all keys in one buffer first,
 * then hashed and copied again, was ~730 ms of a worker's flush of q10's 1M groups).
 */
export function bucketsOf(
  columns: KeyColumns,
  slots: Float64Array,
  n: number,
  width: number,
  repeats = false,
): Map<number, Partial | CodedPartial> {
  const { spelled, codes } = spelledParts(columns, n);
  const K = spelled.length;
  const { bucket, counts: groups } = bucketOfGroups(spelled, codes, n);
  // A composite key's groups go as part codes (coded-partials.ts).
  if (K > 1) return codedBuckets(spelled, codes, bucket, groups, slots, width, repeats);
  const sizes = new Int32Array(BUCKETS);
  for (let g = 0; g < n; g++) {
    let size = 0;
    for (let j = 0; j < K; j++) {
      const c = codes[j]![g]!;
      size += spelled[j]!.offsets[c + 1]! - spelled[j]!.offsets[c]!;
    }
    sizes[bucket[g]!]! += size;
  }
  const out = new Map<number, Partial>();
  for (let b = 0; b < BUCKETS; b++) {
    const m = groups[b]!;
    if (m > 0) out.set(b, { n: m, keys: new Uint8Array(sizes[b]!), offsets: new Int32Array(m + 1), slots: new Float64Array(m * width) });
  }
  const parts = Array.from({ length: BUCKETS }, (_, b) => out.get(b));
  const at = new Int32Array(BUCKETS);
  for (let g = 0; g < n; g++) {
    const p = parts[bucket[g]!]!;
    const i = at[bucket[g]!]!++;
    let to = p.offsets[i]!;
    for (let j = 0; j < K; j++) {
      const { bytes, offsets } = spelled[j]!;
      const c = codes[j]![g]!;
      for (let k = offsets[c]!, end = offsets[c + 1]!; k < end; k++) p.keys[to++] = bytes[k]!;
    }
    p.offsets[i + 1] = to;
    for (let w = 0; w < width; w++) p.slots[i * width + w] = slots[g * width + w]!;
  }
  return out;
}

/**
 * Each group's bucket (of BUCKETS) and how many groups each bucket has: a hash of its parts' hashes,
 * each distinct part value hashed once (q10's id1 has 100 values over 10M groups), the same in every
 * worker.
 */
function bucketOfGroups(spelled: Spelled[], codes: Int32Array[], n: number): { bucket: Uint8Array; counts: Int32Array } {
  const K = spelled.length;
  const hashes = spelled.map(({ bytes, offsets }) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = new Int32Array(offsets.length - 1);
    for (let v = 0; v < h.length; v++) h[v] = hashBytes(bytes, view, offsets[v]!, offsets[v + 1]!);
    return h;
  });
  const bucket = new Uint8Array(n);
  const counts = new Int32Array(BUCKETS);
  for (let g = 0; g < n; g++) {
    let h = 0x9747b28c;
    for (let j = 0; j < K; j++) {
      h = Math.imul(h ^ hashes[j]![codes[j]![g]!]!, 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
    const b = ((h ^ (h >>> 16)) >>> 0) % BUCKETS;
    bucket[g] = b;
    counts[b]!++;
  }
  return { bucket, counts };
}

/** A reducer's merge of one bucket so far: its keys' table, slots and key offsets with room to grow. */
interface Merging {
  keys: ByteKeys;
  slots: Float64Array;
  offsets: Int32Array;
  ids: Int32Array;
}

/** The merge state behind each partial `mergePartials` returned (the engine's combiner holds the partials only). */
const merging = new WeakMap<Partial, Merging>();

/**
 * The partial of the groups of `a` and `b` (`a`'s first, then `b`'s new ones), merging the slots of
 * a key both have. Merging many partials into one keeps one table: the result carries it, so each
 * group is hashed once per partial it is in.
 */
export function mergePartials(
  plan: AggPlan,
  a: Partial | CodedPartial,
  b: Partial | CodedPartial,
  state: Record<string, unknown>,
): Partial | CodedPartial {
  if (isCoded(a)) return mergeCoded(a, b as CodedPartial, plan.width, rowMerger(plan), state);
  b = b as Partial;
  const m = merging.get(a) ?? startMerging(a, plan.width);
  const w = plan.width;
  const known = m.keys.size;
  if (m.ids.length < b.n) m.ids = new Int32Array(b.n);
  const ids = m.ids;
  m.keys.reserve(known + b.n, m.keys.bytes.length + b.offsets[b.n]! - b.offsets[0]!);
  m.keys.idsOf(b.keys, b.offsets, b.offsets.subarray(1), b.n, ids);
  const size = m.keys.size;
  if (size * w > m.slots.length) m.slots = grown(m.slots, Math.max(size * w, 2 * m.slots.length));
  if (size + 1 > m.offsets.length) m.offsets = grown(m.offsets, Math.max(size + 1, 2 * m.offsets.length));
  const x = m.slots;
  const y = b.slots;
  const merge = rowMerger(plan);
  for (let i = 0; i < b.n; i++) {
    const id = ids[i]!;
    // A key is in a partial once, so a key new to the table is a copy of b's slots.
    if (id >= known) for (let j = 0; j < w; j++) x[id * w + j] = y[i * w + j]!;
    else merge(x, id * w, y, i * w);
  }
  for (let id = known; id < size; id++) m.offsets[id + 1] = m.keys.endOf(id);
  const out: Partial = { n: size, keys: m.keys.bytes, offsets: m.offsets.subarray(0, size + 1), slots: m.slots.subarray(0, size * w) };
  merging.set(out, m);
  return out;
}

/**
 * A bucket's merged partial as it leaves its reducer: each key column dictionary-coded, so the main
 * thread decodes a column's distinct values only (q10's id1 has 100 over 10M groups) and orders and
 * copies the rest as codes. The dictionaries are the reducer's, one per key column for all its
 * buckets (a bucket of its own had to add most of q10's 100K id3 values to a new table again): a
 * bucket carries the values its own sealing added (`bytes`, `offsets`), and its codes count from the
 * reducer's first, so the main thread reads a reducer's buckets in the order they were sealed.
 */
export interface Sealed {
  n: number;
  /** The reduce partition that sealed it. */
  reducer: number;
  slots: Float64Array;
  keys: Array<{ bytes: Uint8Array; offsets: Int32Array; codes: Int32Array }>;
}

/**
 * `p` (keys of `K` parts) sealed by reducer `reducer`, whose key column dictionaries live in `state`
 * (its reduce task's): arrays of its own, no larger than its groups, each key column coded.
 */
export function sealPartial(plan: AggPlan, p: Partial | CodedPartial, K: number, state: Record<string, unknown>, reducer: number): Sealed {
  if (isCoded(p)) {
    const sealed = sealCoded(p, state, plan.width, rowMerger(plan));
    return { n: sealed.n, reducer, slots: sealed.slots.slice(), keys: sealed.keys };
  }
  // A single key: the bucket's keys are distinct and no other bucket has them (a bucket is their
  // hash), so they are the dictionary's next values as they are, without a hash table.
  if (K === 1) {
    const known = (state.sealedValues as number | undefined) ?? 0;
    state.sealedValues = known + p.n;
    const codes = new Int32Array(p.n);
    for (let g = 0; g < p.n; g++) codes[g] = known + g;
    const keys = { bytes: p.keys.slice(p.offsets[0]!, p.offsets[p.n]!), offsets: p.offsets.map((o) => o - p.offsets[0]!), codes };
    return { n: p.n, reducer, slots: p.slots.slice(), keys: [keys] };
  }
  const dictionaries = (state.dictionaries ??= Array.from({ length: K }, () => new ByteKeys())) as ByteKeys[];
  const keys = partRanges(p.keys, p.offsets, p.n, K).map(({ starts, ends }, j) => {
    const dictionary = dictionaries[j]!;
    const known = dictionary.size;
    const codes = new Int32Array(p.n);
    dictionary.idsOf(p.keys, starts, ends, p.n, codes);
    return { ...entriesOf(dictionary, known), codes };
  });
  return { n: p.n, reducer, slots: p.slots.slice(), keys };
}

/**
 * The sealed partials of every bucket as one pass: each key column's distinct values across reducers
 * (its dictionary, row-key bytes) with every group's code in it, and the slots' columns, bucket after bucket;
 * `allocate` makes the codes' and slots' arrays (shared memory when workers finish the result: ranges.ts).
 */
export function passOf(sealed: Sealed[], K: number, w: number, allocate?: Allocate): Pass {
  const n = sealed.reduce((sum, s) => sum + s.n, 0);
  const array: Allocate = allocate ?? ((type, length) => new type(length) as never);
  // Column by column, as the result is finished (finish.ts).
  const slots = Array.from({ length: w }, () => array(Float64Array, n));
  let at = 0;
  for (const s of sealed) {
    for (let j = 0; j < w; j++) {
      const column = slots[j]!;
      for (let g = 0; g < s.n; g++) column[at + g] = s.slots[g * w + j]!;
    }
    at += s.n;
  }
  const keys = Array.from({ length: K }, (_, j) => {
    // A single key's value is in one bucket, so in one reducer's dictionary: theirs are apart, and
    // joined as they are, without hashing every value again (q3's 100K: ~50 ms of the main thread).
    const values = K === 1 ? joinedValues(sealed) : hashedValues(sealed, j);
    const codes = array(Int32Array, n);
    // Per reducer, its codes' global ones, as its buckets add values.
    const global = new Map<number, Int32Array>();
    let first = 0;
    for (const s of sealed) {
      const { bytes, offsets, codes: local } = s.keys[j]!;
      const m = offsets.length - 1;
      const before = global.get(s.reducer) ?? new Int32Array(0);
      const remap = new Int32Array(before.length + m);
      remap.set(before);
      values.add(bytes, offsets, m, remap.subarray(before.length));
      global.set(s.reducer, remap);
      for (let g = 0; g < s.n; g++) codes[first + g] = remap[local[g]!]!;
      first += s.n;
    }
    return { dictionary: values.entries(), codes };
  });
  return { n, slots, keys };
}

/**
 * A key column's distinct values across reducers, as `passOf` meets them: `add` takes a sealed
 * partial's new values and writes each one's id among all of them into `ids`; `entries` gives them all.
 */
interface ColumnValues {
  add(bytes: Uint8Array, offsets: Int32Array, m: number, ids: Int32Array): void;
  entries(): { bytes: Uint8Array; offsets: Int32Array };
}

/**
 * Values that may repeat across reducers (key column `j`'s of a composite key): told apart by hashing
 * their bytes, in a table sized for all of them at once (q10's 2M-group cut: 212 → ms of the main thread).
 */
function hashedValues(sealed: Sealed[], j: number): ColumnValues {
  const all = new ByteKeys();
  let keys = 0;
  let bytes = 0;
  for (const s of sealed) {
    keys += s.keys[j]!.offsets.length - 1;
    bytes += s.keys[j]!.bytes.length;
  }
  all.reserve(keys, bytes);
  return {
    add: (bytes, offsets, m, ids) => all.idsOf(bytes, offsets, offsets.subarray(1), m, ids),
    entries: () => entriesOf(all, 0),
  };
}

/** The values of `sealed`'s single key column, which no two of them share: appended as they come. */
function joinedValues(sealed: Sealed[]): ColumnValues {
  let size = 0;
  let count = 0;
  for (const s of sealed) {
    size += s.keys[0]!.bytes.length;
    count += s.keys[0]!.offsets.length - 1;
  }
  const all = new Uint8Array(size);
  const ends = new Int32Array(count + 1);
  let value = 0;
  return {
    add(bytes, offsets, m, ids) {
      const at = ends[value]!;
      all.set(bytes, at);
      for (let i = 0; i < m; i++) {
        ids[i] = value + i;
        ends[value + i + 1] = at + offsets[i + 1]!;
      }
      value += m;
    },
    entries: () => ({ bytes: all, offsets: ends }),
  };
}

/** The groups of a keyed pass: each key column's dictionary and the groups' codes in it, and each slot's column. */
export interface Pass {
  n: number;
  slots: Float64Array[];
  keys: Array<{ dictionary: { bytes: Uint8Array; offsets: Int32Array }; codes: Int32Array }>;
}

function startMerging(a: Partial, w: number): Merging {
  const keys = new ByteKeys();
  keys.reserve(a.n, a.offsets[a.n]! - a.offsets[0]!);
  const ids = new Int32Array(a.n);
  // a's keys are distinct: their ids are 0 … n − 1, in order.
  keys.idsOf(a.keys, a.offsets, a.offsets.subarray(1), a.n, ids);
  return { keys, slots: grown(a.slots, 2 * a.n * w), offsets: grown(a.offsets, 2 * a.n + 1), ids };
}

/** Kernels whose partials merge by adding, or taking the least or greatest, slot by slot. */
const ADDED = new Set(['count', 'nonnull', 'sum', 'mean']);

/**
 * Merges the slots of a group of `y` (from `yo`) into one of `x` (from `xo`): added, or least or
 * greatest, slot by slot for the plain kernels (q10's sum and count), else as `mergeAcc` merges.
 */
function rowMerger(plan: AggPlan): (x: Float64Array, xo: number, y: Float64Array, yo: number) => void {
  const w = plan.width;
  const plain = plan.parts.every((p) => ADDED.has(p.kernel) || p.kernel === 'min' || p.kernel === 'max');
  if (!plain)
    return (x, xo, y, yo) => {
      mergeAcc(plan, x.subarray(xo, xo + w) as unknown as number[], y.subarray(yo, yo + w) as unknown as number[]);
    };
  // Per slot: 0 add, 1 least, 2 greatest.
  const how = new Uint8Array(w);
  for (const p of plan.parts) how.fill(ADDED.has(p.kernel) ? 0 : p.kernel === 'min' ? 1 : 2, p.slot, p.slot + p.width);
  return (x, xo, y, yo) => {
    for (let j = 0; j < w; j++) {
      const h = how[j]!;
      if (h === 0) x[xo + j]! += y[yo + j]!;
      else if (h === 1) x[xo + j] = Math.min(x[xo + j]!, y[yo + j]!);
      else x[xo + j] = Math.max(x[xo + j]!, y[yo + j]!);
    }
  };
}

/** A 32-bit hash of `bytes[start, end)` (murmur3 over its 4-byte words), the same in every thread. */
function hashBytes(bytes: Uint8Array, view: DataView, start: number, end: number): number {
  let h = 0x9747b28c;
  let k = start;
  for (; k + 4 <= end; k += 4) {
    let w = Math.imul(view.getInt32(k, true), 0xcc9e2d51);
    w = (w << 15) | (w >>> 17);
    h ^= Math.imul(w, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  h ^= end - start;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

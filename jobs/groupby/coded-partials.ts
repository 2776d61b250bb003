import { ByteKeys } from '../shared/byte-keys.js';
import type { Spelled } from './row-keys.js';

/**
 * The partials of a composite key's groups (two parts or more) as part codes: a bucket's groups carry
 * each part's code among the values its worker spelled (row-keys.ts), not their keys' bytes, and the
 * worker's spelled values go once with all its buckets (one object: v8's serializer writes it once a
 * message). A reducer maps each part value a bucket uses to a code of its own once, and finds a
 * group by its parts' codes (K 32-bit words in one table); sealing maps each part's distinct values
 * to the reducer's dictionary, not every group's part.
 *
 * Before, every group's key was spelled as bytes into its bucket (~45 bytes for q10's six parts), the
 * reducers hashed those bytes to merge the groups (a 14-byte text part does not fit a ByteKeys slot,
 * so each match read the key bytes again) and then hashed every group's every part again to code it:
 * at 10M rows and 2 workers, bucketing was ~4 s of each worker's CPU and the reducers' hashing ~5 s.
 */
export interface CodedPartial {
  n: number;
  /** Part j's code of group g among `values[j]`: `codes[j][g]`. */
  codes: Int32Array[];
  /** Each part's values, spelled; a worker's buckets share them. */
  values: Spelled[];
  /** `width` float slots a group. */
  slots: Float64Array;
  /**
   * True when a key may be in it more than once (a worker that stopped looking keys up: composite.ts'
   * `repeats`). A worker's partials always say, true or false (so the shuffle encodes them column by
   * column); a reducer's merged ones do not, their keys being distinct.
   */
  repeats?: boolean;
}

export function isCoded(p: object): p is CodedPartial {
  return 'codes' in p;
}

/**
 * The groups of a worker, one CodedPartial per non-empty bucket: group g (of n) is in bucket
 * `bucket[g]` (partials.ts' `bucketOfGroups`), its parts `codes[j][g]` among `spelled[j]`.
 */
export function codedBuckets(
  spelled: Spelled[],
  codes: Int32Array[],
  bucket: Uint8Array,
  counts: Int32Array,
  slots: Float64Array,
  width: number,
  repeats: boolean,
): Map<number, CodedPartial> {
  const n = bucket.length;
  const out = new Map<number, CodedPartial>();
  const parts: CodedPartial[] = [];
  counts.forEach((m, b) => {
    if (m === 0) return;
    // Every partial has the same fields (`repeats` too), so the shuffle encodes them column by column.
    const p: CodedPartial = {
      n: m,
      codes: codes.map(() => new Int32Array(m)),
      values: spelled,
      slots: new Float64Array(m * width),
      repeats,
    };
    out.set(b, p);
    parts[b] = p;
  });
  // Each group's place in its bucket, then the parts' codes column by column: a pass reads one column
  // in order and writes to one stream a bucket.
  const place = new Int32Array(n);
  const at = new Int32Array(counts.length);
  for (let g = 0; g < n; g++) place[g] = at[bucket[g]!]!++;
  codes.forEach((column, j) => {
    for (let g = 0; g < n; g++) parts[bucket[g]!]!.codes[j]![place[g]!] = column[g]!;
  });
  for (let g = 0; g < n; g++) {
    const to = parts[bucket[g]!]!.slots;
    const i = place[g]! * width;
    for (let w = 0; w < width; w++) to[i + w] = slots[g * width + w]!;
  }
  return out;
}

/**
 * A reducer's part values, for all its buckets (the reduce task's `ctx.state`, which its combines and
 * reduces share): one dictionary a part, each source's values mapped to it once (a worker's spelled
 * values serve all its buckets), and how many values of each the sealings so far have handed on.
 */
interface Reducer {
  parts: ByteKeys[];
  /** Per part, each source's value → its code in `parts[j]` (−1 until a group uses it). */
  remaps: Array<Map<Uint8Array, Int32Array>>;
  sealed: number[];
}

function reducerOf(state: Record<string, unknown>, K: number): Reducer {
  return (state.codedParts ??= {
    parts: Array.from({ length: K }, () => new ByteKeys()),
    remaps: Array.from({ length: K }, () => new Map()),
    sealed: new Array<number>(K).fill(0),
  }) as Reducer;
}

/** The code in the reducer's dictionary of each value of `values` (part j's), −1 until `coded` looks it up. */
function remapOf(r: Reducer, j: number, values: Spelled): Int32Array {
  // By the values' bytes, which stay one object for all of a worker's buckets in a partition (the
  // shuffle keeps an array several values hold one object); the Spelled around them may not.
  let remap = r.remaps[j]!.get(values.bytes);
  if (!remap) {
    remap = new Int32Array(values.offsets.length - 1).fill(-1);
    r.remaps[j]!.set(values.bytes, remap);
    // Sized for the source's values at once, instead of doubling from small.
    r.parts[j]!.reserve(r.parts[j]!.size + values.offsets.length - 1, r.parts[j]!.bytes.length + values.bytes.length);
  }
  return remap;
}

/** A reducer's merge of one bucket so far: each group's part codes (the reducer's) and slots. */
interface Merging {
  K: number;
  w: number;
  reducer: Reducer;
  /** Open addressing: a group's id + 1, 0 empty; at most half full. */
  table: Int32Array;
  /** K codes a group. */
  words: Int32Array;
  slots: Float64Array;
  size: number;
}

/** The merge behind each partial `mergeCoded` returned: its codes are its reducer's already. */
const merging = new WeakMap<CodedPartial, Merging>();

/**
 * The partial of the groups of `a` and `b` (`a`'s first, then `b`'s new ones), merging the slots of a
 * key both have with `merge`; `state` holds the reducer's part dictionaries. Merging many partials
 * into one keeps one state: the result carries it.
 */
export function mergeCoded(
  a: CodedPartial,
  b: CodedPartial,
  w: number,
  merge: (x: Float64Array, xo: number, y: Float64Array, yo: number) => void,
  state: Record<string, unknown>,
): CodedPartial {
  let m = merging.get(a);
  if (!m) {
    m = startMerging(reducerOf(state, a.codes.length), a.codes.length, w, a.n + b.n);
    add(m, a, merge);
  }
  add(m, b, merge);
  return partialOf(m);
}

/** The partial of merge `m`'s groups, which carries `m` (`merging`). */
function partialOf(m: Merging): CodedPartial {
  const out: CodedPartial = {
    n: m.size,
    codes: Array.from({ length: m.K }, (_, j) => partCodes(m, j)),
    // The reducer's values as they are now (a view of their bytes, which later values only follow):
    // read only if this partial leaves the reducer, which the engine's reduce never has it do.
    values: m.reducer.parts.map((p) => ({ bytes: p.bytes, offsets: endsOf(p) })),
    slots: m.slots.subarray(0, m.size * m.w),
  };
  merging.set(out, m);
  return out;
}

function startMerging(reducer: Reducer, K: number, w: number, groups: number): Merging {
  let slots = 1024;
  while (slots < 2 * groups) slots *= 2;
  return { K, w, reducer, table: new Int32Array(slots), words: new Int32Array(groups * K), slots: new Float64Array(groups * w), size: 0 };
}

/** Adds `p`'s groups to `m`: a new key's slots copied, a known one's merged. */
function add(m: Merging, p: CodedPartial, merge: (x: Float64Array, xo: number, y: Float64Array, yo: number) => void): void {
  const { K, w } = m;
  const codes = p.codes.map((_, j) => coded(m.reducer, p, j));
  const key = new Int32Array(K);
  for (let g = 0; g < p.n; g++) {
    let h = 0x9747b28c;
    for (let j = 0; j < K; j++) {
      const r = codes[j]![g]!;
      key[j] = r;
      h = mixIn(h, r);
    }
    const size = m.size;
    const id = findOrAdd(m, key, finish(h));
    if (m.size > size) for (let s = 0; s < w; s++) m.slots[id * w + s] = p.slots[g * w + s]!;
    else merge(m.slots, id * w, p.slots, g * w);
  }
}

/** Part j's code of each group of `p` in the reducer's dictionary: each value it uses looked up once a reducer. */
function coded(r: Reducer, p: CodedPartial, j: number): Int32Array {
  if (merging.get(p)?.reducer === r) return p.codes[j]!;
  const { bytes, offsets } = p.values[j]!;
  const remap = remapOf(r, j, p.values[j]!);
  const local = p.codes[j]!;
  const out = new Int32Array(p.n);
  const dictionary = r.parts[j]!;
  for (let g = 0; g < p.n; g++) {
    const c = local[g]!;
    let code = remap[c]!;
    if (code < 0) code = remap[c] = dictionary.idOf(bytes, offsets[c]!, offsets[c + 1]!);
    out[g] = code;
  }
  return out;
}

/** The id of the group of part codes `key` (hash `h`), added when new. */
function findOrAdd(m: Merging, key: Int32Array, h: number): number {
  const { K } = m;
  let mask = m.table.length - 1;
  for (let s = h & mask; ; s = (s + 1) & mask) {
    const t = m.table[s]!;
    if (t === 0) {
      if (2 * (m.size + 1) > m.table.length) {
        grow(m);
        mask = m.table.length - 1;
        s = h & mask;
        while (m.table[s] !== 0) s = (s + 1) & mask;
      }
      const id = m.size++;
      if ((id + 1) * K > m.words.length) m.words = grown(m.words, Math.max((id + 1) * K, 2 * m.words.length));
      if ((id + 1) * m.w > m.slots.length) m.slots = grown(m.slots, Math.max((id + 1) * m.w, 2 * m.slots.length));
      m.words.set(key, id * K);
      m.table[s] = id + 1;
      return id;
    }
    const id = t - 1;
    let same = true;
    for (let j = 0; j < K && same; j++) same = m.words[id * K + j] === key[j];
    if (same) return id;
  }
}

/** A part code folded into a group's hash (murmur3's step). */
function mixIn(h: number, code: number): number {
  const k = Math.imul((Math.imul(code, 0xcc9e2d51) << 15) | (Math.imul(code, 0xcc9e2d51) >>> 17), 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's finalizer: every bit of `h` reaches the low bits the table indexes by. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Doubles `m`'s table, every group filed anew by its codes' hash. */
function grow(m: Merging): void {
  const { K } = m;
  const table = new Int32Array(m.table.length * 2);
  const mask = table.length - 1;
  for (let id = 0; id < m.size; id++) {
    let h = 0x9747b28c;
    for (let j = 0; j < K; j++) h = mixIn(h, m.words[id * K + j]!);
    let s = finish(h) & mask;
    while (table[s] !== 0) s = (s + 1) & mask;
    table[s] = id + 1;
  }
  m.table = table;
}

/** Part j's code of each group of `m`. */
function partCodes(m: Merging, j: number): Int32Array {
  const out = new Int32Array(m.size);
  for (let id = 0; id < m.size; id++) out[id] = m.words[id * m.K + j]!;
  return out;
}

/**
 * `p`'s groups' parts coded by the reducer's dictionaries (`state`'s, one per part for all its buckets),
 * with the values the dictionaries took since the last sealing (as partials.ts' Sealed carries them:
 * the main thread reads a reducer's sealed buckets in order, each adding the values it brings).
 */
export function sealCoded(
  p: CodedPartial,
  state: Record<string, unknown>,
  w: number,
  merge: (x: Float64Array, xo: number, y: Float64Array, yo: number) => void,
): { n: number; slots: Float64Array; keys: Array<{ bytes: Uint8Array; offsets: Int32Array; codes: Int32Array }> } {
  const r = reducerOf(state, p.codes.length);
  // A partial no other was merged with, from a worker that stopped looking keys up, is merged with itself.
  if (p.repeats && !merging.has(p)) {
    const m = startMerging(r, p.codes.length, w, p.n);
    add(m, p, merge);
    p = partialOf(m);
  }
  const sealed = p;
  const keys = sealed.codes.map((_, j) => {
    const codes = coded(r, sealed, j);
    const known = r.sealed[j]!;
    r.sealed[j] = r.parts[j]!.size;
    return { ...entriesOf(r.parts[j]!, known), codes };
  });
  return { n: p.n, slots: p.slots, keys };
}

/** Where each key of a ByteKeys table starts in its `bytes` (one offset more than keys). */
function endsOf(keys: ByteKeys): Int32Array {
  const offsets = new Int32Array(keys.size + 1);
  for (let id = 0; id < keys.size; id++) offsets[id + 1] = keys.endOf(id);
  return offsets;
}

/** A ByteKeys table's keys from id `from` on, as bytes of their own and each one's start (one offset more than keys). */
export function entriesOf(keys: ByteKeys, from: number): { bytes: Uint8Array; offsets: Int32Array } {
  const start = from === 0 ? 0 : keys.endOf(from - 1);
  const offsets = new Int32Array(keys.size - from + 1);
  for (let id = from; id < keys.size; id++) offsets[id - from + 1] = keys.endOf(id) - start;
  return { bytes: keys.bytes.slice(start), offsets };
}

export function grown<T extends Float64Array | Int32Array>(a: T, length: number): T {
  const out = new (a.constructor as new (n: number) => T)(length);
  out.set(a);
  return out;
}

import { util } from 'apache-arrow';
import type { ColumnView, Order } from './columns.js';

/** One sort key: a column and its direction. */
export interface SortKey {
  column: string;
  desc: boolean;
}

/** Parses `by=k:desc,name` (already split at commas): a column, optionally `:asc` or `:desc`. */
export function parseBy(by: string[]): SortKey[] {
  if (by.length === 0) throw new Error('--param by is required: the columns to sort by, e.g. by=k:desc,name');
  return by.map((part) => {
    const at = part.lastIndexOf(':');
    const column = (at < 0 ? part : part.slice(0, at)).trim();
    const dir =
      at < 0
        ? 'asc'
        : part
            .slice(at + 1)
            .trim()
            .toLowerCase();
    if (column === '' || (dir !== 'asc' && dir !== 'desc')) {
      throw new Error(
        `--param by: "${part}" is not a column to sort by; write column, column:asc or column:desc, separated by commas (e.g. ` +
          `by=k:desc,name)`,
      );
    }
    return { column, desc: dir === 'desc' };
  });
}

/**
 * Keys of rows encoded so that comparing (rank, hi, lo) as unsigned integers gives the sort order:
 * rank puts nulls last (asc) or first (desc); hi:lo is an order-preserving 64-bit image of the value
 * (IEEE bits with the sign flipped, integers offset to unsigned, or 8 bytes of text), inverted for
 * desc. Text longer than the 8 bytes it shows is told apart by comparing its bytes.
 */
export interface Encoded {
  rank: Uint8Array;
  hi: Uint32Array;
  lo: Uint32Array;
}

export function encoded(n: number): Encoded {
  return { rank: new Uint8Array(n), hi: new Uint32Array(n), lo: new Uint32Array(n) };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Encodes rows `rows[k]` (k < n) of a column into `out[k]`. Text shows bytes `skip`…`skip + 7` (a
 * prefix every row shares can be skipped). NaN sorts after every number, -0 equals 0.
 */
export function encodeKeys(col: ColumnView, order: Order, desc: boolean, rows: Int32Array, n: number, out: Encoded, skip = 0): void {
  const { rank, hi, lo } = out;
  const flip = desc ? 0xffffffff : 0;
  const valid = col.valid;
  if (order === 'bytes') {
    const bytes = col.bytes!,
      starts = col.starts!,
      ends = col.ends!;
    for (let k = 0; k < n; k++) {
      const i = rows[k]!;
      const s = starts[i]! + skip,
        e = ends[i]!;
      let h = 0,
        l = 0;
      for (let b = 0; b < 4; b++) h = (h << 8) | (s + b < e ? bytes[s + b]! : 0);
      for (let b = 4; b < 8; b++) l = (l << 8) | (s + b < e ? bytes[s + b]! : 0);
      hi[k] = (h ^ flip) >>> 0;
      lo[k] = (l ^ flip) >>> 0;
    }
  } else if (order === 'float' || order === 'half') {
    // A half's numbers are its 16 bits (Arrow's Float16 storage), read as the double they are exactly.
    const x = col.numbers as Float64Array | Float32Array | Uint16Array;
    const half = order === 'half';
    for (let k = 0; k < n; k++) {
      const v = half ? util.uint16ToFloat64(x[rows[k]!]!) : x[rows[k]!]!;
      f64[0] = v === 0 ? 0 : v === v ? v : NaN;
      let h = u32[1]!,
        l = u32[0]!;
      if (h >>> 31) {
        h = ~h;
        l = ~l;
      } else h |= 0x80000000;
      hi[k] = (h ^ flip) >>> 0;
      lo[k] = (l ^ flip) >>> 0;
    }
  } else if (order === 'int64' || order === 'uint64' || order === 'dec64') {
    const w = col.words as Uint32Array;
    const sign = order === 'uint64' ? 0 : 0x80000000;
    // A decimal's row is 4 words; its value is in the low 2.
    const stride = order === 'dec64' ? 4 : 2;
    for (let k = 0; k < n; k++) {
      const i = rows[k]! * stride;
      hi[k] = (w[i + 1]! ^ sign ^ flip) >>> 0;
      lo[k] = (w[i]! ^ flip) >>> 0;
    }
  } else if (order === 'null') {
    hi.fill(0, 0, n);
    lo.fill(0, 0, n);
  } else {
    const x = order === 'bool' ? col.bools! : col.numbers!;
    const sign = order === 'int' ? 0x80000000 : 0;
    for (let k = 0; k < n; k++) {
      hi[k] = (x[rows[k]!]! ^ sign ^ flip) >>> 0;
      lo[k] = flip;
    }
  }
  const validRank = desc ? 1 : 0;
  for (let k = 0; k < n; k++) {
    if (valid && !valid[rows[k]!]) {
      rank[k] = 1 - validRank;
      hi[k] = 0;
      lo[k] = 0;
    } else rank[k] = validRank;
  }
}

/** Compares bytes a[as..ae) with b[bs..be) (shorter first on a common prefix). */
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/** A key held as plain values (a sample or a range boundary): per key column rank, hi, lo and text bytes; and its position. */
export interface KeyRecord {
  rank: number[];
  hi: number[];
  lo: number[];
  text: Array<Uint8Array | null>;
  pos: number;
}

/** The record of row `k` of encoded batch keys (text copied), at input position `pos`. */
export function recordOf(cols: ColumnView[], enc: Encoded[], rows: Int32Array, k: number, pos: number): KeyRecord {
  return {
    rank: enc.map((e) => e.rank[k]!),
    hi: enc.map((e) => e.hi[k]!),
    lo: enc.map((e) => e.lo[k]!),
    text: cols.map((c) => (c.bytes && (!c.valid || c.valid[rows[k]!]) ? c.bytes.slice(c.starts![rows[k]!], c.ends![rows[k]!]) : null)),
    pos,
  };
}

/** Orders two key records: key columns in turn, then input position. */
export function compareRecords(a: KeyRecord, b: KeyRecord, keys: SortKey[]): number {
  for (let c = 0; c < keys.length; c++) {
    const d = a.rank[c]! - b.rank[c]! || a.hi[c]! - b.hi[c]! || a.lo[c]! - b.lo[c]!;
    if (d !== 0) return d;
    const x = a.text[c],
      y = b.text[c];
    if (x && y) {
      const t = compareBytes(x, 0, x.length, y, 0, y.length);
      if (t !== 0) return keys[c]!.desc ? -t : t;
    }
  }
  return a.pos - b.pos;
}

/**
 * Range boundaries as flat typed arrays (bound b, key column c at b·K + c), with a bucket table on the
 * first key: the 12 bits of its hi word after the bits all boundaries share pick a bucket, and
 * `first`/`last` give the boundaries whose bucket is before / at most it. A row then compares only with
 * the few boundaries in its own bucket (usually none) instead of ~log2(B) unpredictable branches.
 */
export interface BoundTable {
  keys: number;
  rank: Uint8Array;
  hi: Uint32Array;
  lo: Uint32Array;
  text: Array<Uint8Array | null>;
  pos: Float64Array;
  /** Bits of hi shared by every boundary (-1: no table, the boundaries' ranks differ or none exist). */
  shared: number;
  prefix: number;
  first: Int32Array;
  last: Int32Array;
}

const BUCKET_BITS = 12;

export function boundTableOf(bounds: KeyRecord[], keys: number): BoundTable {
  const B = bounds.length;
  const t: BoundTable = {
    keys,
    rank: new Uint8Array(B * keys),
    hi: new Uint32Array(B * keys),
    lo: new Uint32Array(B * keys),
    text: [],
    pos: new Float64Array(B),
    shared: -1,
    prefix: 0,
    first: new Int32Array(0),
    last: new Int32Array(0),
  };
  bounds.forEach((b, i) => {
    t.pos[i] = b.pos;
    for (let c = 0; c < keys; c++) {
      t.rank[i * keys + c] = b.rank[c]!;
      t.hi[i * keys + c] = b.hi[c]!;
      t.lo[i * keys + c] = b.lo[c]!;
      t.text[i * keys + c] = b.text[c] ?? null;
    }
  });
  if (B === 0 || bounds[0]!.rank[0] !== bounds[B - 1]!.rank[0]) return t;
  const h0 = bounds[0]!.hi[0]!,
    h1 = bounds[B - 1]!.hi[0]!;
  t.shared = Math.min(32 - BUCKET_BITS, Math.clz32(h0 ^ h1));
  t.prefix = t.shared === 0 ? 0 : h0 >>> (32 - t.shared);
  t.first = new Int32Array(1 << BUCKET_BITS);
  t.last = new Int32Array(1 << BUCKET_BITS);
  for (let i = 0; i < B; i++) {
    const q = bucketOf(bounds[i]!.hi[0]!, t.shared);
    for (let x = q + 1; x < t.first.length; x++) t.first[x]!++;
    for (let x = q; x < t.last.length; x++) t.last[x]!++;
  }
  return t;
}

const bucketOf = (hi: number, shared: number) => (hi << shared) >>> (32 - BUCKET_BITS);

/**
 * The range of each of n encoded rows (input positions start, start + 1, …): how many boundaries
 * order at or before it. The bucket table narrows the search; the rest is a binary search comparing
 * full keys, then position.
 */
export function rangesOf(cols: ColumnView[], enc: Encoded[], n: number, start: number, t: BoundTable, keys: SortKey[]): Int32Array {
  const out = new Int32Array(n);
  const K = t.keys,
    B = t.pos.length,
    shared = t.shared,
    prefix = t.prefix,
    rank0 = t.rank[0]!;
  const rank = enc[0]?.rank,
    hiw = enc[0]?.hi;
  for (let i = 0; i < n; i++) {
    let lo = 0,
      hi = B;
    if (shared >= 0) {
      const h = hiw![i]!,
        r = rank![i]!;
      const p = shared === 0 ? 0 : h >>> (32 - shared);
      if (r !== rank0 || p !== prefix) {
        out[i] = r < rank0 || (r === rank0 && p < prefix) ? 0 : B;
        continue;
      }
      const q = bucketOf(h, shared);
      lo = t.first[q]!;
      hi = t.last[q]!;
    }
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      let d = 0;
      for (let c = 0; c < K && d === 0; c++) {
        const e = enc[c]!,
          j = mid * K + c;
        d = e.rank[i]! - t.rank[j]! || e.hi[i]! - t.hi[j]! || e.lo[i]! - t.lo[j]!;
        const y = t.text[j];
        if (d === 0 && y) {
          const col = cols[c]!;
          d = compareBytes(col.bytes!, col.starts![i]!, col.ends![i]!, y, 0, y.length);
          if (keys[c]!.desc) d = -d;
        }
      }
      if (d === 0) d = start + i - t.pos[mid]!;
      if (d >= 0) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}

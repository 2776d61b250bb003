import type { ColumnView, Order } from './columns.js';

/** One sort key: a column and its direction. */
export interface SortKey { column: string; desc: boolean }

/** Parses `by=k:desc,name` (already split at commas): a column, optionally `:asc` or `:desc`. */
export function parseBy(by: string[]): SortKey[] {
  if (by.length === 0) throw new Error('--param by is required: the columns to sort by, e.g. by=k:desc,name');
  return by.map((part) => {
    const at = part.lastIndexOf(':');
    const column = (at < 0 ? part : part.slice(0, at)).trim();
    const dir = at < 0 ? 'asc' : part.slice(at + 1).trim().toLowerCase();
    if (column === '' || (dir !== 'asc' && dir !== 'desc')) {
      throw new Error(`--param by: "${part}" is not a column to sort by; write column, column:asc or column:desc, separated by commas (e.g. by=k:desc,name)`);
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
export interface Encoded { rank: Uint8Array; hi: Uint32Array; lo: Uint32Array }

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
    const bytes = col.bytes!, starts = col.starts!, ends = col.ends!;
    for (let k = 0; k < n; k++) {
      const i = rows[k]!;
      const s = starts[i]! + skip, e = ends[i]!;
      let h = 0, l = 0;
      for (let b = 0; b < 4; b++) h = (h << 8) | (s + b < e ? bytes[s + b]! : 0);
      for (let b = 4; b < 8; b++) l = (l << 8) | (s + b < e ? bytes[s + b]! : 0);
      hi[k] = (h ^ flip) >>> 0;
      lo[k] = (l ^ flip) >>> 0;
    }
  } else if (order === 'float') {
    const x = col.numbers as Float64Array | Float32Array;
    for (let k = 0; k < n; k++) {
      const v = x[rows[k]!]!;
      f64[0] = v === 0 ? 0 : v === v ? v : NaN;
      let h = u32[1]!, l = u32[0]!;
      if (h >>> 31) {
        h = ~h;
        l = ~l;
      } else h |= 0x80000000;
      hi[k] = (h ^ flip) >>> 0;
      lo[k] = (l ^ flip) >>> 0;
    }
  } else if (order === 'int64' || order === 'uint64') {
    const w = col.words as Uint32Array;
    const sign = order === 'int64' ? 0x80000000 : 0;
    for (let k = 0; k < n; k++) {
      const i = rows[k]! * 2;
      hi[k] = (w[i + 1]! ^ sign ^ flip) >>> 0;
      lo[k] = (w[i]! ^ flip) >>> 0;
    }
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
export interface KeyRecord { rank: number[]; hi: number[]; lo: number[]; text: Array<Uint8Array | null>; pos: number }

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
    const x = a.text[c], y = b.text[c];
    if (x && y) {
      const t = compareBytes(x, 0, x.length, y, 0, y.length);
      if (t !== 0) return keys[c]!.desc ? -t : t;
    }
  }
  return a.pos - b.pos;
}

/** Orders row `k` of encoded batch keys (at input position `pos`) against a record. */
export function compareRow(cols: ColumnView[], enc: Encoded[], rows: Int32Array, k: number, pos: number, b: KeyRecord, keys: SortKey[]): number {
  for (let c = 0; c < enc.length; c++) {
    const e = enc[c]!;
    const d = e.rank[k]! - b.rank[c]! || e.hi[k]! - b.hi[c]! || e.lo[k]! - b.lo[c]!;
    if (d !== 0) return d;
    const y = b.text[c], col = cols[c]!;
    if (y && col.bytes) {
      const i = rows[k]!;
      const t = compareBytes(col.bytes, col.starts![i]!, col.ends![i]!, y, 0, y.length);
      if (t !== 0) return keys[c]!.desc ? -t : t;
    }
  }
  return pos - b.pos;
}

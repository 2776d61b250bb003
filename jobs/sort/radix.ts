import { compareBytes, type Encoded } from './keys.js';

const BITS = 11;
const MASK = (1 << BITS) - 1;

/**
 * The stable order of n rows by their encoded keys (most significant column first), as local row
 * numbers: an LSD radix sort over 11-bit digits of each column's lo, hi and rank, least significant
 * first, skipping digits every row shares (a 32-bit integer key costs 2–3 passes, a double 6).
 * Equal keys keep their row order, which is input order: the sort is stable.
 */
export function radixOrder(n: number, keys: Encoded[]): Int32Array {
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Int32Array(n);
  const counts = new Int32Array(1 << BITS);
  for (let c = keys.length - 1; c >= 0; c--) {
    const { rank, hi, lo } = keys[c]!;
    for (const [words, shift, mask] of [
      [lo, 0, MASK],
      [lo, BITS, MASK],
      [lo, 2 * BITS, MASK],
      [hi, 0, MASK],
      [hi, BITS, MASK],
      [hi, 2 * BITS, MASK],
      [rank, 0, 1],
    ] as const) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(words[i]! >>> shift) & mask]!++;
      if (n === 0 || counts[(words[0]! >>> shift) & mask] === n) continue;
      for (let d = 0, sum = 0; d <= mask; d++) {
        const k = counts[d]!;
        counts[d] = sum;
        sum += k;
      }
      for (let j = 0; j < n; j++) {
        const i = order[j]!;
        spare[counts[(words[i]! >>> shift) & mask]!++] = i;
      }
      [order, spare] = [spare, order];
    }
  }
  return order;
}

/** Text of one key column for refinement: row i is bytes[starts[i]..ends[i]), by local row number. */
export interface TextKey {
  bytes: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  desc: boolean;
}

/**
 * Finishes a radix order when keys hold text: rows whose encodings agree up to a text column may
 * still differ after its first 8 bytes. Each run of such rows is sorted again by full comparison
 * (text bytes, later columns, then row number, so stability holds); a run whose text is identical
 * is already in order up to the next text column, where the same is done.
 */
export function refineText(
  order: Int32Array,
  keys: Encoded[],
  text: Array<TextKey | undefined>,
  from = 0,
  to = order.length,
  first = 0,
): void {
  let t = first;
  while (t < keys.length && !text[t]) t++;
  if (t === keys.length) return;
  const same = (a: number, b: number) => {
    for (let c = first; c <= t; c++) {
      const k = keys[c]!;
      if (k.rank[a] !== k.rank[b] || k.hi[a] !== k.hi[b] || k.lo[a] !== k.lo[b]) return false;
    }
    return true;
  };
  const tk = text[t]!;
  for (let s = from; s < to; ) {
    let e = s + 1;
    while (e < to && same(order[s]!, order[e]!)) e++;
    if (e - s > 1) {
      const a = order[s]!;
      let identical = true;
      for (let j = s + 1; j < e && identical; j++) {
        const b = order[j]!;
        identical = compareBytes(tk.bytes, tk.starts[a]!, tk.ends[a]!, tk.bytes, tk.starts[b]!, tk.ends[b]!) === 0;
      }
      if (identical) refineText(order, keys, text, s, e, t + 1);
      else mergeSort(order, s, e, (x, y) => compareFrom(x, y, keys, text, t));
    }
    s = e;
  }
}

/** Full comparison of local rows from key column `first` on, then row number. */
function compareFrom(a: number, b: number, keys: Encoded[], text: Array<TextKey | undefined>, first: number): number {
  for (let c = first; c < keys.length; c++) {
    const k = keys[c]!;
    const d = k.rank[a]! - k.rank[b]!;
    if (d !== 0) return d;
    const tk = text[c];
    if (tk) {
      const t = compareBytes(tk.bytes, tk.starts[a]!, tk.ends[a]!, tk.bytes, tk.starts[b]!, tk.ends[b]!);
      if (t !== 0) return tk.desc ? -t : t;
    } else {
      const e = k.hi[a]! - k.hi[b]! || k.lo[a]! - k.lo[b]!;
      if (e !== 0) return e;
    }
  }
  return a - b;
}

/** Sorts order[from..to) by `cmp` (a merge sort; insertion sort below 16 rows). */
function mergeSort(order: Int32Array, from: number, to: number, cmp: (a: number, b: number) => number): void {
  const n = to - from;
  let src = order.slice(from, to),
    dst = new Int32Array(n);
  for (let s = 0; s < n; s += 16) {
    const e = Math.min(n, s + 16);
    for (let i = s + 1; i < e; i++) {
      const x = src[i]!;
      let j = i - 1;
      while (j >= s && cmp(src[j]!, x) > 0) src[j + 1] = src[j--]!;
      src[j + 1] = x;
    }
  }
  for (let width = 16; width < n; width *= 2) {
    for (let s = 0; s < n; s += 2 * width) {
      const m = Math.min(n, s + width),
        e = Math.min(n, s + 2 * width);
      let i = s,
        j = m,
        k = s;
      while (i < m && j < e) dst[k++] = cmp(src[j]!, src[i]!) < 0 ? src[j++]! : src[i++]!;
      while (i < m) dst[k++] = src[i++]!;
      while (j < e) dst[k++] = src[j++]!;
    }
    [src, dst] = [dst, src];
  }
  order.set(src, from);
}

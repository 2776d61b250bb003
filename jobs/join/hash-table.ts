import type { DriverContext, Key } from 'quiver';
import type { RowKey } from './keys.js';

/**
 * The right side's keys as an open-addressing hash table in shared memory, built once by the driver
 * and read by every worker through the same SharedArrayBuffers (passed in a `json` param, which shares
 * them instead of copying). `slots` holds row + 1 of the first row of each distinct key (0: empty,
 * linear probing); `next` chains a key's rows in right-input order (−1 ends). A row's key is a number
 * in `nums` (kind 1) or text in `text[starts[r]..starts[r+1])` as UTF-16 code units (kind 2); rows
 * with no key (kind 0) are not in the table.
 */
export interface KeyTable {
  slots: Int32Array;
  next: Int32Array;
  kinds: Uint8Array;
  nums: Float64Array;
  text: Uint16Array;
  starts: Int32Array;
}

/** Builds the table of `keys` (one per right row) in memory from `q.shared`. */
export function buildKeyTable(keys: RowKey[], q: Pick<DriverContext, 'shared'>): KeyTable {
  const n = keys.length;
  let chars = 0;
  let present = 0;
  for (const k of keys) {
    if (k === undefined) continue;
    present++;
    if (typeof k === 'string') chars += k.length;
  }
  let size = 2;
  while (size < 2 * present) size *= 2;
  const t: KeyTable = { slots: q.shared(Int32Array, size), next: q.shared(Int32Array, n), kinds: q.shared(Uint8Array, n), nums: q.shared(Float64Array, n), text: q.shared(Uint16Array, chars), starts: q.shared(Int32Array, n + 1) };
  let at = 0;
  keys.forEach((k, r) => {
    t.starts[r] = at;
    if (typeof k === 'number') (t.kinds[r] = 1), (t.nums[r] = k);
    else if (typeof k === 'string') {
      t.kinds[r] = 2;
      for (let c = 0; c < k.length; c++) t.text[at++] = k.charCodeAt(c);
    }
  });
  t.starts[n] = at;
  // Rows go in last to first, each becoming its key's head, so every chain runs in input order.
  for (let r = n - 1; r >= 0; r--) {
    const k = keys[r];
    if (k === undefined) continue;
    const s = slotOf(t, k);
    t.next[r] = t.slots[s]! - 1;
    t.slots[s] = r + 1;
  }
  return t;
}

/** The first right row whose key is `k` (follow `next` for the others), or −1. */
export function firstRow(t: KeyTable, k: Key): number {
  return t.slots[slotOf(t, k)]! - 1;
}

/** The slot holding key `k`, or the empty slot where it would go. */
function slotOf(t: KeyTable, k: Key): number {
  const mask = t.slots.length - 1;
  for (let s = hashKey(k) & mask; ; s = (s + 1) & mask) {
    const row = t.slots[s]! - 1;
    if (row < 0 || equals(t, row, k)) return s;
  }
}

function equals(t: KeyTable, row: number, k: Key): boolean {
  if (typeof k === 'number') return t.kinds[row] === 1 && t.nums[row] === k;
  const start = t.starts[row]!;
  if (t.kinds[row] !== 2 || t.starts[row + 1]! - start !== k.length) return false;
  for (let c = 0; c < k.length; c++) if (t.text[start + c] !== k.charCodeAt(c)) return false;
  return true;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A 32-bit hash of a key: its float64 bits, or its UTF-16 code units (murmur3's mixing). */
function hashKey(k: Key): number {
  let h = 0x9747b28c;
  let n: number;
  if (typeof k === 'number') {
    f64[0] = k;
    h = mix(mix(h, u32[0]!), u32[1]!);
    n = 8;
  } else {
    for (let c = 0; c < k.length; c++) h = mix(h, k.charCodeAt(c));
    n = k.length;
  }
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function mix(h: number, w: number): number {
  h ^= Math.imul(((w = Math.imul(w, 0xcc9e2d51)) << 15) | (w >>> 17), 0x1b873593);
  return Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
}

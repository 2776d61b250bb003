import type { DriverContext, Key } from 'quiver-engine';
import type { RowKey } from './keys.js';

/**
 * The right side's keys as an open-addressing hash table in shared memory, built once by the driver
 * and read by every worker through the same SharedArrayBuffers (passed in a `json` param, which shares
 * them instead of copying). Slot s holds, side by side so a probe touches one cache line, a numeric key
 * (NaN for a text key) in `slots[2s]` and its first row in `slots[2s + 1]`: row + 1 when the key has
 * one row, −(row + 1) when `next` chains more (in right-input order, −1 ends), 0 for an empty slot.
 * Text keys are compared with their UTF-16 code units in `text[starts[r]..starts[r + 1])`. Rows with
 * no key are not in the table.
 */
export interface KeyTable {
  slots: Float64Array;
  next: Int32Array;
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
  const t: KeyTable = {
    slots: q.shared(Float64Array, 2 * size),
    next: q.shared(Int32Array, n),
    text: q.shared(Uint16Array, chars),
    starts: q.shared(Int32Array, n + 1),
  };
  let at = 0;
  keys.forEach((k, r) => {
    t.starts[r] = at;
    if (typeof k === 'string') for (let c = 0; c < k.length; c++) t.text[at++] = k.charCodeAt(c);
  });
  t.starts[n] = at;
  // Rows go in last to first, each becoming its key's head, so every chain runs in input order.
  for (let r = n - 1; r >= 0; r--) {
    const k = keys[r];
    if (k === undefined) continue;
    const s = slotOf(t, k);
    const head = Math.abs(t.slots[s + 1]!) - 1;
    t.next[r] = head;
    t.slots[s] = typeof k === 'number' ? k : NaN;
    t.slots[s + 1] = head < 0 ? r + 1 : -(r + 1);
  }
  return t;
}

/** Key `k`'s rows: 0 for none, r + 1 when right row r is its only row, −(r + 1) when r is its first and `next` chains the rest. */
export function headOf(t: KeyTable, k: Key): number {
  return t.slots[slotOf(t, k) + 1]!;
}

/** The index in `slots` of the slot holding key `k`, or of the empty slot where it would go. */
function slotOf(t: KeyTable, k: Key): number {
  const slots = t.slots;
  const mask = slots.length / 2 - 1;
  if (typeof k === 'number') {
    for (let s = hashNumber(k) & mask; ; s = (s + 1) & mask) if (slots[2 * s + 1] === 0 || slots[2 * s] === k) return 2 * s;
  }
  for (let s = hashText(k) & mask; ; s = (s + 1) & mask) {
    const row = Math.abs(slots[2 * s + 1]!) - 1;
    if (row < 0 || (slots[2 * s] !== slots[2 * s] && sameText(t, row, k))) return 2 * s;
  }
}

function sameText(t: KeyTable, row: number, k: string): boolean {
  const start = t.starts[row]!;
  if (t.starts[row + 1]! - start !== k.length) return false;
  for (let c = 0; c < k.length; c++) if (t.text[start + c] !== k.charCodeAt(c)) return false;
  return true;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A 32-bit hash of a number: of the integer itself when it is one, else of its float64 bits. */
function hashNumber(k: number): number {
  if ((k | 0) === k) return fmix(Math.imul(k, 0x9e3779b1));
  f64[0] = k;
  return fmix(u32[0]! ^ Math.imul(u32[1]!, 0x9e3779b1));
}

/** A 32-bit hash of text (FNV-1a over its UTF-16 code units). */
function hashText(k: string): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < k.length; c++) h = Math.imul(h ^ k.charCodeAt(c), 0x01000193);
  return fmix(h);
}

/** murmur3's finalizer: every input bit affects every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

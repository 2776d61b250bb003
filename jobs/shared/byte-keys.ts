/**
 * Keys given as UTF-8 bytes → dense ids (0, 1, 2, … in order of first sight), in an open-addressing
 * hash table over the bytes themselves. What word count and groupby use for text keys instead of a
 * JS Map of strings: a string made from a column's bytes for every row is a new string whose hash V8
 * computes anew, and that string plus the Map lookup were most of those jobs' CPU time (a profile of
 * word count over 200 MB: 46% in the combiner's Map, 18% splitting lines into strings; of q3 from
 * CSV: 45% in groupby's Map). A key becomes a JS string once (`keyAt`), for the emit at the end.
 *
 * Keys with many distinct values (groupby's) are looked up a batch at a time (`idsOf`), in passes: hash every key, then probe the table for
 * every key, then add the keys not found, in order. With 100K distinct keys the table does not fit
 * the caches and a probe is a cache miss; the probes of a pass do not depend on each other, so the
 * CPU overlaps their misses, which one key at a time (hash, probe, compare, next) cannot. An id's
 * entry holds the key's hash, length and first 12 bytes, so a key of up to 12 bytes (a word, an id)
 * is compared without a miss into the key bytes, and entries are dense in order of first sight, so
 * the frequent words of a text (seen first) share a few cache lines. Measured on one thread of the
 * loaded machine: 5M rows of 100K distinct 12-byte keys, a Map of strings 2.7 s, this table one key
 * at a time with the bytes apart 1.7 s, in passes 0.7 s. Words, whose entries stay cached, go one at
 * a time (`idOf`, hashed as the tokenizer scans them): the words of 50 MB of text, split(/\s+/) and a
 * Map 1.5 s, `idOf` 0.53 s. Both fill one table (one hash: FNV-1a of the bytes).
 */
export class ByteKeys {
  /** Slot → id + 1 (0: empty); a power of two long, at most half full. */
  private table = new Int32Array(1024);
  private mask = 1023;
  /** Per id, ENTRY int32s: hash, length, the first 12 bytes as 3 words, where the bytes start in `arena`. */
  private entries = new Int32Array(256 * ENTRY);
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private strings: string[] = [];
  /** Per key of the current batch: hash, then the first 12 bytes as 3 words. */
  private scratch = new Int32Array(0);
  /** Distinct keys held. */
  size = 0;

  /**
   * Writes into `out[i]` the id of the key `src[starts[i], ends[i])`, for i < n, adding the keys not
   * seen before (in order of i, so a key's id is the order of its first sight).
   */
  idsOf(src: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, out: Int32Array): void {
    if (this.scratch.length < 4 * n) this.scratch = new Int32Array(4 * n);
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < n; i++) packKey(src, view, starts[i]!, ends[i]!, this.scratch, 4 * i);
    for (let i = 0; i < n; i++) out[i] = this.find(src, starts[i]!, ends[i]!, 4 * i);
    for (let i = 0; i < n; i++) if (out[i]! < 0) out[i] = this.findOrAdd(src, starts[i]!, ends[i]!, 4 * i);
  }

  /**
   * The id of one key `src[start, end)` whose hash `h` the caller made as it scanned the bytes
   * (`hashStep` over each byte from HASH_SEED), added when new. For keys whose entries stay in the
   * caches (the words of a text: 20K distinct, the frequent ones first), one key at a time with the
   * hash made during the scan is faster than `idsOf`'s passes: 0.53 s against 0.8 s for the words
   * of 50 MB of text, on one thread of the loaded machine.
   */
  idOf(src: Uint8Array, start: number, end: number, h: number): number {
    const { table, mask, entries, arena } = this;
    const len = end - start;
    for (let slot = mix(h) & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot]!;
      if (v === 0) break;
      const e = (v - 1) * ENTRY;
      if (entries[e] === h && entries[e + 1] === len) {
        const at = entries[e + 5]!;
        let k = 0;
        while (k < len && arena[at + k] === src[start + k]) k++;
        if (k === len) return v - 1;
      }
    }
    if (this.scratch.length < 4) this.scratch = new Int32Array(4);
    packKey(src, new DataView(src.buffer, src.byteOffset, src.byteLength), start, end, this.scratch, 0);
    return this.add(src, start, len, 0);
  }

  /** The key of `id` as a JS string (decoded once, then remembered). */
  keyAt(id: number): string {
    let s = this.strings[id];
    if (s === undefined) {
      const e = id * ENTRY;
      const at = this.entries[e + 5]!;
      s = this.strings[id] = Buffer.from(this.arena.buffer, at, this.entries[e + 1]!).toString('utf8');
    }
    return s;
  }

  /** The id of the key packed at `scratch[r]` (`src[start, end)`), or -1. */
  private find(src: Uint8Array, start: number, end: number, r: number): number {
    const { table, mask, entries, scratch } = this;
    const h = scratch[r]!;
    const len = end - start;
    for (let slot = mix(h) & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot]!;
      if (v === 0) return -1;
      const e = (v - 1) * ENTRY;
      if (
        entries[e] === h &&
        entries[e + 1] === len &&
        entries[e + 2] === scratch[r + 1] &&
        entries[e + 3] === scratch[r + 2] &&
        entries[e + 4] === scratch[r + 3] &&
        (len <= INLINE || this.sameTail(entries[e + 5]!, src, start, len))
      )
        return v - 1;
    }
  }

  /** `find`, adding the key when it is not there. */
  private findOrAdd(src: Uint8Array, start: number, end: number, r: number): number {
    const id = this.find(src, start, end, r);
    return id >= 0 ? id : this.add(src, start, end - start, r);
  }

  /** Whether the key bytes at `arena[at]` past the first 12 equal `src[start + 12, start + len)`. */
  private sameTail(at: number, src: Uint8Array, start: number, len: number): boolean {
    for (let k = INLINE; k < len; k++) if (this.arena[at + k] !== src[start + k]) return false;
    return true;
  }

  private add(src: Uint8Array, start: number, len: number, r: number): number {
    const id = this.size++;
    if ((id + 1) * ENTRY > this.entries.length) {
      const entries = new Int32Array(this.entries.length * 2);
      entries.set(this.entries);
      this.entries = entries;
    }
    if (this.used + len > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      arena.set(this.arena.subarray(0, this.used));
      this.arena = arena;
    }
    this.arena.set(src.subarray(start, start + len), this.used);
    const { entries, scratch } = this;
    const e = id * ENTRY;
    entries[e] = scratch[r]!;
    entries[e + 1] = len;
    entries[e + 2] = scratch[r + 1]!;
    entries[e + 3] = scratch[r + 2]!;
    entries[e + 4] = scratch[r + 3]!;
    entries[e + 5] = this.used;
    this.used += len;
    if (this.size * 2 > this.table.length) this.rehash();
    else this.place(this.table, this.mask, id);
    return id;
  }

  /** Puts `id` in the first free slot of its probe sequence. */
  private place(table: Int32Array, mask: number, id: number): void {
    let slot = mix(this.entries[id * ENTRY]!) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = id + 1;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let id = 0; id < this.size; id++) this.place(table, mask, id);
    this.table = table;
    this.mask = mask;
  }
}

const ENTRY = 6;
/** Bytes of a key kept in its slot. */
const INLINE = 12;

/** The hash ByteKeys files the key `src[start, end)` under (tests look for two keys that share one). */
export function keyHash(src: Uint8Array, start: number, end: number): number {
  const out = new Int32Array(4);
  packKey(src, new DataView(src.buffer, src.byteOffset, src.byteLength), start, end, out, 0);
  return out[0]!;
}

/**
 * Writes the hash of `src[start, end)` at `out[r]` and its first 12 bytes (zero-padded, little-endian)
 * as 3 words at `out[r + 1 …]`. The hash is FNV-1a of the bytes (what `idOf`'s callers make as they
 * scan). The words are read as three unaligned 32-bit loads and masked to the key's length (`view` is
 * `src` as a DataView), a byte at a time only near the end of `src`: a third less time on words.
 */
function packKey(src: Uint8Array, view: DataView, start: number, end: number, out: Int32Array, r: number): void {
  const len = end - start;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  if (start + INLINE <= src.length) {
    w0 = view.getInt32(start, true);
    w1 = view.getInt32(start + 4, true);
    w2 = view.getInt32(start + 8, true);
    if (len < 4) (w0 &= (1 << (8 * len)) - 1), (w1 = 0), (w2 = 0);
    else if (len < 8) (w1 = len === 4 ? 0 : w1 & ((1 << (8 * (len - 4))) - 1)), (w2 = 0);
    else if (len < INLINE) w2 = len === 8 ? 0 : w2 & ((1 << (8 * (len - 8))) - 1);
  } else {
    let j = start;
    const e0 = Math.min(end, start + 4);
    const e1 = Math.min(end, start + 8);
    const e2 = Math.min(end, start + INLINE);
    for (let shift = 0; j < e0; j++, shift += 8) w0 |= src[j]! << shift;
    for (let shift = 0; j < e1; j++, shift += 8) w1 |= src[j]! << shift;
    for (let shift = 0; j < e2; j++, shift += 8) w2 |= src[j]! << shift;
  }
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = hashStep(h, src[i]!);
  out[r] = h;
  out[r + 1] = w0;
  out[r + 2] = w1;
  out[r + 3] = w2;
}

/** FNV-1a's offset basis: where a key's hash starts. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** One more byte into a key's FNV-1a hash: `h = hashStep(h, byte)`, from HASH_SEED. */
export function hashStep(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193);
}

/** FNV-1a's low bits are weak: mix the high bits down before masking (murmur3's finalizer). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

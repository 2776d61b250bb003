/**
 * Keys given as UTF-8 bytes → dense ids (0, 1, 2, … in order of first sight), in an open-addressing
 * hash table over the bytes themselves. What word count and groupby use for text keys instead of a
 * JS Map of strings: a string made from a column's bytes for every row is a new string whose hash V8
 * computes anew, and that string plus the Map lookup were most of those jobs' CPU time (a profile of
 * word count over 200 MB: 46% in the combiner's Map, 18% splitting lines into strings; of q3 from
 * CSV: 45% in groupby's Map). A key becomes a JS string once (`keyAt`), for the emit at the end.
 *
 * A slot of the table is 4 int32s (16 bytes, four to a cache line) and holds all a probe needs: the
 * id, and for a key of up to 12 bytes its length and bytes (zero-padded), so a short key (an id, a
 * word) is found or told apart with one read of the table and nothing else; a longer key's slot holds
 * its hash and first 8 bytes, and only a match on those reads the rest from the key bytes. With 100K
 * distinct keys the table (4 MB) is far out of the caches and a probe is a miss: one where the slot
 * held an index into a separate array of entries was two misses in a row. Measured on one thread of
 * the loaded machine (CPU time), 5M rows of 100K distinct 12-byte keys: id-only slots with entries
 * apart 0.83 s, these slots 0.47 s; of 1K keys (all cached) 0.28 s and 0.17 s.
 *
 * Keys with many distinct values (groupby's) are looked up a batch at a time (`idsOf`), in passes over
 * 2048 keys at a time: hash every key, load the first slot of each when the table has outgrown the L2
 * cache (loads only, no branch on what they read), then probe the table for every key, then add the
 * keys not found, in order. The loads of a pass do not depend on each other, so the CPU overlaps their
 * misses, which one key at a time (hash, probe, compare, next) cannot: 5M rows of 100K keys, a Map of
 * strings 2.7 s, one at a time 1.7 s, in passes 0.7 s (the table before these slots). The probe pass
 * alone still stalled on a miss whenever a branch on a slot's words was mispredicted; with the loads
 * first it finds the lines in the cache: 5M G1 rows of 100K id3 keys in groupby, 530 → 440 ms
 * (medians, load ~20). Words, whose slots stay cached, go one at a time (`idOf`, with a short key's
 * words kept in registers): cutting the words of 50 MB of text and looking them up took 0.45 s,
 * against 0.75 s with the hash made byte by byte as the words were scanned and entries apart, and
 * 1.5 s for split(/\s+/) and a Map. Both fill one table. A short key's hash is 3 multiply-and-fold steps
 * over its words (hashOf), a long key's murmur3 over its 4-byte words, read as unaligned loads: a byte
 * at a time (FNV-1a, before) was a multiply per byte in one dependent chain.
 */
export class ByteKeys {
  /**
   * SLOT int32s per slot: a tag ((id + 1) << 4 | length code; 0 when empty), then 3 words (packKey).
   * A power of two of slots, at most half full.
   */
  private table = new Int32Array(1024 * SLOT);
  /** Per id, ENTRY int32s: the 4 words of its slot, its length, where its bytes start in `arena`. */
  private entries = new Int32Array(256 * ENTRY);
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  private strings: string[] = [];
  /** Per key of the current batch: the 4 words packKey makes. */
  private scratch = new Int32Array(SLOT);
  /** The last key source and its DataView (one per source, not one per key). */
  private src: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.src.buffer);
  /** Per key of an `idsOf` chunk: the slot its probe starts at. */
  private readonly home = new Int32Array(CHUNK);
  /** What the prefetching loads of `idsOf` read, kept (a field read by no one) so that the compiler keeps the loads. */
  touched = 0;
  /** Distinct keys held. */
  size = 0;

  /**
   * Writes into `out[i]` the id of the key `src[starts[i], ends[i])`, for i < n, adding the keys not
   * seen before (in order of i, so a key's id is the order of its first sight).
   */
  idsOf(src: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, out: Int32Array): void {
    if (this.scratch.length < SLOT * CHUNK) this.scratch = new Int32Array(SLOT * CHUNK);
    const view = this.viewOf(src);
    const { scratch, home } = this;
    // A chunk's scratch words (32 KB) stay in L1/L2 between the passes; a whole batch's (2 MB for
    // 120K rows) did not, and each pass read them back from memory.
    for (let at = 0; at < n; at += CHUNK) {
      const end = Math.min(n, at + CHUNK);
      const { table } = this;
      const tmask = table.length - 1;
      for (let i = at; i < end; i++) {
        const r = SLOT * (i - at);
        packKey(src, view, starts[i]!, ends[i]!, scratch, r);
        home[i - at] = (mix(hashOf(scratch[r]!, scratch[r + 1]!, scratch[r + 2]!, scratch[r + 3]!)) << 2) & tmask;
      }
      // Loads only, no branch on what they read: the CPU keeps many of these misses in flight at once,
      // and the probes below find their slots' cache lines loaded. Probing straight away stalled on
      // each miss whenever a branch on the slot's words was mispredicted.
      if (table.length > CACHED_SLOTS) {
        let touched = 0;
        for (let i = at; i < end; i++) touched ^= table[home[i - at]!]!;
        this.touched = touched;
      }
      for (let i = at; i < end; i++) out[i] = this.findFrom(src, starts[i]!, ends[i]!, SLOT * (i - at), home[i - at]!);
      for (let i = at; i < end; i++) if (out[i]! < 0) out[i] = this.findOrAdd(src, starts[i]!, ends[i]!, SLOT * (i - at));
    }
  }

  /**
   * The id of one key `src[start, end)`, added when new. For keys whose slots stay in the caches (the
   * words of a text: 20K distinct, the frequent ones first), one key at a time is faster than
   * `idsOf`'s passes (0.53 s against 0.8 s for the words of 50 MB of text, measured with the table
   * before these slots).
   */
  idOf(src: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const view = src === this.src ? this.view : this.viewOf(src);
    if (len > INLINE || start + INLINE > src.length) {
      packKey(src, view, start, end, this.scratch, 0);
      return this.findOrAdd(src, start, end, 0);
    }
    // A short key (most words) without the scratch words: packKey and find with the words in registers.
    let w0 = view.getInt32(start, true);
    let w1 = view.getInt32(start + 4, true);
    let w2 = view.getInt32(start + 8, true);
    if (len < 4) (w0 = len === 0 ? 0 : w0 & (-1 >>> (32 - 8 * len))), (w1 = 0), (w2 = 0);
    else if (len < 8) (w1 = len === 4 ? 0 : w1 & (-1 >>> (64 - 8 * len))), (w2 = 0);
    else if (len < INLINE) w2 = len === 8 ? 0 : w2 & (-1 >>> (96 - 8 * len));
    const { table } = this;
    const tmask = table.length - 1;
    for (let s = (mix(hashOf(len, w0, w1, w2)) << 2) & tmask; ; s = (s + SLOT) & tmask) {
      const tag = table[s]!;
      if (tag === 0) break;
      if ((tag & 15) === len && table[s + 1] === w0 && table[s + 2] === w1 && table[s + 3] === w2) return (tag >>> 4) - 1;
    }
    const { scratch } = this;
    scratch[0] = len;
    scratch[1] = w0;
    scratch[2] = w1;
    scratch[3] = w2;
    return this.add(src, start, len, 0);
  }

  /** The key of `id` as a JS string (decoded once, then remembered). */
  keyAt(id: number): string {
    let s = this.strings[id];
    if (s === undefined) {
      const e = id * ENTRY;
      s = this.strings[id] = Buffer.from(this.arena.buffer, this.entries[e + 5]!, this.entries[e + 4]!).toString('utf8');
    }
    return s;
  }

  /** The bytes of every key held, one after another in id order (key `id` ends at `endOf(id)`): keys as one buffer to move. */
  get bytes(): Uint8Array {
    return this.arena.subarray(0, this.used);
  }

  /** Where key `id`'s bytes end in `bytes`. */
  endOf(id: number): number {
    const e = id * ENTRY;
    return this.entries[e + 5]! + this.entries[e + 4]!;
  }

  private viewOf(src: Uint8Array): DataView {
    if (src !== this.src) {
      this.src = src;
      this.view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    }
    return this.view;
  }

  /** The id of the key packed at `scratch[r]` (`src[start, end)`), or -1. */
  private find(src: Uint8Array, start: number, end: number, r: number): number {
    const { scratch } = this;
    const home = (mix(hashOf(scratch[r]!, scratch[r + 1]!, scratch[r + 2]!, scratch[r + 3]!)) << 2) & (this.table.length - 1);
    return this.findFrom(src, start, end, r, home);
  }

  /** `find`, its probe starting at slot `home` (the key's hash's). */
  private findFrom(src: Uint8Array, start: number, end: number, r: number, home: number): number {
    const { table, scratch } = this;
    const tmask = table.length - 1;
    const w0 = scratch[r]!;
    const w1 = scratch[r + 1]!;
    const w2 = scratch[r + 2]!;
    const w3 = scratch[r + 3]!;
    for (let s = home; ; s = (s + SLOT) & tmask) {
      const tag = table[s]!;
      if (tag === 0) return -1;
      if ((tag & 15) === w0 && table[s + 1] === w1 && table[s + 2] === w2 && table[s + 3] === w3) {
        const id = (tag >>> 4) - 1;
        if (w0 !== LONG || this.sameBytes(id, src, start, end)) return id;
      }
    }
  }

  /** `find`, adding the key when it is not there. */
  private findOrAdd(src: Uint8Array, start: number, end: number, r: number): number {
    const id = this.find(src, start, end, r);
    return id >= 0 ? id : this.add(src, start, end - start, r);
  }

  /** Whether key `id` (a long one) is `src[start, end)`. */
  private sameBytes(id: number, src: Uint8Array, start: number, end: number): boolean {
    const e = id * ENTRY;
    const len = end - start;
    if (this.entries[e + 4] !== len) return false;
    const { arena } = this;
    const at = this.entries[e + 5]! - start;
    for (let k = start; k < end; k++) if (arena[at + k] !== src[k]) return false;
    return true;
  }

  private add(src: Uint8Array, start: number, len: number, r: number): number {
    const id = this.size++;
    if (id + 1 >= MAX_KEYS) throw new RangeError(`more than ${MAX_KEYS - 1} distinct keys in one worker: run with more workers`);
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
    // A byte loop: keys are short, and a subarray per key cost more than copying it (q10's merges add millions).
    const { arena, used } = this;
    for (let k = 0; k < len; k++) arena[used + k] = src[start + k]!;
    const { entries, scratch } = this;
    const e = id * ENTRY;
    for (let k = 0; k < SLOT; k++) entries[e + k] = scratch[r + k]!;
    entries[e + 4] = len;
    entries[e + 5] = this.used;
    this.used += len;
    // The table is refiled from its own slots, so the new key goes in after.
    if (this.size * 2 * SLOT > this.table.length) this.rehash();
    this.place(this.table, id);
    return id;
  }

  /** Puts `id` in the first free slot of its probe sequence. */
  private place(table: Int32Array, id: number): void {
    const { entries } = this;
    const e = id * ENTRY;
    file(table, ((id + 1) << 4) | entries[e]!, entries[e + 1]!, entries[e + 2]!, entries[e + 3]!);
  }

  /**
   * Room for `keys` keys of `bytes` bytes in all without growing: a merge that knows how many keys may
   * come sizes the table once, instead of doubling it and filing every key again a dozen times.
   */
  reserve(keys: number, bytes: number): void {
    if (keys * ENTRY > this.entries.length) {
      const entries = new Int32Array(keys * ENTRY);
      entries.set(this.entries.subarray(0, this.size * ENTRY));
      this.entries = entries;
    }
    if (bytes > this.arena.length) {
      const arena = new Uint8Array(bytes);
      arena.set(this.arena.subarray(0, this.used));
      this.arena = arena;
    }
    let slots = this.table.length;
    while (keys * 2 * SLOT > slots) slots *= 2;
    if (slots > this.table.length) this.refile(slots);
  }

  private rehash(): void {
    this.refile(this.table.length * 2);
  }

  /**
   * A table of `length` int32s with every key filed anew, slot by slot of the old table: a slot holds
   * all its key's hash is made of (its length code in the tag, its 3 words), and a key at home slot h
   * of a table k times smaller goes home to one of h, h + old, …, so the writes move through k regions
   * in step with the reads. Filing ids in order sent each write to a random slot of the new table: past
   * the caches and the TLB's reach, ~140 ns a key, and 4 s of each worker's CPU for one text key of 5M
   * distinct values over 10M rows. Linear probing holds in any order of filing.
   */
  private refile(length: number): void {
    const old = this.table;
    const table = new Int32Array(length);
    for (let s = 0; s < old.length; s += SLOT) if (old[s] !== 0) file(table, old[s]!, old[s + 1]!, old[s + 2]!, old[s + 3]!);
    this.table = table;
  }
}

/** Int32s per slot (a slot index is the hash's low bits `<< 2`), and per id in `entries`. */
const SLOT = 4;
const ENTRY = 6;
/** Keys per pass of `idsOf`. */
const CHUNK = 2048;
/** Int32s of a table small enough to stay in the L2 cache (256 KB), whose slots `idsOf` need not load ahead. */
const CACHED_SLOTS = 1 << 16;
/** Bytes of a key its slot holds whole. */
const INLINE = 12;
/** The length code of a key longer than INLINE. */
const LONG = 15;
/** Ids (plus one) fit in a tag's 27 bits above the length code. */
const MAX_KEYS = 2 ** 27;

/** The hash ByteKeys files the key `src[start, end)` under (tests look for two keys that share one). */
export function keyHash(src: Uint8Array, start: number, end: number): number {
  const out = new Int32Array(SLOT);
  packKey(src, new DataView(src.buffer, src.byteOffset, src.byteLength), start, end, out, 0);
  return hashOf(out[0]!, out[1]!, out[2]!, out[3]!);
}

/**
 * Writes the 4 words of the slot of `src[start, end)` at `out[r …]`: for a key of up to 12 bytes its
 * length, then its bytes as 3 little-endian words (zero-padded), which together are the key; for a
 * longer key LONG, its hash, then its first 8 bytes. The words are unaligned 32-bit loads through
 * `view` (`src` as a DataView) masked to the key's length, a byte at a time only near the end of `src`.
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
    if (len < 4) (w0 = len === 0 ? 0 : w0 & (-1 >>> (32 - 8 * len))), (w1 = 0), (w2 = 0);
    else if (len < 8) (w1 = len === 4 ? 0 : w1 & (-1 >>> (64 - 8 * len))), (w2 = 0);
    else if (len < INLINE) w2 = len === 8 ? 0 : w2 & (-1 >>> (96 - 8 * len));
  } else {
    let j = start;
    const e0 = Math.min(end, start + 4);
    const e1 = Math.min(end, start + 8);
    const e2 = Math.min(end, start + INLINE);
    for (let shift = 0; j < e0; j++, shift += 8) w0 |= src[j]! << shift;
    for (let shift = 0; j < e1; j++, shift += 8) w1 |= src[j]! << shift;
    for (let shift = 0; j < e2; j++, shift += 8) w2 |= src[j]! << shift;
  }
  if (len <= INLINE) {
    out[r] = len;
    out[r + 1] = w0;
    out[r + 2] = w1;
    out[r + 3] = w2;
    return;
  }
  let h = round(round(round(SEED ^ len, w0), w1), w2);
  let k = start + INLINE;
  for (; k + 4 <= end; k += 4) h = round(h, view.getInt32(k, true));
  let tail = 0;
  for (let shift = 0; k < end; k++, shift += 8) tail |= src[k]! << shift;
  out[r] = LONG;
  out[r + 1] = round(h, tail);
  out[r + 2] = w0;
  out[r + 3] = w1;
}

/**
 * Puts a slot's words in the first free slot of their probe sequence in `table`: `tag` ((id + 1) << 4,
 * or'ed with the key's length code, its first word) and the other three.
 */
function file(table: Int32Array, tag: number, w1: number, w2: number, w3: number): void {
  const tmask = table.length - 1;
  let s = (mix(hashOf(tag & 15, w1, w2, w3)) << 2) & tmask;
  while (table[s] !== 0) s = (s + SLOT) & tmask;
  table[s] = tag;
  table[s + 1] = w1;
  table[s + 2] = w2;
  table[s + 3] = w3;
}

/** The hash of a slot's words: a short key's are the key itself; a long key's second word is its hash. */
function hashOf(w0: number, w1: number, w2: number, w3: number): number {
  if (w0 === LONG) return w1;
  // Each step is a bijection of the state (xor a word, multiply by an odd constant, fold the high half
  // down), so two keys equal but for their last word never collide, and a difference in a word's top
  // byte reaches the low bits before the next word: a third of murmur3's work per word, with no
  // collision families like those of a plain sum of products (keys differing only in the top bytes
  // of their words would share 256 hashes).
  let h = Math.imul(w1 ^ w0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ w2, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ w3, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const SEED = 0x811c9dc5 | 0;

/** One word into murmur3's 32-bit hash. */
function round(h: number, w: number): number {
  w = Math.imul(w, 0xcc9e2d51);
  w = (w << 15) | (w >>> 17);
  h ^= Math.imul(w, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's finalizer: every bit of the hash into the low bits a table index takes. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

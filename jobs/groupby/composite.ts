import type { RecordBatch } from 'apache-arrow';
import { joinKey, type JobContext } from 'quiver-engine';
import { PartCoder } from './part-codes.js';

/**
 * The composite keys (by=id1,id2,…) of one worker: each distinct tuple of key values → a dense id, in
 * order of first sight, which is also its group id in groups.ts. A row's key is built from its parts'
 * dense codes (part-codes.ts: dictionary codes, byte-hashed text, integers by range), packed into one
 * integer of as many bits per part as its codes need: while the packed code has at most DIRECT_BITS
 * bits it indexes a table of ids (q2's id1,id2 of 100 values each: 14 bits, a 64 KB table), beyond
 * that the parts are packed into 32-bit words and looked up in an open-addressing table of them. No
 * JS string or Map per row. Before, each part value went through a Map, the parts were packed into a
 * double and that double looked up in a Map, and Arrow's Utf8 parts made a string per row: 40–55% of
 * the workers' CPU in q2 and q9 at 10M rows (bench/results/fast-paths.md, "Composite keys").
 *
 * When a part outgrows its bits, the layout is made anew and the ids are re-filed from each key's
 * part codes (kept per key, which `decode` also reads): a part grows by at least one bit at a time,
 * so that happens a few times per part at most.
 */
export class CompositeKeys {
  readonly parts: PartCoder[];
  /** Keys held (ids 0 … size − 1). */
  size = 0;
  /** Per part, each key's part code. */
  private keyCodes: Int32Array[];
  private layout: Layout;
  /** Direct: packed code → id + 1 (0: none). Hashed: SLOT·words int32s per slot, [id + 1, words…]. */
  private table: Int32Array;
  /** Per-batch buffers: each part's codes, and the packed words of every row. */
  private codes: Int32Array[];
  private packed = new Int32Array(0);
  private ids = new Int32Array(0);
  /** `decode`'s parts. */
  private readonly texts: string[];
  /** Rows looked up so far. */
  private rows = 0;
  /**
   * Whether every row is now a key of its own, unlooked-up: once nearly every row has been a new key
   * (`passRows` rows in, 2^18 by default), the table only costs (q10: ~5M keys a worker, a table far past the caches,
   * filed anew at every doubling). The same key may then have several ids; the reducers merge them
   * (`repeats`).
   */
  repeats = false;
  private readonly passRows = Number(process.env.QUIVER_GROUPBY_PASS_ROWS ?? 1 << 18);

  constructor(by: string[]) {
    this.parts = by.map((name) => new PartCoder(name));
    this.keyCodes = by.map(() => new Int32Array(1024));
    this.codes = by.map(() => new Int32Array(0));
    this.texts = by.map(() => '');
    this.layout = layoutOf(this.parts.map(() => 1));
    this.table = new Int32Array(tableSize(this.layout, 0));
  }

  /** The id of each row of `batch`, adding the keys not seen before (the array is reused per batch). */
  idsOf(batch: RecordBatch, ctx: JobContext): Int32Array {
    const n = batch.numRows;
    if (this.ids.length < n) this.ids = new Int32Array(n);
    const out = this.ids.subarray(0, n);
    const { parts, codes } = this;
    for (let j = 0; j < parts.length; j++) {
      if (codes[j]!.length < n) codes[j] = new Int32Array(Math.max(n, 2 * codes[j]!.length));
      parts[j]!.codesOf(batch, ctx, n, codes[j]!);
    }
    this.rows += n;
    if (this.repeats) {
      for (let i = 0; i < n; i++) out[i] = this.add(i);
      ctx.count(PASSED, n);
      return out;
    }
    if (parts.some((p, j) => p.size > 2 ** this.layout.bits[j]!)) this.relayout();
    const { layout } = this;
    const W = layout.words;
    if (this.packed.length < n * W) this.packed = new Int32Array(Math.max(n * W, 2 * this.packed.length));
    const { packed } = this;
    // Column at a time: each part's codes shifted into its word, one tight loop per part; a direct
    // layout's last part is shifted in by the lookup's loop (one pass fewer).
    const last = layout.direct ? parts.length - 1 : parts.length;
    for (let j = 0; j < last; j++) {
      const c = codes[j]!;
      const w = layout.word[j]!;
      const shift = layout.shift[j]!;
      if (W === 1 && layout.first[j]) for (let i = 0; i < n; i++) packed[i] = c[i]! << shift;
      else if (W === 1) for (let i = 0; i < n; i++) packed[i]! |= c[i]! << shift;
      else if (layout.first[j]) for (let i = 0; i < n; i++) packed[i * W + w] = c[i]! << shift;
      else for (let i = 0; i < n; i++) packed[i * W + w]! |= c[i]! << shift;
    }
    if (layout.direct) this.directIds(n, codes[last]!, layout.shift[last]!, out);
    else this.hashedIds(n, out);
    if (!layout.direct && this.rows >= this.passRows && this.size > PASS_SHARE * this.rows) {
      this.repeats = true;
      this.table = new Int32Array(0);
    }
    return out;
  }

  /**
   * The key of id `id` as it leaves the worker, `joinKey` of its parts' values, with each part's text
   * made once per value. Joined, not concatenated: a concatenation is a rope, which the Map that
   * receives the key flattens again (q10 at 2M rows: the workers' Map time grew by more than the
   * concatenation saved).
   */
  decode(id: number): string {
    const { parts, keyCodes, texts } = this;
    for (let j = 0; j < parts.length; j++) texts[j] = parts[j]!.textOf(keyCodes[j]![id]!);
    return texts.join(SEPARATOR);
  }

  /** Per part, each key's code among that part's values (`parts[j].values`), keys 0 … size − 1. */
  partCodesOfKeys(): Int32Array[] {
    return this.keyCodes.map((k) => k.subarray(0, this.size));
  }

  /** Ids by a direct table: the packed code of every part but the last, or'ed with the last's `codes << shift`. */
  private directIds(n: number, codes: Int32Array, shift: number, out: Int32Array): void {
    const { table, packed } = this;
    for (let i = 0; i < n; i++) {
      const k = packed[i]! | (codes[i]! << shift);
      let id = table[k]! - 1;
      if (id < 0) {
        id = this.add(i);
        table[k] = id + 1;
      }
      out[i] = id;
    }
  }

  private hashedIds(n: number, out: Int32Array): void {
    const W = this.layout.words;
    const S = this.layout.slot;
    const { packed } = this;
    let { table } = this;
    let mask = table.length - 1;
    for (let i = 0; i < n; i++) {
      const at = i * W;
      for (let s = Math.imul(hashWords(packed, at, W), S) & mask; ; s = (s + S) & mask) {
        const tag = table[s]!;
        if (tag === 0) {
          const id = (out[i] = this.add(i));
          // At most half full: past that, a table twice the size with every key filed anew.
          if (this.size * 2 * S > table.length) {
            this.refile();
            table = this.table;
            mask = table.length - 1;
          } else this.file(table, id, packed, at);
          break;
        }
        if (sameWords(table, s + 1, packed, at, W)) {
          out[i] = tag - 1;
          break;
        }
      }
    }
  }

  /** A new key with the part codes of row `i` of the batch. */
  private add(i: number): number {
    const id = this.size++;
    if (id >= this.keyCodes[0]!.length) {
      this.keyCodes = this.keyCodes.map((k) => {
        const grown = new Int32Array(k.length * 2);
        grown.set(k);
        return grown;
      });
    }
    for (let j = 0; j < this.parts.length; j++) this.keyCodes[j]![id] = this.codes[j]![i]!;
    return id;
  }

  /** Puts id `id` of words `words[at …]` in its slot of the hashed `table`. */
  private file(table: Int32Array, id: number, words: Int32Array, at: number): void {
    const W = this.layout.words;
    const S = this.layout.slot;
    const mask = table.length - 1;
    let s = Math.imul(hashWords(words, at, W), S) & mask;
    while (table[s] !== 0) s = (s + S) & mask;
    table[s] = id + 1;
    for (let k = 0; k < W; k++) table[s + 1 + k] = words[at + k]!;
  }

  /** A layout with room for every part's codes (one more bit for a part that grew), and every key filed anew. */
  private relayout(): void {
    const bits = this.parts.map((p, j) => {
      const need = 32 - Math.clz32(p.size);
      return need > this.layout.bits[j]! && this.size > 0 ? need + 1 : Math.max(need, this.layout.bits[j]!);
    });
    this.layout = layoutOf(bits);
    this.refile();
  }

  /** A new table for the layout (hashed: at most half full), with every key filed from its part codes. */
  private refile(): void {
    const { layout } = this;
    const table = new Int32Array(tableSize(layout, this.size));
    const words = new Int32Array(layout.words);
    for (let id = 0; id < this.size; id++) {
      words.fill(0);
      for (let j = 0; j < this.parts.length; j++) words[layout.word[j]!]! |= this.keyCodes[j]![id]! << layout.shift[j]!;
      if (layout.direct) table[words[0]!] = id + 1;
      else this.file(table, id, words, 0);
    }
    this.table = table;
  }
}

/**
 * Rows a worker looks up before it may stop (`repeats`; QUIVER_GROUPBY_PASS_ROWS sets another number,
 * which the tests use on small files), and the share of them that must have been new keys.
 */
const PASS_SHARE = 0.9;

/** The report's counter of rows a worker passed on without looking their key up. */
const PASSED = 'rows passed on unmerged (keys nearly all distinct)';

/** What `joinKey` puts between two parts. */
const SEPARATOR = joinKey('', '');

/**
 * How a row's part codes make its key: part j takes `bits[j]` bits at `shift[j]` of word `word[j]`
 * (whole parts to a word, words of 32 bits); `first[j]` when it is the lowest part of its word.
 * Direct when one word of at most DIRECT_BITS bits.
 */
interface Layout {
  bits: number[];
  word: number[];
  shift: number[];
  first: boolean[];
  words: number;
  /** Int32s per slot of the hashed table: the id, then the words, to a power of two. */
  slot: number;
  direct: boolean;
}

/** Most bits of a packed key that index a table directly: 4M ids, 16 MB per worker. */
const DIRECT_BITS = 22;

function layoutOf(bits: number[]): Layout {
  const word: number[] = [];
  const shift: number[] = [];
  const first: boolean[] = [];
  let w = 0;
  let used = 0;
  for (const b of bits) {
    if (used + b > 32) w++, (used = 0);
    first.push(used === 0);
    word.push(w);
    shift.push(used);
    used += b;
  }
  const words = w + 1;
  const direct = words === 1 && used <= DIRECT_BITS;
  return { bits, word, shift, first, words, slot: 2 ** Math.ceil(Math.log2(words + 1)), direct };
}

/** Int32s of a table for `keys` keys: a direct table spans every packed code; a hashed one is at most half full. */
function tableSize(layout: Layout, keys: number): number {
  if (layout.direct) return 2 ** layout.bits.reduce((a, b) => a + b, 0);
  let slots = 1024;
  while (slots < 4 * keys) slots *= 2;
  return slots * layout.slot;
}

/** A hash of `W` words from `words[at]`: multiply-and-fold per word, then murmur3's finalizer. */
function hashWords(words: Int32Array, at: number, W: number): number {
  let h = Math.imul(words[at]!, 0x9e3779b1);
  for (let k = 1; k < W; k++) h = Math.imul(h ^ (h >>> 15) ^ words[at + k]!, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function sameWords(a: Int32Array, ai: number, b: Int32Array, bi: number, W: number): boolean {
  for (let k = 0; k < W; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

import { DataType, DateUnit, type Data, type RecordBatch } from 'apache-arrow';
import { joinKey, type JobContext } from 'quiver-engine';
import { ByteKeys } from '../shared/byte-keys.js';
import { checkText, codedTextOf, keyColumn, sameText } from './keys.js';
import { isValid, type KeyPart } from './types.js';
import { wordsOf } from './values.js';

/**
 * One part (column) of a composite key, per worker: each distinct value gets a small dense code, 0
 * being null (SQL's null is a group value of its own), in order of first sight. composite.ts packs a
 * row's part codes into one integer. A value has one code whatever layout it comes in, so that a
 * worker reading a key as a dictionary from one file and as plain text from another keeps one group:
 * every text value is looked up by its UTF-8 bytes in one ByteKeys table, every number in one Map,
 * which a table indexed by the value caches for integers of a small range.
 *
 * Per row this costs a typed-array lookup for a dictionary (its entries hashed once per dictionary),
 * a byte hash for plain Utf8 (no JS string) and a table lookup for an integer; only other layouts
 * (floats, 64-bit values beyond 32 bits, decimals, bytes, intervals, Utf8View, LargeUtf8, …) make a
 * JS value per row (keys.ts' `keyColumn`) and look it up in the Map.
 */
export class PartCoder {
  /** Code → value; code 0 is null. */
  readonly values: KeyPart[] = [null];
  /** Text values by their bytes, and each ByteKeys id's code (0: none yet). */
  private readonly text = { keys: new ByteKeys(), codeOf: new Int32Array(256) };
  /** Numbers → code. */
  private readonly numbers = new Map<number, number>();
  /** Integer value − base → code (0: not cached yet); undefined until the first integer batch, null once values span too much. */
  private direct?: { base: number; table: Int32Array } | null;
  /** The last dictionary seen, and its entries' codes. */
  private dictionary?: { values: Data; codes: Int32Array };
  private ints = new Int32Array(0);
  private readonly texts: string[] = [];

  constructor(readonly name: string) {}

  /** The text of code `c`'s value in a `joinKey` key (quiver's null key part for null), made once. */
  textOf(c: number): string {
    let t = this.texts[c];
    if (t === undefined) {
      const v = this.values[c]!;
      t = this.texts[c] = v === null ? joinKey(null) : String(v);
    }
    return t;
  }

  /** Distinct codes given so far (null's included). */
  get size(): number {
    return this.values.length;
  }

  /** Writes the code of each of the first `n` rows of this part's column in `batch` into `out`. */
  codesOf(batch: RecordBatch, ctx: JobContext, n: number, out: Int32Array): void {
    const data = batch.getChild(this.name)?.data[0];
    const coded = data && codedTextOf(batch, this.name, true);
    if (coded) return this.dictionaryCodes(coded, n, out);
    if (data && DataType.isUtf8(data.type)) {
      checkText(data, this.name, true);
      const offsets = data.valueOffsets as Int32Array;
      return this.textCodes(data.values as Uint8Array, offsets, offsets.subarray(1), n, out, data);
    }
    const ints = data && this.integersOf(data);
    if (ints && this.direct !== null && this.directCodes(ints, n, out, data)) return;
    this.valueCodes(keyColumn(batch, this.name, ctx, true), n, out);
  }

  /**
   * Codes of text keys `src[starts[i], ends[i])`: hashed as bytes, and a key new to this part becomes a
   * JS string once (the value `decode` gives back). Rows that `data` has null get code 0.
   */
  private textCodes(src: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, out: Int32Array, data?: Data): void {
    const { keys } = this.text;
    // Few keys (their slots stay cached): one at a time, with a short key in registers, beats idsOf's
    // passes, which pay off when probes miss the caches.
    if (keys.size > 0 && keys.size <= FEW_KEYS) for (let i = 0; i < n; i++) out[i] = keys.idOf(src, starts[i]!, ends[i]!);
    else keys.idsOf(src, starts, ends, n, out);
    if (keys.size > this.text.codeOf.length) {
      const grown = new Int32Array(Math.max(keys.size, this.text.codeOf.length * 2));
      grown.set(this.text.codeOf);
      this.text.codeOf = grown;
    }
    const { codeOf } = this.text;
    const nulls = data !== undefined && data.nullCount > 0;
    for (let i = 0; i < n; i++) {
      if (nulls && !isValid(data, i)) {
        out[i] = 0;
        continue;
      }
      const k = out[i]!;
      let c = codeOf[k]!;
      // The id's first valid row: a null row's bytes (usually empty) were looked up too, but make no value.
      if (c === 0) c = codeOf[k] = this.newCode(keys.keyAt(k));
      out[i] = c;
    }
  }

  /**
   * Codes of dictionary-encoded text: the entries are coded once per dictionary (the batches of one
   * Parquet row group each bring a copy: one equal to the last, compared as bytes, keeps its codes),
   * then a row's code is its entry's. An entry no row has still takes a code, which only costs room.
   */
  private dictionaryCodes(data: Data, n: number, out: Int32Array): void {
    const values = data.dictionary!.data[0]!;
    let dict = this.dictionary;
    if (!dict || !sameText(dict.values, values)) {
      const offsets = values.valueOffsets as Int32Array;
      const codes = new Int32Array(values.length);
      this.textCodes(values.values as Uint8Array, offsets, offsets.subarray(1), values.length, codes);
      dict = this.dictionary = { values, codes };
    }
    const { codes } = dict;
    const idx = data.values as Int32Array;
    if (data.nullCount === 0) for (let i = 0; i < n; i++) out[i] = codes[idx[i]!]!;
    else for (let i = 0; i < n; i++) out[i] = isValid(data, i) ? codes[idx[i]!]! : 0;
  }

  /**
   * Codes of integers spanning at most DIRECT_SPAN values (with the values cached so far): the value
   * indexes a table of codes, which grows as values leave it. False when the span is wider (the Map
   * codes them from then on).
   */
  private directCodes(ints: IntegerArray, n: number, out: Int32Array, data: Data): boolean {
    const nulls = data.nullCount > 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (nulls && !isValid(data, i)) continue;
      const v = ints[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) {
      out.fill(0, 0, n);
      return true;
    }
    const d = this.directFor(lo, hi);
    if (!d) return false;
    const { table, base } = d;
    for (let i = 0; i < n; i++) {
      if (nulls && !isValid(data, i)) {
        out[i] = 0;
        continue;
      }
      const v = ints[i]!;
      let c = table[v - base]!;
      if (c === 0) c = table[v - base] = this.numberCode(v);
      out[i] = c;
    }
    return true;
  }

  /** The direct table, grown to cover `lo`…`hi`, or undefined (and no table from now on) when that spans too much. */
  private directFor(lo: number, hi: number): { base: number; table: Int32Array } | undefined {
    let d = this.direct;
    if (d && lo >= d.base && hi < d.base + d.table.length) return d;
    const base = d ? Math.min(d.base, lo) : lo;
    const top = d ? Math.max(d.base + d.table.length - 1, hi) : hi;
    if (top - base + 1 > DIRECT_SPAN) {
      this.direct = null;
      return undefined;
    }
    const size = Math.min(DIRECT_SPAN, Math.max(top - base + 1, 2 * (d?.table.length ?? 0), 256));
    // Room to grow goes on the side the values left by.
    const start = d && base < d.base ? top - size + 1 : base;
    const table = new Int32Array(size);
    // Every integer coded so far (by this table or by the Map from another layout) that falls in it.
    for (const [v, c] of this.numbers) if (Number.isInteger(v) && v >= start && v < start + size) table[v - start] = c;
    d = this.direct = { base: start, table };
    return d;
  }

  /** Codes of key values as keyColumn gives them: numbers by the Map, strings by their bytes, null 0. */
  private valueCodes(values: ArrayLike<KeyPart>, n: number, out: Int32Array): void {
    let text: string[] | undefined;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v === null) out[i] = 0;
      else if (typeof v === 'number') out[i] = this.numberCode(v);
      else (text ??= []).push(v);
    }
    if (!text) return;
    // The strings of the batch as one buffer of UTF-8, looked up as Utf8 bytes are.
    const starts = new Int32Array(text.length + 1);
    for (let k = 0; k < text.length; k++) starts[k + 1] = starts[k]! + Buffer.byteLength(text[k]!, 'utf8');
    const bytes = Buffer.allocUnsafe(starts[text.length]!);
    for (let k = 0; k < text.length; k++) bytes.write(text[k]!, starts[k]!, 'utf8');
    const codes = new Int32Array(text.length);
    this.textCodes(bytes, starts, starts.subarray(1), text.length, codes);
    for (let i = 0, k = 0; i < n; i++) if (typeof values[i] === 'string') out[i] = codes[k++]!;
  }

  /** The code of a number, a new one when unseen. */
  private numberCode(v: number): number {
    let c = this.numbers.get(v);
    if (c === undefined) {
      c = this.newCode(v);
      this.numbers.set(v, c);
    }
    return c;
  }

  private newCode(v: KeyPart): number {
    this.values.push(v);
    return this.values.length - 1;
  }

  /**
   * The column as an integer typed array when its values are integers of 32 bits or fewer (Int8…Int32,
   * UInt8…UInt32, dates in days, times in s or ms), or 64-bit integers that all fit in 32 bits (Polars
   * writes integers as Int64; copied to Int32 from their limbs); else undefined.
   */
  private integersOf(data: Data): IntegerArray | undefined {
    const t = data.type;
    if (
      (DataType.isInt(t) && t.bitWidth < 64) ||
      (DataType.isDate(t) && t.unit === DateUnit.DAY) ||
      (DataType.isTime(t) && t.bitWidth < 64)
    ) {
      return data.values as IntegerArray;
    }
    if (!DataType.isInt(t) || !t.isSigned) return undefined;
    const words = wordsOf(data, 'i64');
    if (this.ints.length < data.length) this.ints = new Int32Array(data.length);
    const ints = this.ints;
    const nulls = data.nullCount > 0;
    for (let i = 0; i < data.length; i++) {
      const lo = words[2 * i]! | 0;
      // Beyond 32 bits (a null's slot may hold anything): the Map path for the batch.
      if ((words[2 * i + 1]! | 0) !== lo >> 31 && !(nulls && !isValid(data, i))) return undefined;
      ints[i] = lo;
    }
    return ints;
  }
}

/** Most distinct text values of a part looked up one at a time (a 64 KB table). */
const FEW_KEYS = 2048;

/** Most distinct integer values a part's direct table spans: 4M slots, 16 MB per part and worker. */
const DIRECT_SPAN = 1 << 22;

type IntegerArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

import { Bool, Dictionary, Float64, Int32, Utf8, makeData, makeVector, type Data } from 'apache-arrow';
import type { ColumnType } from './column-types.js';

/**
 * Builders that fill one record batch column with a fixed row capacity. They expose their typed
 * arrays so the decoders' hot loops write values straight into them (no per-row objects); a row is
 * written at index `row`, which the decoder owns. Validity bitmaps are allocated on the first null.
 */
export abstract class ColumnBuilder {
  /** Validity bitmap (1 = valid), allocated lazily. */
  valid: Uint8Array | undefined;
  constructor(readonly capacity: number) {}

  /** Marks `row` null. */
  setNull(row: number): void {
    if (!this.valid) this.valid = new Uint8Array((this.capacity + 7) >> 3).fill(0xff);
    this.valid[row >> 3]! &= ~(1 << (row & 7));
  }

  /** Undoes any null mark on `row` (a skipped bad record leaves no trace). */
  clearRow(row: number): void {
    if (this.valid) this.valid[row >> 3]! |= 1 << (row & 7);
  }

  protected nullCount(length: number): number {
    if (!this.valid) return 0;
    let n = 0;
    for (let i = 0; i < length; i++) if ((this.valid[i >> 3]! & (1 << (i & 7))) === 0) n++;
    return n;
  }

  protected bitmap(length: number): Uint8Array | undefined {
    return this.valid ? this.valid.slice(0, (length + 7) >> 3) : undefined;
  }

  /** The column's Arrow data for rows [0, length); the builder must not be used afterwards. */
  abstract finish(length: number): Data;
}

export class Int32Builder extends ColumnBuilder {
  readonly values: Int32Array;
  constructor(capacity: number) {
    super(capacity);
    this.values = new Int32Array(capacity);
  }
  finish(length: number): Data {
    return makeData({ type: new Int32(), length, nullCount: this.nullCount(length), nullBitmap: this.bitmap(length), data: this.values.subarray(0, length) });
  }
}

export class Float64Builder extends ColumnBuilder {
  readonly values: Float64Array;
  constructor(capacity: number) {
    super(capacity);
    this.values = new Float64Array(capacity);
  }
  finish(length: number): Data {
    return makeData({ type: new Float64(), length, nullCount: this.nullCount(length), nullBitmap: this.bitmap(length), data: this.values.subarray(0, length) });
  }
}

export class BoolBuilder extends ColumnBuilder {
  readonly bits: Uint8Array;
  constructor(capacity: number) {
    super(capacity);
    this.bits = new Uint8Array((capacity + 7) >> 3);
  }
  set(row: number, v: boolean): void {
    if (v) this.bits[row >> 3]! |= 1 << (row & 7);
    else this.bits[row >> 3]! &= ~(1 << (row & 7));
  }
  finish(length: number): Data {
    return makeData({ type: new Bool(), length, nullCount: this.nullCount(length), nullBitmap: this.bitmap(length), data: this.bits.subarray(0, (length + 7) >> 3) });
  }
}

/** UTF-8 bytes appended one value at a time; `offsets[row + 1]` is set by `end(row)`. */
export class Utf8Builder extends ColumnBuilder {
  readonly offsets: Int32Array;
  bytes: Uint8Array;
  length = 0; // bytes used
  constructor(capacity: number, bytesHint = capacity * 8) {
    super(capacity);
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(Math.max(64, bytesHint));
  }
  /** Makes room for `n` more bytes. */
  reserve(n: number): Uint8Array {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return this.bytes;
  }
  /** Appends `src[from, to)` as the value of `row`. */
  append(row: number, src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    const dst = this.length + n > this.bytes.length ? this.reserve(n) : this.bytes;
    let o = this.length;
    if (n < 24) for (let i = from; i < to; i++) dst[o++] = src[i]!;
    else {
      dst.set(src.subarray(from, to), o);
      o += n;
    }
    this.length = o;
    this.offsets[row + 1] = o;
  }
  appendString(row: number, s: string): void {
    const max = s.length * 3;
    const dst = this.length + max > this.bytes.length ? this.reserve(max) : this.bytes;
    this.length += Buffer.from(dst.buffer, dst.byteOffset, dst.byteLength).write(s, this.length, 'utf8');
    this.offsets[row + 1] = this.length;
  }
  /** Ends `row` with no bytes (an empty or null value). */
  empty(row: number): void {
    this.offsets[row + 1] = this.length;
  }
  /** Drops the bytes of `row` (a skipped bad record). */
  rollback(row: number): void {
    this.length = this.offsets[row]!;
    this.offsets[row + 1] = this.length;
  }
  finish(length: number): Data {
    return makeData({
      type: new Utf8(),
      length,
      nullCount: this.nullCount(length),
      nullBitmap: this.bitmap(length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.offsets[length]!),
    });
  }
}

/**
 * Dictionary-encoded strings: each distinct byte string gets an index on first sight (open-addressing
 * hash table over the bytes, compared byte by byte on a hash hit), rows hold Int32 indices.
 */
export class DictBuilder extends ColumnBuilder {
  readonly indices: Int32Array;
  private words = new Utf8Builder(256, 4096);
  private count = 0;
  private slots = new Int32Array(1024); // entry index + 1, 0 = empty
  private hashes = new Int32Array(256);
  constructor(capacity: number, readonly type: Dictionary = new Dictionary(new Utf8(), new Int32())) {
    super(capacity);
    this.indices = new Int32Array(capacity);
  }

  /** Sets row `row` to the string `src[from, to)`. */
  append(row: number, src: Uint8Array, from: number, to: number): void {
    let h = 0x811c9dc5 | 0;
    for (let i = from; i < to; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    const words = this.words;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]!;
      if (e === 0) {
        this.indices[row] = this.add(src, from, to, h, s);
        return;
      }
      if (this.hashes[e - 1] === h) {
        const start = words.offsets[e - 1]!;
        const len = words.offsets[e]! - start;
        if (len === to - from) {
          const b = words.bytes;
          let same = true;
          for (let i = 0; i < len; i++) if (b[start + i] !== src[from + i]) { same = false; break; }
          if (same) {
            this.indices[row] = e - 1;
            return;
          }
        }
      }
    }
  }

  appendString(row: number, s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.append(row, bytes, 0, bytes.length);
  }

  private add(src: Uint8Array, from: number, to: number, h: number, slot: number): number {
    const e = this.count++;
    if (e >= this.words.capacity) this.growWords();
    this.words.append(e, src, from, to);
    if (e >= this.hashes.length) {
      const grown = new Int32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[e] = h;
    this.slots[slot] = e + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return e;
  }

  private growWords(): void {
    const old = this.words;
    const bigger = new Utf8Builder(old.capacity * 2, old.bytes.length);
    bigger.offsets.set(old.offsets.subarray(0, this.count));
    bigger.bytes.set(old.bytes.subarray(0, old.length));
    bigger.length = old.length;
    this.words = bigger;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = this.hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
  }

  finish(length: number): Data {
    const dictionary = makeVector(this.words.finish(this.count));
    return makeData({ type: this.type, length, nullCount: this.nullCount(length), nullBitmap: this.bitmap(length), data: this.indices.subarray(0, length), dictionary });
  }
}

/** A builder for a column type. */
export function makeBuilder(type: ColumnType, capacity: number, dictType?: Dictionary): ColumnBuilder {
  switch (type) {
    case 'int32':
      return new Int32Builder(capacity);
    case 'float64':
      return new Float64Builder(capacity);
    case 'bool':
      return new BoolBuilder(capacity);
    case 'utf8':
      return new Utf8Builder(capacity);
    case 'dict':
      return new DictBuilder(capacity, dictType);
  }
}

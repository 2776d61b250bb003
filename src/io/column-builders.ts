import { Bool, Dictionary, Float64, Int32, Utf8, makeData, makeVector, type Data, type DataType } from 'apache-arrow';
import { arrowTypeOf, typeInfo, type ColumnType, type TypeInfo } from './column-types.js';
import { dateFromBytes, timestampFromBytes, type TimestampParts } from './temporal-bytes.js';
import {
  nanosTo,
  parseBigInt,
  parseBool,
  parseDate,
  parseDecimal,
  parseFloat64,
  parseInt32,
  parseTime,
  parseTimestamp,
} from './parse-values.js';

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

  /** The Arrow data of a column of fixed-width values (`data`) for rows [0, length), with the nulls marked here. */
  protected fixedData(type: DataType, data: ArrayBufferView, length: number): Data {
    return makeData({ type, length, nullCount: this.nullCount(length), nullBitmap: this.bitmap(length), data } as never);
  }

  /** Sets `row` from a value's text (the readers' slow path); false when the text is not a value of the column's type. */
  abstract setText(row: number, text: string): boolean;
}

export class Int32Builder extends ColumnBuilder {
  readonly values: Int32Array;
  constructor(capacity: number) {
    super(capacity);
    this.values = new Int32Array(capacity);
  }
  finish(length: number): Data {
    return this.fixedData(new Int32(), this.values.subarray(0, length), length);
  }
  setText(row: number, text: string): boolean {
    const v = parseInt32(text);
    if (v === undefined) return false;
    this.values[row] = v;
    return true;
  }
}

export class Float64Builder extends ColumnBuilder {
  readonly values: Float64Array;
  constructor(capacity: number) {
    super(capacity);
    this.values = new Float64Array(capacity);
  }
  finish(length: number): Data {
    return this.fixedData(new Float64(), this.values.subarray(0, length), length);
  }
  setText(row: number, text: string): boolean {
    const v = parseFloat64(text);
    if (v === undefined) return false;
    this.values[row] = v;
    return true;
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
  setText(row: number, text: string): boolean {
    const v = parseBool(text);
    if (v === undefined) return false;
    this.set(row, v);
    return true;
  }
  finish(length: number): Data {
    return this.fixedData(new Bool(), this.bits.subarray(0, (length + 7) >> 3), length);
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
  setText(row: number, text: string): boolean {
    this.appendString(row, text);
    return true;
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
  constructor(
    capacity: number,
    readonly type: Dictionary = new Dictionary(new Utf8(), new Int32()),
  ) {
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
          for (let i = 0; i < len; i++)
            if (b[start + i] !== src[from + i]) {
              same = false;
              break;
            }
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

  setText(row: number, text: string): boolean {
    this.appendString(row, text);
    return true;
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
    return makeData({
      type: this.type,
      length,
      nullCount: this.nullCount(length),
      nullBitmap: this.bitmap(length),
      data: this.indices.subarray(0, length),
      dictionary,
    });
  }
}

/** Numbers held in a typed array of JS numbers: int8 to uint32 (range-checked), float32 and date (days). */
export class NumberBuilder extends ColumnBuilder {
  readonly values: Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array;
  private readonly type: DataType;
  constructor(
    capacity: number,
    private readonly column: ColumnType,
  ) {
    super(capacity);
    this.type = arrowTypeOf(column);
    this.values = new (this.type.ArrayType as new (n: number) => NumberBuilder['values'])(capacity);
  }
  setText(row: number, text: string): boolean {
    const t = typeInfo(this.column);
    const v = t.kind === 'int' ? parseBigInt(text, t.bits, t.signed) : t.kind === 'date' ? parseDate(text) : parseFloat64(text);
    if (v === undefined) return false;
    this.values[row] = Number(v);
    return true;
  }
  /** Sets a date column's `row` from the bytes of an ISO date; false when they are not one (the slow path decides). */
  setBytes(buf: Uint8Array, s: number, e: number, row: number): boolean {
    const v = dateFromBytes(buf, s, e);
    if (v === undefined) return false;
    this.values[row] = v;
    return true;
  }
  finish(length: number): Data {
    return this.fixedData(this.type, this.values.subarray(0, length), length);
  }
}

const PARTS: TimestampParts = { seconds: 0, fraction: 0, fractionDigits: 0, zoned: false };
const UNIT_DIGITS = { s: 0, ms: 3, us: 6, ns: 9 } as const;

/**
 * 64-bit values: int64, uint64, timestamps and times. `words` views the same memory as 32-bit halves
 * (little-endian), so the CSV decoder writes an integer below 2^53 with two number stores instead of
 * making a BigInt per value.
 */
export class BigIntBuilder extends ColumnBuilder {
  readonly values: BigInt64Array | BigUint64Array;
  readonly words: Int32Array;
  private readonly type: DataType;
  private readonly info: TypeInfo;
  /** An int64 column (not uint64, a timestamp or a time): a safe integer goes in as it is. */
  readonly signedInt: boolean;
  constructor(capacity: number, column: ColumnType) {
    super(capacity);
    this.info = typeInfo(column);
    this.signedInt = this.info.kind === 'int' && this.info.signed;
    this.type = arrowTypeOf(column);
    this.values = this.info.kind === 'int' && !this.info.signed ? new BigUint64Array(capacity) : new BigInt64Array(capacity);
    this.words = new Int32Array(this.values.buffer, 0, capacity * 2);
  }
  /** Sets a safe integer (|v| < 2^53) without a BigInt. */
  setSafe(row: number, v: number): void {
    const hi = Math.floor(v / 4294967296);
    this.words[2 * row] = v - hi * 4294967296;
    this.words[2 * row + 1] = hi;
  }
  /** Sets a timestamp column's `row` from the bytes of an ISO timestamp; false when they are not one (the slow path decides). */
  setBytes(buf: Uint8Array, s: number, e: number, row: number): boolean {
    const t = this.info;
    if (t.kind !== 'timestamp' || !timestampFromBytes(buf, s, e, PARTS) || (PARTS.zoned && !t.tz)) return false;
    const unitDigits = UNIT_DIGITS[t.unit];
    const per = 10 ** unitDigits;
    // The fraction cut to the unit (floor: it is positive), as nanosTo does.
    const shift = unitDigits - PARTS.fractionDigits;
    const frac = shift >= 0 ? PARTS.fraction * 10 ** shift : Math.floor(PARTS.fraction / 10 ** -shift);
    const v = PARTS.seconds * per + frac;
    if (Number.isSafeInteger(v)) this.setSafe(row, v);
    else this.values[row] = BigInt(PARTS.seconds) * BigInt(per) + BigInt(frac);
    return true;
  }
  setText(row: number, text: string): boolean {
    const t = this.info;
    let v: bigint | undefined;
    if (t.kind === 'int') v = parseBigInt(text, 64, t.signed);
    else if (t.kind === 'time') v = parseTime(text);
    else if (t.kind === 'timestamp') {
      const ts = parseTimestamp(text);
      // An instant with an offset has no place in a naive column (which wall clock?); a naive value in a zoned column is read as UTC.
      if (ts && !(ts.zoned && !t.tz)) v = nanosTo(ts.nanos, t.unit);
    }
    if (v === undefined) return false;
    this.values[row] = v;
    return true;
  }
  finish(length: number): Data {
    return this.fixedData(this.type, this.values.subarray(0, length), length);
  }
}

/** Decimal128 values: the unscaled integer of each row as four little-endian 32-bit words. */
export class DecimalBuilder extends ColumnBuilder {
  readonly words: Uint32Array;
  private readonly type: DataType;
  private readonly precision: number;
  private readonly scale: number;
  constructor(capacity: number, column: ColumnType) {
    super(capacity);
    const t = typeInfo(column) as Extract<TypeInfo, { kind: 'decimal' }>;
    this.precision = t.precision;
    this.scale = t.scale;
    this.type = arrowTypeOf(column);
    this.words = new Uint32Array(capacity * 4);
  }
  setText(row: number, text: string): boolean {
    let v = parseDecimal(text, this.precision, this.scale);
    if (v === undefined) return false;
    if (v < 0n) v += 1n << 128n; // two's complement
    for (let i = 0; i < 4; i++, v >>= 32n) this.words[4 * row + i] = Number(v & 0xffffffffn);
    return true;
  }
  finish(length: number): Data {
    return this.fixedData(this.type, this.words.subarray(0, length * 4), length);
  }
}

/** A builder for a column type; `bytesHint` is how many bytes a text column is expected to need. */
export function makeBuilder(type: ColumnType, capacity: number, dictType?: Dictionary, bytesHint?: number): ColumnBuilder {
  switch (type) {
    case 'int32':
      return new Int32Builder(capacity);
    case 'float64':
      return new Float64Builder(capacity);
    case 'bool':
      return new BoolBuilder(capacity);
    case 'utf8':
      return new Utf8Builder(capacity, bytesHint);
    case 'dict':
      return new DictBuilder(capacity, dictType);
  }
  const t = typeInfo(type);
  if ((t.kind === 'int' && t.bits === 64) || t.kind === 'timestamp' || t.kind === 'time') return new BigIntBuilder(capacity, type);
  if (t.kind === 'decimal') return new DecimalBuilder(capacity, type);
  return new NumberBuilder(capacity, type);
}

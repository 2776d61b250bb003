import type { DriverContext } from 'quiver-engine';
import {
  Binary,
  DataType,
  Null,
  Precision,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Data,
  type RecordBatch,
  type Vector,
} from 'apache-arrow';
import { intervalWordsOf, normalizedInterval } from '../shared/intervals.js';
import { isNestedKey, nestedImages, vectorOfImages } from '../shared/nested-image.js';
import { isNestedType } from '../shared/take-nested.js';

/**
 * How a column is held in shared memory: fixed-width words, a byte per boolean, bytes with offsets
 * (text), or nothing (a Null column, every row null: only its length, which the output has).
 */
export type Holding = 'fixed' | 'bool' | 'bytes' | 'none';

/**
 * How values of a key column are ordered; `null` for a Null column (every row a tie, so the next key or
 * the input order decides); undefined for columns that can be carried but not sorted by.
 */
export type Order = 'float' | 'half' | 'int' | 'uint' | 'int64' | 'uint64' | 'dec64' | 'bool' | 'bytes' | 'null' | undefined;

/** What the sort knows about one column it carries (plain data, so it travels in params). */
export interface ColumnPlan {
  name: string;
  holding: Holding;
  order: Order;
  /** Fixed columns: bytes per word (4, 2 or 1) and words per row. */
  wordBytes: number;
  words: number;
  /** Some row is null: a byte per row says which are valid. */
  nulls: boolean;
  /**
   * What a fixed column ordered by bytes is imaged as: a wide decimal's words (the default), its own
   * bytes (FixedSizeBinary: UUID), or an interval of Arrow's IntervalUnit `unit` normalized as DuckDB
   * compares intervals; a bytes column may be a nested one's images.
   */
  image?: { kind: 'raw' } | { kind: 'interval'; unit: number } | { kind: 'nested' };
  /**
   * A nested column that is not a key type (a Map, or a list or struct holding dates, decimals or
   * bytes), carried but not ordered: it is held as each row's input position (an Int32), its values
   * travel beside in the partition's accumulator and are taken by position at the end
   * (`nestedColumnOf`). Lists and structs of numbers, text and booleans are held as their images instead.
   */
  nested?: true;
}

/** The holding and order of a column type, or an error saying the type cannot be carried. */
export function describeType(name: string, type: DataType): Omit<ColumnPlan, 'name' | 'nulls'> {
  if (DataType.isBool(type)) return { holding: 'bool', order: 'bool', wordBytes: 1, words: 1 };
  // Polars' pl.Null (DuckDB reads it back as an all-NULL INTEGER): nothing to hold, and all ties.
  if (DataType.isNull(type)) return { holding: 'none', order: 'null', wordBytes: 0, words: 0 };
  // A list or struct is held as bytes that order as DuckDB orders it (../shared/nested-image.ts).
  if (isNestedKey(type)) return { holding: 'bytes', order: 'bytes', wordBytes: 1, words: 1, image: { kind: 'nested' } };
  if (isNestedType(type)) return { holding: 'fixed', order: undefined, wordBytes: 4, words: 1, nested: true };
  if (isText(type) || isBytes(type) || (DataType.isDictionary(type) && isText(type.dictionary))) {
    return { holding: 'bytes', order: 'bytes', wordBytes: 1, words: 1 };
  }
  const Array_ = (type as { ArrayType?: { BYTES_PER_ELEMENT: number; name: string } }).ArrayType;
  const stride = DataType.isDecimal(type)
    ? type.bitWidth / 32
    : DataType.isFixedSizeBinary(type)
      ? type.byteWidth
      : DataType.isInterval(type)
        ? makeData({ type, length: 0 }).stride
        : 1;
  const fixed =
    DataType.isInt(type) ||
    DataType.isFloat(type) ||
    DataType.isDate(type) ||
    DataType.isTimestamp(type) ||
    DataType.isTime(type) ||
    DataType.isDuration(type) ||
    DataType.isDecimal(type) ||
    DataType.isFixedSizeBinary(type) ||
    DataType.isInterval(type);
  if (!fixed || !Array_)
    throw new Error(
      `sort cannot carry column ${name} of type ${type}; leave it out with --param columns=… (sortable and carried: numbers, ` +
        `decimals, dates, times, timestamps, intervals, booleans, text, bytes, UUIDs, Null columns, lists, structs and maps; ` +
        `sort keys among the nested: lists and structs of numbers, text and booleans)`,
    );
  const bytes = Array_.BYTES_PER_ELEMENT * stride;
  const wordBytes = bytes % 4 === 0 ? 4 : bytes % 2 === 0 ? 2 : 1;
  const kinds: Record<string, Order> = {
    Float32Array: 'float',
    Float64Array: 'float',
    Int8Array: 'int',
    Int16Array: 'int',
    Int32Array: 'int',
    Uint8Array: 'uint',
    Uint16Array: 'uint',
    Uint32Array: 'uint',
    BigInt64Array: 'int64',
    BigUint64Array: 'uint64',
  };
  // A decimal of up to 18 digits is its low 64 bits (the rest repeats the sign): ordered as an int64.
  // A wider one is ordered by its big-endian bytes with the sign bit flipped (decimalImage), as text is.
  const decimal64 = DataType.isDecimal(type) && type.bitWidth === 128 && type.precision <= 18;
  // A FixedSizeBinary (UUID) is ordered by its bytes as they are, as DuckDB orders UUID and BLOB.
  if (DataType.isFixedSizeBinary(type))
    return { holding: 'fixed', order: 'bytes', wordBytes, words: bytes / wordBytes, image: { kind: 'raw' } };
  if (DataType.isInterval(type))
    return { holding: 'fixed', order: 'bytes', wordBytes: 4, words: stride, image: { kind: 'interval', unit: type.unit } };
  const order = DataType.isDecimal(type)
    ? decimal64
      ? 'dec64'
      : 'bytes'
    : DataType.isFloat(type) && type.precision === Precision.HALF
      ? 'half'
      : stride === 1
        ? kinds[Array_.name]
        : undefined;
  return { holding: 'fixed', order, wordBytes, words: bytes / wordBytes };
}

/** A column of a batch or of shared memory, as the sort reads it; row numbers index every array. */
export interface ColumnView {
  /** Fixed: `words` per row; as floats, signed ints or Uint32 pairs through `numbers`. */
  words?: Uint8Array | Uint16Array | Uint32Array;
  numbers?: Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
  /** Bool: 0 or 1 per row. */
  bools?: Uint8Array;
  /** Bytes: row i is bytes[starts[i]..ends[i]). */
  bytes?: Uint8Array;
  starts?: Int32Array;
  ends?: Int32Array;
  /** 1 for valid rows; absent when every row is valid. */
  valid?: Uint8Array;
}

const WORDS = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array } as const;
const SIGNED = { 1: Int8Array, 2: Int16Array, 4: Int32Array } as const;

/** The views of a fixed column's words the key encoder reads. */
export function numbersOf(plan: ColumnPlan, words: Uint8Array | Uint16Array | Uint32Array, float64: boolean): ColumnView['numbers'] {
  const { byteOffset, length } = words;
  const buffer = words.buffer as ArrayBuffer;
  if (plan.order === 'float')
    return float64 ? new Float64Array(buffer, byteOffset, length / 2) : new Float32Array(buffer, byteOffset, length);
  if (plan.order === 'int') return new SIGNED[plan.wordBytes as 1 | 2 | 4](buffer, byteOffset, length);
  return words;
}

/**
 * One column of a batch as a view (zero copy, except booleans, validity and dictionary text); a nested
 * column as its rows' input positions, `start` (the batch's first) on.
 */
export function viewOfBatch(batch: RecordBatch, plan: ColumnPlan, start = 0): ColumnView {
  const vector = batch.getChild(plan.name);
  if (!vector)
    throw new Error(`no column ${plan.name} in a batch of the input (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  const data = vector.data[0]!;
  const n = data.length;
  const described = describeType(plan.name, data.type);
  if (described.holding !== plan.holding || described.wordBytes * described.words !== plan.wordBytes * plan.words) {
    throw new Error(
      `column ${plan.name} is ${data.type} in one part of the input but of another type elsewhere; give every file the same schema`,
    );
  }
  const view: ColumnView = {};
  if (plan.holding === 'none') return view;
  if (data.nullCount > 0) view.valid = bitsToBytes(data.nullBitmap!, data.offset, n);
  if (plan.nested) {
    view.words = Uint32Array.from({ length: n }, (_, i) => start + i);
    return view;
  }
  if (plan.holding === 'bool') view.bools = bitsToBytes(data.values as Uint8Array, data.offset, n);
  else if (plan.image?.kind === 'nested') Object.assign(view, nestedImages(data));
  else if (plan.holding === 'bytes') Object.assign(view, bytesOf(data));
  else {
    let raw = data.values as ArrayBufferView;
    const byteLength = n * plan.wordBytes * plan.words;
    if (raw.byteOffset % plan.wordBytes !== 0) raw = new Uint8Array(raw.buffer, raw.byteOffset, byteLength).slice();
    view.words = new WORDS[plan.wordBytes as 1 | 2 | 4](raw.buffer as ArrayBuffer, raw.byteOffset, n * plan.words);
    view.numbers = numbersOf(plan, view.words, String(data.type.ArrayType.name) === 'Float64Array');
    if (plan.order === 'bytes') Object.assign(view, fixedImage(plan, view.words, n));
  }
  return view;
}

/** The bytes a fixed key column orders by: a FixedSizeBinary's own (in place), a wide decimal's or an interval's image. */
function fixedImage(
  plan: ColumnPlan,
  words: Uint8Array | Uint16Array | Uint32Array,
  n: number,
): Pick<ColumnView, 'bytes' | 'starts' | 'ends'> {
  if (plan.image?.kind === 'interval') return intervalImage(words as Uint32Array, plan.image.unit, n);
  if (plan.image?.kind !== 'raw') return decimalImage(words as Uint32Array, plan.words, n);
  const width = plan.wordBytes * plan.words;
  return {
    bytes: new Uint8Array(words.buffer, words.byteOffset, n * width),
    starts: Int32Array.from({ length: n }, (_, r) => r * width),
    ends: Int32Array.from({ length: n }, (_, r) => (r + 1) * width),
  };
}

/**
 * Intervals as bytes that order as DuckDB orders them: normalized (../shared/intervals.ts: 30 days
 * make a month, 24 hours a day, so '1 month' and '30 days' are equal) to months, days and
 * microseconds, each 8 bytes big-endian with the sign bit flipped.
 */
function intervalImage(words: Uint32Array, unit: number, n: number): Pick<ColumnView, 'bytes' | 'starts' | 'ends'> {
  const rows = intervalWordsOf(new Int32Array(words.buffer, words.byteOffset, words.length), unit, n);
  const bytes = new Uint8Array(n * 24);
  const view = new DataView(bytes.buffer);
  const starts = new Int32Array(n),
    ends = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const parts = normalizedInterval(rows, r);
    for (let k = 0; k < 3; k++) view.setBigUint64(r * 24 + 8 * k, BigInt.asUintN(64, BigInt(parts[k]!)) ^ (1n << 63n));
    starts[r] = r * 24;
    ends[r] = (r + 1) * 24;
  }
  return { bytes, starts, ends };
}

/**
 * Wide decimals as bytes that order as their values: each row's 32-bit words big-endian, top word
 * first with its sign bit flipped (so negatives come first), as the sort's text keys are compared.
 */
export function decimalImage(words: Uint32Array, perRow: number, n: number): Pick<ColumnView, 'bytes' | 'starts' | 'ends'> {
  const bytes = new Uint8Array(n * perRow * 4);
  const view = new DataView(bytes.buffer);
  const starts = new Int32Array(n),
    ends = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    for (let j = perRow - 1, at = r * perRow * 4; j >= 0; j--, at += 4)
      view.setUint32(at, j === perRow - 1 ? (words[r * perRow + j]! ^ 0x80000000) >>> 0 : words[r * perRow + j]!);
    starts[r] = r * perRow * 4;
    ends[r] = (r + 1) * perRow * 4;
  }
  return { bytes, starts, ends };
}

/** Text and bytes of every layout (Utf8, LargeUtf8, Utf8View and their Binary kin). */
function isText(t: DataType): boolean {
  return DataType.isUtf8(t) || DataType.isLargeUtf8(t) || DataType.isUtf8View(t);
}

function isBytes(t: DataType): boolean {
  return DataType.isBinary(t) || DataType.isLargeBinary(t) || DataType.isBinaryView(t);
}

/**
 * Text as bytes and per-row start/end: Utf8 and Binary in place, dictionary text through its
 * dictionary, 64-bit offsets narrowed, and view layouts (whose values lie in several buffers) copied
 * into one buffer.
 */
function bytesOf(data: Data): Pick<ColumnView, 'bytes' | 'starts' | 'ends'> {
  const n = data.length;
  if (DataType.isDictionary(data.type)) {
    const dict = data.dictionary!;
    const plain = dict.data.length === 1 && (DataType.isUtf8(dict.type) || DataType.isBinary(dict.type));
    const words = plain
      ? dict.data[0]!
      : contiguous(dict.data.length === 1 ? dict.data[0]! : vectorFromArray(dict.toArray() as string[], new Utf8()).data[0]!);
    const offsets = words.valueOffsets as Int32Array;
    const index = data.values as ArrayLike<number>;
    const starts = new Int32Array(n),
      ends = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      starts[i] = offsets[index[i]!]!;
      ends[i] = offsets[index[i]! + 1]!;
    }
    return { bytes: words.values as Uint8Array, starts, ends };
  }
  const plain = DataType.isUtf8(data.type) || DataType.isBinary(data.type) ? data : contiguous(data);
  const offsets = plain.valueOffsets as Int32Array;
  return { bytes: plain.values as Uint8Array, starts: offsets.subarray(0, n), ends: offsets.subarray(1, n + 1) };
}

/** A LargeUtf8, Utf8View, LargeBinary or BinaryView column as one buffer and 32-bit offsets (nulls empty). */
function contiguous(data: Data): Data {
  const n = data.length;
  const text = isText(data.type);
  const vector = makeVector(data);
  const parts: Uint8Array[] = new Array(n);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = data.nullCount > 0 && !data.getValid(i) ? null : vector.get(i);
    parts[i] = v === null || v === undefined ? new Uint8Array(0) : text ? Buffer.from(String(v), 'utf8') : (v as Uint8Array);
    const end = offsets[i]! + parts[i]!.length;
    if (end > 0x7fffffff)
      throw new RangeError(`a batch of column of type ${data.type} holds more than 2 GB of values; use smaller splits or --batch-rows`);
    offsets[i + 1] = end;
  }
  const bytes = new Uint8Array(offsets[n]!);
  parts.forEach((p, i) => {
    bytes.set(p, offsets[i]!);
  });
  return makeData({ type: text ? new Utf8() : new Binary(), length: n, valueOffsets: offsets, data: bytes } as never);
}

/** Bits from bit `offset` on, one byte each. */
export function bitsToBytes(bits: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
  return out;
}

/** One byte per row packed into an Arrow bitmap. */
export function bytesToBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array((bytes.length + 7) >> 3);
  for (let i = 0; i < bytes.length; i++) out[i >> 3]! |= bytes[i]! << (i & 7);
  return out;
}

/** The shared arrays holding N rows of the columns: fixed words, booleans, validity, text offsets and bytes. */
export interface Held {
  words: Array<Uint8Array | Uint16Array | Uint32Array | null>;
  valid: Array<Uint8Array | null>;
  offsets: Array<Int32Array | null>;
  bytes: Array<Uint8Array | null>;
}

/** Shared arrays for `rows` rows of the columns numbered in `keep` (default all), text columns holding `bytes[c]` bytes. */
export function allocate(
  shared: DriverContext['shared'],
  plans: ColumnPlan[],
  rows: number,
  bytes: number[],
  keep = plans.map((_, c) => c),
): Held {
  const held: Held = {
    words: plans.map(() => null),
    valid: plans.map(() => null),
    offsets: plans.map(() => null),
    bytes: plans.map(() => null),
  };
  for (const c of keep) {
    const p = plans[c]!;
    if (p.holding === 'fixed') held.words[c] = shared(WORDS[p.wordBytes as 1 | 2 | 4] as typeof Uint32Array, rows * p.words);
    if (p.holding === 'bool') held.words[c] = shared(Uint8Array, rows);
    if (p.nulls && p.holding !== 'none') held.valid[c] = shared(Uint8Array, rows);
    if (p.holding === 'bytes') (held.offsets[c] = shared(Int32Array, rows + 1)), (held.bytes[c] = shared(Uint8Array, bytes[c]!));
  }
  return held;
}

/** The view of held column `c` (rows are positions in the held arrays). */
export function viewOfHeld(held: Held, plans: ColumnPlan[], c: number): ColumnView {
  const plan = plans[c]!;
  const view: ColumnView = { valid: held.valid[c] ?? undefined };
  if (plan.holding === 'none') return view;
  if (plan.holding === 'bool') view.bools = held.words[c] as Uint8Array;
  else if (plan.holding === 'bytes')
    Object.assign(view, { bytes: held.bytes[c]!, starts: held.offsets[c]!, ends: held.offsets[c]!.subarray(1) });
  else {
    view.words = held.words[c]!;
    view.numbers = numbersOf(plan, view.words, plan.order === 'float' && plan.wordBytes * plan.words === 8);
  }
  return view;
}

/**
 * Copies row `from[k]` of `src` to row `to + k` of held column `c` for k < n, text bytes from byte
 * `at` on; returns the byte position after the copied text. One loop per array type, so each stays
 * monomorphic (a shared generic loop over Uint8/16/32 arrays ran ~3× slower).
 */
export function copyRows(
  src: ColumnView,
  from: Int32Array,
  n: number,
  held: Held,
  plan: ColumnPlan,
  c: number,
  to: number,
  at: number,
): number {
  if (plan.holding === 'none') return at;
  const valid = held.valid[c];
  if (valid) {
    if (src.valid) copyBytes(valid, src.valid, from, n, to);
    else valid.fill(1, to, to + n);
  }
  if (plan.holding === 'bytes') return copyText(src, from, n, held.bytes[c]!, held.offsets[c]!, to, at);
  if (plan.holding === 'bool') copyBytes(held.words[c] as Uint8Array, src.bools!, from, n, to);
  else if (plan.wordBytes === 4 && plan.words === 1) copy32(held.words[c] as Uint32Array, src.words as Uint32Array, from, n, to);
  else if (plan.wordBytes === 4 && plan.words === 2) copy64(held.words[c] as Uint32Array, src.words as Uint32Array, from, n, to);
  else copyWide(held.words[c]!, src.words!, plan.words, from, n, to);
  return at;
}

function copyBytes(dst: Uint8Array, src: Uint8Array, from: Int32Array, n: number, to: number): void {
  for (let k = 0; k < n; k++) dst[to + k] = src[from[k]!]!;
}

function copy32(dst: Uint32Array, src: Uint32Array, from: Int32Array, n: number, to: number): void {
  for (let k = 0; k < n; k++) dst[to + k] = src[from[k]!]!;
}

function copy64(dst: Uint32Array, src: Uint32Array, from: Int32Array, n: number, to: number): void {
  for (let k = 0, o = 2 * to; k < n; k++, o += 2) {
    const i = 2 * from[k]!;
    dst[o] = src[i]!;
    dst[o + 1] = src[i + 1]!;
  }
}

function copyWide(
  dst: Uint8Array | Uint16Array | Uint32Array,
  src: Uint8Array | Uint16Array | Uint32Array,
  words: number,
  from: Int32Array,
  n: number,
  to: number,
): void {
  for (let k = 0; k < n; k++) for (let w = 0, i = from[k]! * words, o = (to + k) * words; w < words; w++) dst[o + w] = src[i + w]!;
}

function copyText(src: ColumnView, from: Int32Array, n: number, dst: Uint8Array, offsets: Int32Array, to: number, at: number): number {
  const bytes = src.bytes!,
    starts = src.starts!,
    ends = src.ends!,
    valid = src.valid;
  for (let k = 0; k < n; k++) {
    const i = from[k]!;
    offsets[to + k] = at;
    if (valid && !valid[i]) continue;
    const s = starts[i]!,
      len = ends[i]! - s;
    if (len > 48) dst.set(bytes.subarray(s, s + len), at);
    else for (let b = 0; b < len; b++) dst[at + b] = bytes[s + b]!;
    at += len;
  }
  return at;
}

/**
 * The partition's copy: row i of `src` goes to held row `to + dest[i]`, reading `src` in order (each
 * batch row once, written to one of R sequential streams). Text of range r goes after the text of
 * ranges before it, from byte `at` on; its bytes are added to `rangeBytes[r · stride + c]`. Returns
 * the byte position after the batch's text.
 */
export function scatterRows(
  src: ColumnView,
  dest: Int32Array,
  range: Int32Array,
  n: number,
  held: Held,
  plan: ColumnPlan,
  c: number,
  to: number,
  at: number,
  rangeBytes: number[],
  stride: number,
): number {
  if (plan.holding === 'none') return at;
  const valid = held.valid[c];
  if (valid) {
    if (src.valid) scatterBytes(valid, src.valid, dest, n, to);
    else valid.fill(1, to, to + n);
  }
  if (plan.holding === 'bytes') return scatterText(src, dest, range, n, held.bytes[c]!, held.offsets[c]!, to, at, rangeBytes, stride, c);
  if (plan.holding === 'bool') scatterBytes(held.words[c] as Uint8Array, src.bools!, dest, n, to);
  else if (plan.wordBytes === 4 && plan.words === 1) scatter32(held.words[c] as Uint32Array, src.words as Uint32Array, dest, n, to);
  else if (plan.wordBytes === 4 && plan.words === 2) scatter64(held.words[c] as Uint32Array, src.words as Uint32Array, dest, n, to);
  else
    for (let i = 0, w = plan.words, dst = held.words[c]!, sw = src.words!; i < n; i++)
      for (let k = 0; k < w; k++) dst[(to + dest[i]!) * w + k] = sw[i * w + k]!;
  return at;
}

function scatterBytes(dst: Uint8Array, src: Uint8Array, dest: Int32Array, n: number, to: number): void {
  for (let i = 0; i < n; i++) dst[to + dest[i]!] = src[i]!;
}

function scatter32(dst: Uint32Array, src: Uint32Array, dest: Int32Array, n: number, to: number): void {
  for (let i = 0; i < n; i++) dst[to + dest[i]!] = src[i]!;
}

function scatter64(dst: Uint32Array, src: Uint32Array, dest: Int32Array, n: number, to: number): void {
  for (let i = 0; i < n; i++) {
    const o = 2 * (to + dest[i]!);
    dst[o] = src[2 * i]!;
    dst[o + 1] = src[2 * i + 1]!;
  }
}

function scatterText(
  src: ColumnView,
  dest: Int32Array,
  range: Int32Array,
  n: number,
  dst: Uint8Array,
  offsets: Int32Array,
  to: number,
  at: number,
  rangeBytes: number[],
  stride: number,
  c: number,
): number {
  const bytes = src.bytes!,
    starts = src.starts!,
    ends = src.ends!,
    valid = src.valid;
  const R = rangeBytes.length / stride;
  const cursor = new Float64Array(R);
  for (let i = 0; i < n; i++) if (!valid || valid[i]) cursor[range[i]!]! += ends[i]! - starts[i]!;
  for (let r = 0, p = at; r < R; r++) {
    const len = cursor[r]!;
    rangeBytes[r * stride + c]! += len;
    cursor[r] = p;
    p += len;
  }
  let end = at;
  for (let i = 0; i < n; i++) {
    const r = range[i]!;
    const p = cursor[r]!;
    offsets[to + dest[i]!] = p;
    if (valid && !valid[i]) continue;
    const s = starts[i]!,
      len = ends[i]! - s;
    if (len > 48) dst.set(bytes.subarray(s, s + len), p);
    else for (let b = 0; b < len; b++) dst[p + b] = bytes[s + b]!;
    cursor[r] = p + len;
    end += len;
  }
  return end;
}

/** The held rows as an Arrow column of type `type` (dictionary, large and view text become Utf8; bytes Binary). */
export function vectorOfHeld(held: Held, plan: ColumnPlan, c: number, type: DataType, rows: number): Vector {
  if (plan.holding === 'none') return makeVector(makeData({ type: new Null(), length: rows }));
  const valid = held.valid[c];
  const nullBitmap = valid ? bytesToBits(valid) : undefined;
  const nullCount = valid ? rows - valid.reduce((s, v) => s + v, 0) : 0;
  if (plan.image?.kind === 'nested') return vectorOfImages(type, held.bytes[c]!, held.offsets[c]!, valid ?? undefined, rows);
  if (plan.holding === 'bytes') {
    const offsets = held.offsets[c]!;
    offsets[rows] = held.bytes[c]!.length;
    const plain = isBytes(type) ? new Binary() : new Utf8();
    return makeVector(makeData({ type: plain as Utf8, length: rows, nullCount, nullBitmap, valueOffsets: offsets, data: held.bytes[c]! }));
  }
  if (plan.holding === 'bool')
    return makeVector(makeData({ type, length: rows, nullCount, nullBitmap, data: bytesToBits(held.words[c] as Uint8Array) } as never));
  const words = held.words[c]!;
  const Array_ = (type as unknown as { ArrayType: new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView }).ArrayType;
  const data = new Array_(
    words.buffer,
    words.byteOffset,
    words.byteLength / (Array_ as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
  );
  return makeVector(makeData({ type, length: rows, nullCount, nullBitmap, data } as never));
}

/**
 * A held key column ordered by fixed bytes (a wide decimal, a FixedSizeBinary): its rows `rows`, in
 * that order, as a view of their own (row k is rows[k]) with its byte image: only the range's rows,
 * not the whole held column, are imaged.
 */
export function fixedRangeView(held: ColumnView, rows: Int32Array, plan: ColumnPlan): ColumnView {
  const n = rows.length;
  const perRow = plan.words;
  const src = held.words!;
  const words = new (src.constructor as typeof Uint32Array)(n * perRow);
  for (let k = 0; k < n; k++) for (let j = 0; j < perRow; j++) words[k * perRow + j] = src[rows[k]! * perRow + j]!;
  const valid = held.valid ? Uint8Array.from(rows, (r) => held.valid![r]!) : undefined;
  return { words, valid, ...fixedImage(plan, words, n) };
}

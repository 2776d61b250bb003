import { DataType, Precision, makeVector, type Data, type Interval, type RecordBatch } from 'apache-arrow';
import { joinKey, type JobContext } from 'quiver-engine';
import { intervalWords } from '../shared/intervals.js';
import { intervalKeys } from './intervals.js';
import { isNestedKey } from '../shared/nested-image.js';
import { canonicalOf } from './nested.js';
import { LIMBS, isValid, type KeyPart } from './types.js';
import { kindOf, wordsOf } from './values.js';

/**
 * The group keys of a batch's rows. A null in a key column is a value of its own, as in SQL's GROUP
 * BY: every null of a column falls in one group, apart from '' and 0. Within a worker a null is JS
 * `null` (a Map tells it from every string and number); on the way out, `joinKey` writes it as
 * quiver's null key part, and the output column holds a null there.
 *
 * Every primitive type keys (the driver gives the output key column its input type back, output.ts):
 * text of every layout as strings; integers of 32 bits or fewer, floats, dates in days, times of day
 * in s or ms and booleans (0/1) as numbers; 64-bit integers, timestamps, dates in ms, times in µs or
 * ns, durations and decimals (unscaled) as numbers while they are within ±2^53, and beyond as their
 * exact decimal text behind a `#` (BIG_MARK), which no number's text starts with; bytes (Binary,
 * FixedSizeBinary such as UUID) as hex text; intervals as the text of their normalized parts, so that
 * '1 month' and '30 days' are one key (intervals.ts); lists and structs as the JSON text of their
 * canonical form (nested.ts).
 */

/** The mark before the decimal text of an integer key beyond ±2^53. */
export const BIG_MARK = '#';

/** The group key of every row of a batch grouped by one column (composite keys: composite.ts). */
export function keysOf(batch: RecordBatch, by: string, ctx: JobContext): ArrayLike<KeyPart> {
  return keyColumn(batch, by, ctx, false);
}

/**
 * The column `name` when it is dictionary-encoded text whose dictionary is one Utf8 chunk without
 * nulls and whose codes are 32 bits or fewer (what the Parquet reader gives for the job's `dictionary`
 * columns, and Polars' Categorical), checked as keysOf checks text; undefined for every other column.
 */
export function codedTextOf(batch: RecordBatch, name: string, composite: boolean): Data | undefined {
  const data = batch.getChild(name)?.data[0];
  if (!data || !DataType.isDictionary(data.type) || data.type.indices.bitWidth > 32) return undefined;
  const chunks = data.dictionary?.data;
  if (chunks?.length !== 1 || !DataType.isUtf8(chunks[0]!.type) || chunks[0]!.nullCount > 0) return undefined;
  checkText(data, name, composite);
  return data;
}

/** Whether two Utf8 data hold the same strings: the same object, or equal offsets and bytes (a native compare). */
export function sameText(a: Data, b: Data): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const ao = a.valueOffsets as Int32Array;
  const bo = b.valueOffsets as Int32Array;
  if (!bytes(ao.subarray(0, a.length + 1)).equals(bytes(bo.subarray(0, b.length + 1)))) return false;
  const av = a.values as Uint8Array;
  const bv = b.values as Uint8Array;
  return bytes(av.subarray(ao[0], ao[a.length])).equals(bytes(bv.subarray(bo[0], bo[b.length])));
}

/**
 * The key column of a batch grouped by one Utf8 column, checked as keysOf checks text, for
 * `Groups.assignText` to key from its bytes; undefined for every other key (keysOf's way).
 */
export function utf8KeyOf(batch: RecordBatch, by: string[]): Data | undefined {
  const data = by.length === 1 ? batch.getChild(by[0]!)?.data[0] : undefined;
  if (!data || !DataType.isUtf8(data.type)) return undefined;
  checkText(data, by[0]!, false);
  return data;
}

/**
 * The key column of a batch grouped by one column of dictionary-encoded text (see codedTextOf), for
 * `Groups.assignDictionary`; undefined for every other key.
 */
export function dictionaryKeyOf(batch: RecordBatch, by: string[]): Data | undefined {
  return by.length === 1 ? codedTextOf(batch, by[0]!, false) : undefined;
}

/** The key that leaves a worker for a group key: a null goes out as `joinKey(null)`, quiver's null key. */
export function keyToEmit(k: KeyPart): string | number {
  return k === null ? joinKey(null) : k;
}

/** One key column's values, with null in the rows that have none. */
export function keyColumn(batch: RecordBatch, name: string, ctx: JobContext, composite: boolean): ArrayLike<KeyPart> {
  const data = batch.getChild(name)?.data[0];
  // ctx.strings says what is wrong with a missing column.
  if (!data) return ctx.strings(batch, name);
  const values = partsOf(batch, name, data, ctx, composite);
  if (data.nullCount === 0 || DataType.isNull(data.type)) return values;
  const out = Array.from(values as ArrayLike<KeyPart>);
  for (let i = 0; i < out.length; i++) if (!isValid(data, i)) out[i] = null;
  return out;
}

/** A key column's values as key parts (nulls' slots are not looked at). */
function partsOf(batch: RecordBatch, name: string, data: Data, ctx: JobContext, composite: boolean): ArrayLike<KeyPart> {
  const t = data.type;
  if (
    DataType.isUtf8(t) ||
    DataType.isLargeUtf8(t) ||
    (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary)))
  ) {
    checkText(data, name, composite);
    return ctx.strings(batch, name);
  }
  if (DataType.isUtf8View(t) || DataType.isDictionary(t)) {
    const texts = jsValues(data, (v) => String(v));
    for (const s of texts) if (s !== null) checkString(s as string, name, composite);
    return texts;
  }
  if (DataType.isBinary(t) || DataType.isLargeBinary(t) || DataType.isFixedSizeBinary(t) || DataType.isBinaryView(t)) {
    return jsValues(data, (v) => Buffer.from(v as Uint8Array).toString('hex'));
  }
  // A Null column (Polars' pl.Null; DuckDB reads it as an all-NULL INTEGER) is one group: the null key.
  if (DataType.isNull(t)) return new Array<KeyPart>(data.length).fill(null);
  if (DataType.isBool(t) || (DataType.isFloat(t) && t.precision === Precision.HALF)) return jsValues(data, Number);
  if (isNestedKey(t)) {
    const texts = jsValues(data, (v) => JSON.stringify(canonicalOf(v, t)));
    for (const s of texts) if (s !== null) checkString(s as string, name, composite);
    return texts;
  }
  // Equal intervals ('1 month', '30 days') are one key: their normalized parts (intervals.ts).
  if (DataType.isInterval(t)) return intervalKeys(intervalWords(data as Data<Interval>), data.length);
  const kind = kindOf(t);
  if (kind === 'float' || kind === 'int') return data.values as ArrayLike<number>;
  if (kind !== undefined) return bigKeys(data, wordsOf(data, kind), LIMBS[kind], kind !== 'u64');
  throw new Error(
    `groupby cannot group by column "${name}" of type ${t}: keys are text, numbers, decimals, dates, times, timestamps, intervals, ` +
      `booleans or bytes; group by other columns`,
  );
}

/** Each row's JS value (Arrow's `get`) turned into a key part by `f`; null for a null. */
function jsValues(data: Data, f: (v: unknown) => KeyPart): KeyPart[] {
  const v = makeVector(data);
  const out = new Array<KeyPart>(data.length);
  for (let i = 0; i < out.length; i++) {
    const x = v.get(i);
    out[i] = x === null || x === undefined ? null : f(x);
  }
  return out;
}

const TWO32 = 2 ** 32;

/**
 * Keys of integers of `L` 32-bit limbs: a number within ±2^53, else BIG_MARK and the exact decimal
 * text (the limbs read as a BigInt only for those rows).
 */
function bigKeys(data: Data, words: Uint32Array, L: number, signed: boolean): KeyPart[] {
  const out = new Array<KeyPart>(data.length);
  for (let i = 0; i < out.length; i++) {
    const at = i * L;
    const hi = words[at + 1]! | 0;
    // Limbs above the second (decimals) must only repeat its sign for the value to fit in 64 bits.
    let fits = true;
    for (let k = 2; k < L && fits; k++) fits = (words[at + k]! | 0) === hi >> 31;
    const x = (signed ? hi : words[at + 1]!) * TWO32 + words[at]!;
    if (fits && x <= Number.MAX_SAFE_INTEGER && x >= -Number.MAX_SAFE_INTEGER) out[i] = x;
    else {
      let b = signed ? BigInt(words[at + L - 1]! | 0) : BigInt(words[at + L - 1]!);
      for (let k = L - 2; k >= 0; k--) b = (b << 32n) + BigInt(words[at + k]!);
      out[i] = BIG_MARK + b.toString();
    }
  }
  return out;
}

/** UTF-8 of U+FFFF, the character quiver's null key part is made of. */
const NULL_CHAR = Buffer.from(joinKey(null), 'utf8');
/** The separator of composite key parts (what `joinKey` puts between two empty parts). */
const SEPARATOR = Buffer.from(joinKey('', ''), 'utf8');
/** Dictionaries already checked, as a single key and as a part of a composite one: batches of one file share theirs. */
const checked = [new WeakSet<Data>(), new WeakSet<Data>()] as const;

/**
 * Rejects text that would be taken for a null key (U+FFFF, a Unicode noncharacter) or, in a composite
 * key, for the break between two parts (U+001F): one native byte search over the batch's text.
 */
export function checkText(data: Data, name: string, composite: boolean): void {
  const done = checked[composite ? 1 : 0];
  const texts = DataType.isDictionary(data.type) ? data.dictionary!.data.filter((d) => !done.has(d)) : [data];
  for (const d of texts) {
    const offsets = d.valueOffsets as ArrayLike<number | bigint>;
    const start = Number(offsets[0]!);
    const bytes = Buffer.from(d.values.buffer, d.values.byteOffset + start, Number(offsets[d.length]!) - start);
    if (bytes.includes(NULL_CHAR)) throw nullCharError(name);
    if (composite && bytes.includes(SEPARATOR)) throw separatorError(name);
    if (d !== data) done.add(d);
  }
}

/** checkText for one string of a layout without one byte buffer (Utf8View). */
function checkString(s: string, name: string, composite: boolean): void {
  if (s.includes(joinKey(null))) throw nullCharError(name);
  if (composite && s.includes(joinKey('', ''))) throw separatorError(name);
}

function nullCharError(name: string): Error {
  return new Error(
    `key column "${name}" holds text with the character U+FFFF, which quiver keeps to stand for a null key; remove it from the text (it ` +
      `is a Unicode noncharacter, not meant to appear in data)`,
  );
}

function separatorError(name: string): Error {
  return new Error(
    `key column "${name}" holds text with the control character U+001F, which separates the parts of a composite key; remove it from ` +
      `the text, or group by "${name}" alone`,
  );
}

import { DataType, DateUnit, Precision, type Data, type Field } from 'apache-arrow';
import { CellBytes } from './cell-bytes.js';
import { dateText, timestampText } from './format-temporal.js';
import { formatBigInts, formatDoubles, formatSmallInts, putNull, SAFE_HIGH, type Validity } from './format-numbers.js';
import { cellTextOf, decimalText, floatText, mayNeedQuotes, scaledText } from './format-value.js';

/**
 * A column chunk's cells, a range of rows at a time, as the bytes CSV and NDJSON lines hold: what
 * `quiver convert` and the text sinks write. The spelling is format-value.ts's, always: the column
 * types that make up most data (integers, doubles, decimals that fit a double's integers, Date32,
 * timestamps, booleans, strings of every layout, dictionaries) are written straight into a reused
 * byte buffer by loops over the Arrow buffers, calling format-value's and format-temporal's spellers
 * where a value has more than digits to it; every other type goes through `cellTextOf` cell by cell.
 * test/io/format-column.test.ts checks the two agree for every type, on DuckDB's and Polars' files.
 *
 * Why: a JS string per cell, joined into lines and a batch's text, left a 10M-row convert to CSV
 * spending 56% of its CPU in garbage collection (bench/results/fast-paths.md).
 *
 * Strings are copied as their bytes, so a Utf8 column must be valid UTF-8 (the readers check every
 * column a task reads; strings made in JS are): the per-value formatter would show U+FFFD instead.
 */

/** `csv`: format-value's `text` style, quoted as a CSV field (`csvQuote`), a null an empty field; `json`: a JSON value. */
export type LineStyle = 'csv' | 'json';

/**
 * Text as one CSV field (RFC 4180 quoting). An empty string is written quoted (`""`), so it is not
 * read back as a null: a null is an empty field, as DuckDB's and PostgreSQL's COPY write them and
 * quiver's CSV reader reads them (its null markers apply to unquoted text only).
 */
export function csvQuote(s: string): string {
  if (s === '') return '""';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const QUOTE = 0x22;
const TWO_TO_32 = 4294967296;

/** Appends rows `[start, end)` of `data` to `out` as `style` cells, one per row. `field` names an extension type (a UUID). */
export function formatColumn(data: Data, field: Field | undefined, style: LineStyle, start: number, end: number, out: CellBytes): void {
  const t = data.type;
  const json = style === 'json';
  const valueStyle = json ? 'json' : 'text';
  // Validity is read from the bitmap at the data's offset; values are already sliced to the data.
  const bits = data.nullCount > 0 && !DataType.isNull(t) && !DataType.isUnion(t) ? data.nullBitmap : undefined;
  const off = data.offset;
  // The common types have a loop each, with the validity bit read inline (format-numbers.ts says why).
  if (DataType.isDictionary(t)) return formatDictionary(data, style, bits, start, end, out);
  if (DataType.isInt(t) && t.bitWidth <= 32) return formatSmallInts(data.values as ArrayLike<number>, bits, off, json, start, end, out);
  if (DataType.isInt(t))
    return formatBigInts(wordsOf(data), data.values as ArrayLike<bigint>, t.isSigned, bits, off, json, start, end, out);
  if (DataType.isFloat(t) && t.precision === Precision.DOUBLE)
    return formatDoubles(data.values as Float64Array, bits, off, valueStyle, start, end, out);
  if (DataType.isUtf8(t))
    return formatStrings(data.valueOffsets as Int32Array, 0, data.values as Uint8Array, bits, off, json, start, end, out);
  if (DataType.isLargeUtf8(t)) {
    // 64-bit offsets as doubles (exact below 2^53), for the rows written only.
    const offsets = Float64Array.from((data.valueOffsets as BigInt64Array).subarray(start, end + 1), Number);
    return formatStrings(offsets, start, data.values as Uint8Array, bits, off, json, start, end, out);
  }
  if (DataType.isUtf8View(t)) return formatStringViews(data, bits, off, json, start, end, out);
  const valid = (i: number) => !bits || ((bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1;
  const v = data.values as ArrayLike<number>;
  const each = (cell: (i: number) => void) => {
    for (let i = start; i < end; i++) {
      if (valid(i)) cell(i);
      else if (json) out.ascii('null');
      out.end();
    }
  };
  if (DataType.isFloat(t) && t.precision === Precision.SINGLE) return each((i) => out.ascii(floatText(v[i]!, Math.fround, valueStyle)));
  if (DataType.isDecimal(t)) {
    const count = t.bitWidth / 32;
    const u = data.values as Uint32Array;
    const w = new Int32Array(u.buffer, u.byteOffset, u.length);
    return each((i) => writeDecimal(out, u, w, i * count, count, t.scale));
  }
  if (DataType.isBool(t)) return each((i) => out.ascii((v[(off + i) >> 3]! >> ((off + i) & 7)) & 1 ? 'true' : 'false'));
  // Temporal texts are ASCII digits, signs and letters: JSON needs only the quotes around them.
  const quoted = (text: string) => {
    if (json) out.room(1)[out.pos++] = QUOTE;
    out.ascii(text);
    if (json) out.room(1)[out.pos++] = QUOTE;
  };
  if (DataType.isDate(t) && t.unit === DateUnit.DAY) return each((i) => quoted(dateText(v[i]!)));
  if (DataType.isTimestamp(t)) {
    const zoned = t.timezone != null && t.timezone !== '';
    const words = wordsOf(data);
    const big = data.values as ArrayLike<bigint>;
    return each((i) => {
      const high = words[2 * i + 1]!;
      const n = high >= -SAFE_HIGH && high < SAFE_HIGH ? high * TWO_TO_32 + (words[2 * i]! >>> 0) : big[i]!;
      quoted(timestampText(n, t.unit, zoned));
    });
  }
  // Any other type: the per-value formatter's text, cell by cell.
  const cell = cellTextOf(data, valueStyle, field);
  const quote = !json && mayNeedQuotes(t);
  for (let i = start; i < end; i++) {
    const s = cell(i);
    if (s !== null) out.utf8(quote ? csvQuote(s) : s);
    else if (json) out.ascii('null');
    out.end();
  }
}

/** A 64-bit column's values as pairs of 32-bit words (low, high), read without making a BigInt per value. */
function wordsOf(data: Data): Int32Array {
  const v = data.values as BigInt64Array;
  return new Int32Array(v.buffer, v.byteOffset, 2 * v.length);
}

/** Dictionary columns: the dictionary's values are formatted once (dictionaryCells), then each row copies its value's bytes. */
function formatDictionary(data: Data, style: LineStyle, bits: Validity, start: number, end: number, out: CellBytes): void {
  const { words, widest } = dictionaryCells(data, style);
  const codes = data.values as ArrayLike<number>;
  const off = data.offset;
  const json = style === 'json';
  const count = words.count;
  const from = words.bytes;
  const to = words.ends;
  out.reserve(end - start, Math.max(widest, 4) * (end - start));
  const b = out.bytes;
  const ends = out.ends;
  let p = out.pos;
  let c = out.count;
  for (let i = start; i < end; i++) {
    const code = codes[i]!;
    if ((bits === undefined || (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) && code >= 0 && code < count)
      for (let k = code === 0 ? 0 : to[code - 1]!, e = to[code]!; k < e; k++) b[p++] = from[k]!;
    else if (json) p = putNull(b, p);
    ends[c++] = p;
  }
  out.pos = p;
  out.count = c;
}

/** A dictionary's cells, and the widest of them in bytes. */
interface DictionaryCells {
  words: CellBytes;
  widest: number;
}

/**
 * A dictionary's values as cells, formatted once: batches of one column share their dictionary (a
 * Parquet column chunk's, a CSV `dict` column's), and a table is written a chunk of rows at a time.
 */
const dictionaries = new WeakMap<object, Partial<Record<LineStyle, DictionaryCells>>>();

function dictionaryCells(data: Data, style: LineStyle): DictionaryCells {
  const key = data.dictionary ?? data;
  const known = dictionaries.get(key) ?? {};
  dictionaries.set(key, known);
  let cells = known[style];
  if (!cells) {
    const words = new CellBytes();
    for (const chunk of data.dictionary?.data ?? []) formatColumn(chunk, undefined, style, 0, chunk.length, words);
    let widest = 0;
    for (let k = 0; k < words.count; k++) widest = Math.max(widest, words.ends[k]! - (k === 0 ? 0 : words.ends[k - 1]!));
    cells = known[style] = { words, widest };
  }
  return cells;
}

/** A decimal as `decimalText` spells it; one whose unscaled value a double holds exactly is read without BigInts. */
function writeDecimal(out: CellBytes, u: Uint32Array, w: Int32Array, at: number, count: number, scale: number): void {
  const high = count === 1 ? w[at]! >> 31 : w[at + 1]!;
  let small = high >= -SAFE_HIGH && high < SAFE_HIGH;
  for (let k = 2; small && k < count; k++) small = w[at + k] === high >> 31;
  if (!small) return out.ascii(decimalText(u, at, count, scale));
  const n = count === 1 ? w[at]! : high * TWO_TO_32 + (u[at]! >>> 0);
  out.ascii(scaledText(n < 0, String(Math.abs(n)), scale));
}

/**
 * Rows `[start, end)` of a Utf8 or LargeUtf8 column: row i's bytes are `[offsets[i - base], offsets[i - base + 1])`.
 * The room a run needs is known from its offsets (CSV quoting at most doubles the bytes), so it is reserved once.
 */
function formatStrings(
  offsets: Int32Array | Float64Array,
  base: number,
  src: Uint8Array,
  bits: Validity,
  off: number,
  json: boolean,
  start: number,
  end: number,
  out: CellBytes,
): void {
  const room = (json ? 1 : 2) * (offsets[end - base]! - offsets[start - base]!) + 4 * (end - start);
  out.reserve(end - start, room);
  let b = out.bytes;
  const ends = out.ends;
  let p = out.pos;
  let c = out.count;
  for (let i = start; i < end; i++) {
    if (bits === undefined || (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) {
      const a = offsets[i - base]!;
      const e = offsets[i - base + 1]!;
      if (!json) p = putCsvText(b, p, src, a, e);
      else {
        const q = putJsonText(b, p, src, a, e);
        if (q >= 0) p = q;
        else {
          p = out.utf8At(p, jsonText(src, a, e), room);
          b = out.bytes;
        }
      }
    } else if (json) p = putNull(b, p);
    ends[c++] = p;
  }
  out.pos = p;
  out.count = c;
}

/**
 * Rows `[start, end)` of a Utf8View column: 16-byte views, a length, then the bytes inline when at most
 * 12, else a buffer index and offset.
 */
function formatStringViews(data: Data, bits: Validity, off: number, json: boolean, start: number, end: number, out: CellBytes): void {
  const views = data.values as Uint8Array;
  const ints = new Int32Array(views.buffer, views.byteOffset, views.byteLength >> 2);
  const buffers = data.variadicBuffers;
  let size = 0;
  for (let i = start; i < end; i++) size += ints[4 * i]!;
  const room = (json ? 1 : 2) * size + 4 * (end - start);
  out.reserve(end - start, room);
  let b = out.bytes;
  const ends = out.ends;
  let p = out.pos;
  let c = out.count;
  for (let i = start; i < end; i++) {
    if (bits === undefined || (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) {
      const n = ints[4 * i]!;
      const src = n <= 12 ? views : buffers[ints[4 * i + 2]!]!;
      const a = n <= 12 ? 16 * i + 4 : ints[4 * i + 3]!;
      if (!json) p = putCsvText(b, p, src, a, a + n);
      else {
        const q = putJsonText(b, p, src, a, a + n);
        if (q >= 0) p = q;
        else {
          p = out.utf8At(p, jsonText(src, a, a + n), room);
          b = out.bytes;
        }
      }
    } else if (json) p = putNull(b, p);
    ends[c++] = p;
  }
  out.pos = p;
  out.count = c;
}

/**
 * Writes UTF-8 bytes `[a, e)` of `src` at `p` as a CSV field (room for 2(e - a) + 2 bytes): copied while
 * looked at, or quoted with `"` doubled when they hold `"`, `,`, CR or LF; the position after it.
 */
function putCsvText(b: Uint8Array, p: number, src: Uint8Array, a: number, e: number): number {
  if (a === e) {
    // An empty string is `""`, so it is not read back as a null.
    b[p] = QUOTE;
    b[p + 1] = QUOTE;
    return p + 2;
  }
  const at = p;
  for (let k = a; k < e; k++) {
    const ch = src[k]!;
    if (ch === QUOTE || ch === 0x2c || ch === 0x0a || ch === 0x0d) return putQuoted(b, at, src, a, e);
    b[p++] = ch;
  }
  return p;
}

function putQuoted(b: Uint8Array, p: number, src: Uint8Array, a: number, e: number): number {
  b[p++] = QUOTE;
  for (let k = a; k < e; k++) {
    const ch = src[k]!;
    b[p++] = ch;
    if (ch === QUOTE) b[p++] = QUOTE;
  }
  b[p++] = QUOTE;
  return p;
}

/**
 * Writes UTF-8 bytes `[a, e)` of `src` at `p` as a JSON string when none needs escaping (room for
 * e - a + 2 bytes): the position after it, else -1.
 */
function putJsonText(b: Uint8Array, p: number, src: Uint8Array, a: number, e: number): number {
  b[p++] = QUOTE;
  for (let k = a; k < e; k++) {
    const ch = src[k]!;
    if (ch < 0x20 || ch === QUOTE || ch === 0x5c) return -1;
    b[p++] = ch;
  }
  b[p++] = QUOTE;
  return p;
}

/** UTF-8 bytes as a JSON string, escaped as JSON.stringify escapes it. */
function jsonText(src: Uint8Array, a: number, e: number): string {
  return JSON.stringify(Buffer.from(src.buffer, src.byteOffset + a, e - a).toString());
}

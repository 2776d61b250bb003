import { DataType, DateUnit, Precision, type Data, type Field } from 'apache-arrow';
import { CellBytes } from './cell-bytes.js';
import { dateText, timestampText } from './format-temporal.js';
import { cellTextOf, decimalText, floatText, mayNeedQuotes, scaledText, type ValueStyle } from './format-value.js';

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
/** High words of a 64-bit integer whose value a double holds exactly (|n| < 2^53). */
const SAFE_HIGH = 1 << 21;

/** Appends rows `[start, end)` of `data` to `out` as `style` cells, one per row. `field` names an extension type (a UUID). */
export function formatColumn(data: Data, field: Field | undefined, style: LineStyle, start: number, end: number, out: CellBytes): void {
  const t = data.type;
  const json = style === 'json';
  const valueStyle = json ? 'json' : 'text';
  // Validity is read from the bitmap at the data's offset; values are already sliced to the data.
  const bitmap = data.nullCount > 0 && !DataType.isNull(t) && !DataType.isUnion(t) ? data.nullBitmap : undefined;
  const off = data.offset;
  const valid = (i: number) => !bitmap || ((bitmap[(off + i) >> 3]! >> ((off + i) & 7)) & 1) === 1;
  const nullCell = () => {
    if (json) out.ascii('null');
    out.end();
  };
  const v = data.values as ArrayLike<number>;
  // Temporal texts are ASCII digits, signs and letters: JSON needs only the quotes around them.
  const each = (cell: (i: number) => void) => {
    for (let i = start; i < end; i++) {
      if (valid(i)) cell(i);
      else if (json) out.ascii('null');
      out.end();
    }
  };
  if (DataType.isDictionary(t)) return formatDictionary(data, style, start, end, out, valid, nullCell);
  if (DataType.isInt(t) && t.bitWidth <= 32) return each((i) => writeInteger(out, v[i]!));
  if (DataType.isInt(t)) {
    const words = wordsOf(data);
    const big = data.values as ArrayLike<bigint>;
    return each((i) => {
      const high = t.isSigned ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
      if (high >= -SAFE_HIGH && high < SAFE_HIGH) writeInteger(out, high * TWO_TO_32 + (words[2 * i]! >>> 0));
      else out.ascii(String(big[i]));
    });
  }
  if (DataType.isFloat(t) && t.precision === Precision.DOUBLE) return each((i) => writeDouble(out, v[i]!, valueStyle));
  if (DataType.isFloat(t) && t.precision === Precision.SINGLE) return each((i) => out.ascii(floatText(v[i]!, Math.fround, valueStyle)));
  if (DataType.isDecimal(t)) {
    const count = t.bitWidth / 32;
    const u = data.values as Uint32Array;
    const w = new Int32Array(u.buffer, u.byteOffset, u.length);
    return each((i) => writeDecimal(out, u, w, i * count, count, t.scale));
  }
  if (DataType.isBool(t)) return each((i) => out.ascii((v[(off + i) >> 3]! >> ((off + i) & 7)) & 1 ? 'true' : 'false'));
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
  const text = json ? writeJsonText : writeCsvText;
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) {
    const offsets = data.valueOffsets as ArrayLike<number | bigint>;
    const bytes = data.values as Uint8Array;
    const large = DataType.isLargeUtf8(t);
    return each((i) =>
      large
        ? text(out, bytes, Number(offsets[i]), Number(offsets[i + 1]))
        : text(out, bytes, offsets[i] as number, offsets[i + 1] as number),
    );
  }
  if (DataType.isUtf8View(t)) {
    // 16-byte views: length, then the bytes inline when at most 12, else a buffer index and offset.
    const views = data.values as Uint8Array;
    const ints = new Int32Array(views.buffer, views.byteOffset, views.byteLength >> 2);
    const buffers = data.variadicBuffers;
    return each((i) => {
      const size = ints[4 * i]!;
      if (size <= 12) text(out, views, 16 * i + 4, 16 * i + 4 + size);
      else text(out, buffers[ints[4 * i + 2]!]!, ints[4 * i + 3]!, ints[4 * i + 3]! + size);
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

/** Dictionary columns: the dictionary's values are formatted once per chunk, then each row copies its value's bytes. */
function formatDictionary(
  data: Data,
  style: LineStyle,
  start: number,
  end: number,
  out: CellBytes,
  valid: (i: number) => boolean,
  nullCell: () => void,
): void {
  const words = dictionaryCells(data, style);
  const codes = data.values as ArrayLike<number>;
  const ends = words.ends;
  for (let i = start; i < end; i++) {
    const code = codes[i]!;
    if (!valid(i) || code < 0 || code >= words.count) {
      nullCell();
      continue;
    }
    out.copy(words.bytes, code === 0 ? 0 : ends[code - 1]!, ends[code]!);
    out.end();
  }
}

/**
 * A dictionary's values as cells, formatted once: batches of one column share their dictionary (a
 * Parquet column chunk's, a CSV `dict` column's), and a table is written a chunk of rows at a time.
 */
const dictionaries = new WeakMap<object, Partial<Record<LineStyle, CellBytes>>>();

function dictionaryCells(data: Data, style: LineStyle): CellBytes {
  const key = data.dictionary ?? data;
  const known = dictionaries.get(key) ?? {};
  dictionaries.set(key, known);
  let words = known[style];
  if (!words) {
    words = new CellBytes();
    for (const chunk of data.dictionary?.data ?? []) formatColumn(chunk, undefined, style, 0, chunk.length, words);
    known[style] = words;
  }
  return words;
}

/** An integer of at most 2^53 in magnitude as its decimal digits (what String gives). */
function writeInteger(out: CellBytes, n: number): void {
  const b = out.room(17);
  let p = out.pos;
  if (n < 0) {
    b[p++] = 0x2d;
    n = -n;
  }
  let digits = 1;
  for (let ten = 10; ten <= n; ten *= 10) digits++;
  p += digits;
  out.pos = p;
  do {
    const q = Math.floor(n / 10);
    b[--p] = 0x30 + (n - 10 * q);
    n = q;
  } while (n > 0);
}

/** A double as `floatText` spells it: integral values below 2^53, and those of few decimals, as digits without making a string. */
function writeDouble(out: CellBytes, x: number, style: ValueStyle): void {
  if (Number.isInteger(x) && x < 9007199254740992 && x > -9007199254740992) {
    if (x === 0 && 1 / x < 0) out.ascii('-'); // -0.0, as floatText writes it
    writeInteger(out, x);
    out.ascii('.0');
  } else if (!writeFewDecimals(out, x)) out.ascii(floatText(x, undefined, style));
}

/** Powers of ten a double holds exactly. */
const TENS = Array.from({ length: 16 }, (_, d) => 10 ** d);

/**
 * A non-integral double as String(x) writes it, when it is m / 10^d for some d ≤ 9 and m of at most 15
 * digits; false (nothing written) otherwise. String(x) is the decimal with the fewest significant
 * digits that reads back to x (ECMA-262 Number::toString), in plain notation for 1e-6 ≤ |x| < 1e21.
 * Why this m is it: a decimal of at most 15 significant digits is the only one of its length that
 * reads back to its double (DBL_DIG), division of exact m and 10^d rounds as reading the decimal
 * does, and trying d upwards finds the fewest digits. Data such as prices and measurements have few
 * decimals: String(x) for them was half of a CSV writer's time per double column.
 */
function writeFewDecimals(out: CellBytes, x: number): boolean {
  const a = x < 0 ? -x : x;
  if (!(a >= 1e-6 && a < 1e9)) return false;
  for (let d = 1; d <= 9; d++) {
    const m = Math.round(a * TENS[d]!);
    if (m >= 1e15) return false;
    if (m / TENS[d]! !== a) continue;
    const b = out.room(26);
    let p = out.pos;
    if (x < 0) b[p++] = 0x2d;
    out.pos = p;
    const whole = Math.floor(m / TENS[d]!);
    writeInteger(out, whole);
    p = out.pos;
    b[p++] = 0x2e; // .
    let fraction = m - whole * TENS[d]!;
    for (let k = p + d - 1; k >= p; k--) {
      const q = Math.floor(fraction / 10);
      b[k] = 0x30 + (fraction - 10 * q);
      fraction = q;
    }
    out.pos = p + d;
    return true;
  }
  return false;
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

/** UTF-8 bytes `[a, b)` of `src` as a CSV field: copied, or quoted with `"` doubled when they hold `"`, `,`, CR or LF. */
function writeCsvText(out: CellBytes, src: Uint8Array, a: number, b: number): void {
  let special = a === b; // an empty string is `""`, so it is not read back as a null
  for (let k = a; k < b && !special; k++) {
    const c = src[k]!;
    special = c === QUOTE || c === 0x2c || c === 0x0a || c === 0x0d;
  }
  if (!special) return out.copy(src, a, b);
  const buf = out.room(2 * (b - a) + 2);
  let p = out.pos;
  buf[p++] = QUOTE;
  for (let k = a; k < b; k++) {
    const c = src[k]!;
    buf[p++] = c;
    if (c === QUOTE) buf[p++] = QUOTE;
  }
  buf[p++] = QUOTE;
  out.pos = p;
}

/** UTF-8 bytes `[a, b)` of `src` as a JSON string, as JSON.stringify writes it: bytes copied unless some need escaping. */
function writeJsonText(out: CellBytes, src: Uint8Array, a: number, b: number): void {
  for (let k = a; k < b; k++) {
    const c = src[k]!;
    if (c < 0x20 || c === QUOTE || c === 0x5c)
      return out.utf8(JSON.stringify(Buffer.from(src.buffer, src.byteOffset + a, b - a).toString()));
  }
  out.room(b - a + 2)[out.pos++] = QUOTE;
  out.copy(src, a, b);
  out.bytes[out.pos++] = QUOTE;
}

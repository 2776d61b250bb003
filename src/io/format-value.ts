import { DataType, DateUnit, Precision, UnionMode, makeVector, util, type Data, type Field } from 'apache-arrow';
import { dateText, intervalText, timeText, timestampText } from './format-temporal.js';

/**
 * The one place that turns a value of any Arrow type into text, for every output: the stdout table,
 * `quiver inspect`, CSV and NDJSON/JSON. Values are written as DuckDB writes them (docs/text-output.md
 * has the table), so DuckDB and Polars read quiver's text back to the same types and values:
 * - `text` (CSV, the table): a value as DuckDB's CSV writer spells it — exact integers of any width,
 *   shortest round-trip floats (`2.0`, `0.1` for a Float32 0.1, `inf`, `nan`), decimals with their
 *   scale (`1.02`, `-0.50`), ISO dates and timestamps (format-temporal.ts), bytes with `\xNN`
 *   escapes, UUIDs as `8-4-4-4-12`; nested values (List, Struct, Map) as JSON, which any tool parses
 *   (DuckDB's own `[1, 2, NULL]` / `{'x': 1}` spelling is not JSON).
 * - `json` (NDJSON, JSON): numbers of every width and decimals as JSON numbers with all their digits,
 *   non-finite floats as null (JSON has no NaN), everything else as JSON strings of its `text` form;
 *   lists as arrays, structs as objects, maps as objects keyed by the key's text.
 * A formatter is made once per column chunk and reads the Arrow buffers directly (no per-cell
 * `Vector.get`, which allocates; bytes aside), so writing stays close to the speed of String(number).
 */

/** `text`: DuckDB's CSV spelling (unquoted); `json`: a JSON value. */
export type ValueStyle = 'text' | 'json';

/** The text of row `i` of a column chunk, or null for a null. */
export type CellText = (i: number) => string | null;

/** Field metadata key of a canonical Arrow extension type (`arrow.uuid` marks a FixedSizeBinary(16) UUID). */
const EXTENSION_NAME = 'ARROW:extension:name';

/** Whether a value of this type may hold a CSV delimiter, quote or newline (so its text needs quoting). */
export function mayNeedQuotes(type: DataType): boolean {
  return !(
    DataType.isInt(type) ||
    DataType.isFloat(type) ||
    DataType.isDecimal(type) ||
    DataType.isBool(type) ||
    DataType.isDate(type) ||
    DataType.isTime(type) ||
    DataType.isTimestamp(type) ||
    DataType.isInterval(type) ||
    DataType.isDuration(type) ||
    DataType.isNull(type)
  );
}

/** A formatter of one column chunk's cells in `style`; `field` gives the extension type (a UUID), if any. */
export function cellTextOf(data: Data, style: ValueStyle, field?: Field): CellText {
  if (DataType.isNull(data.type)) return () => null;
  if (DataType.isDictionary(data.type)) {
    const words = dictionaryTexts(data, style);
    const idx = data.values as ArrayLike<number>;
    return (i) => (data.getValid(i) ? (words[idx[i]!] ?? null) : null);
  }
  const get = valueTextOf(data, style, field?.metadata.get(EXTENSION_NAME));
  if (data.nullCount === 0) return get;
  return (i) => (data.getValid(i) ? get(i) : null);
}

/** Text of row `i` assuming it is valid. */
type ValueText = (i: number) => string;

function valueTextOf(data: Data, style: ValueStyle, extension: string | undefined): ValueText {
  const t = data.type;
  const quote = style === 'json' ? (s: string) => JSON.stringify(s) : (s: string) => s;
  // Temporal texts are ASCII digits, signs and letters: no JSON escaping to do.
  const plain = style === 'json' ? (s: string) => '"' + s + '"' : (s: string) => s;
  const v = data.values as ArrayLike<number> & ArrayLike<bigint>;
  if (DataType.isInt(t)) return (i) => String(v[i]);
  if (DataType.isFloat(t)) {
    // A half is written as the shortest text of its Float32 value, which it is exactly: every reader
    // (DuckDB's FLOAT, Polars' Float32) gets the same number back, where the shortest text at half width
    // (65500 for 65504) reads back as another number to anything but a half.
    if (t.precision === Precision.HALF) return (i) => floatText(util.uint16ToFloat64(v[i] as number), Math.fround, style);
    const round = t.precision === Precision.SINGLE ? Math.fround : undefined;
    return (i) => floatText(v[i] as number, round, style);
  }
  if (DataType.isDecimal(t)) {
    const words = t.bitWidth / 32;
    return (i) => decimalText(data.values as Uint32Array, i * words, words, t.scale);
  }
  if (DataType.isBool(t)) {
    const off = data.offset; // a Bool's value bitmap is not sliced with the data; its offset is the data's
    return (i) => (((v[(off + i) >> 3]! as number) >> ((off + i) & 7)) & 1 ? 'true' : 'false');
  }
  // Date32 counts days; Date64 counts milliseconds (a BigInt64Array) and shows the day, as DuckDB's DATE does.
  if (DataType.isDate(t))
    return t.unit === DateUnit.DAY ? (i) => plain(dateText(v[i] as number)) : (i) => plain(dateText(Math.floor(Number(v[i]) / 86400000)));
  if (DataType.isTime(t)) return (i) => plain(timeText(v[i]!, t.unit));
  if (DataType.isTimestamp(t)) {
    const zoned = t.timezone != null && t.timezone !== '';
    return (i) => plain(timestampText(v[i]!, t.unit, zoned));
  }
  if (DataType.isDuration(t)) return (i) => plain(intervalText(0, 0, v[i]!, t.unit));
  if (DataType.isInterval(t)) return intervalTextOf(data.values as Int32Array, t.unit, plain);
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return utf8TextOf(data, quote);
  if (DataType.isUtf8View(t)) return utf8ViewTextOf(data, quote);
  if (DataType.isBinary(t) || DataType.isLargeBinary(t) || DataType.isBinaryView(t) || DataType.isFixedSizeBinary(t)) {
    const vector = makeVector(data);
    const uuid = DataType.isFixedSizeBinary(t) && t.byteWidth === 16 && extension === 'arrow.uuid';
    return (i) => quote((uuid ? uuidText : bytesText)(vector.get(i) as Uint8Array));
  }
  if (
    DataType.isList(t) ||
    DataType.isLargeList(t) ||
    DataType.isFixedSizeList(t) ||
    DataType.isStruct(t) ||
    DataType.isMap(t) ||
    DataType.isUnion(t)
  ) {
    return nestedJsonOf(data);
  }
  // A type Arrow JS decodes but quiver has no spelling for (none today): its JSON, never a crash.
  const vector = makeVector(data);
  return (i) => quote(String(JSON.stringify(vector.get(i), (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x))));
}

/** The JSON of a nested value (List, Struct, Map, Union), its children in `json` style. */
function nestedJsonOf(data: Data): ValueText {
  const t = data.type;
  const children = data.children.map((c, k) => cellTextOf(c, 'json', t.children?.[k]));
  const cell = (c: CellText, i: number) => c(i) ?? 'null';
  if (DataType.isFixedSizeList(t)) {
    const size = t.listSize;
    return (i) => {
      let out = '[';
      for (let k = 0; k < size; k++) out += (k > 0 ? ',' : '') + cell(children[0]!, i * size + k);
      return out + ']';
    };
  }
  if (DataType.isStruct(t)) {
    const names = t.children.map((f) => JSON.stringify(f.name) + ':');
    return (i) => '{' + children.map((c, k) => names[k] + cell(c, i)).join(',') + '}';
  }
  if (DataType.isUnion(t)) {
    // The value is the child the row's type id names, at the row (sparse) or at its offset (dense).
    const typeIds = data.typeIds;
    const offsets = t.mode === UnionMode.Dense ? (data.valueOffsets as Int32Array) : undefined;
    return (i) => cell(children[t.typeIdToChildIndex[typeIds[i]!]!]!, offsets ? offsets[i]! : i);
  }
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  if (DataType.isMap(t)) {
    // Entries are a Struct<key, value>; JSON object keys are strings, so a key is written as its text.
    const entries = data.children[0]!;
    const key = cellTextOf(entries.children[0]!, 'text');
    const value = cellTextOf(entries.children[1]!, 'json', entries.type.children[1]);
    return (i) => {
      let out = '{';
      for (let k = Number(offsets[i]), end = Number(offsets[i + 1]); k < end; k++)
        out += (out.length > 1 ? ',' : '') + JSON.stringify(key(k) ?? 'null') + ':' + cell(value, k);
      return out + '}';
    };
  }
  return (i) => {
    let out = '[';
    for (let k = Number(offsets[i]), end = Number(offsets[i + 1]); k < end; k++) out += (out.length > 1 ? ',' : '') + cell(children[0]!, k);
    return out + ']';
  };
}

/** Utf8 / LargeUtf8 cells decoded straight from the column's bytes. */
function utf8TextOf(data: Data, quote: (s: string) => string): ValueText {
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  const values = data.values as Uint8Array;
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return (i) => quote(bytes.toString('utf8', Number(offsets[i]), Number(offsets[i + 1])));
}

/**
 * Utf8View cells (Polars' strings) decoded from their 16-byte views: length, then the bytes inline
 * when at most 12, else a buffer index and offset. 4× faster than Arrow JS's `get`, which makes a
 * DataView and a subarray per cell.
 */
function utf8ViewTextOf(data: Data, quote: (s: string) => string): ValueText {
  const views = data.values as Uint8Array;
  const view = new DataView(views.buffer, views.byteOffset, views.byteLength);
  const inline = Buffer.from(views.buffer, views.byteOffset, views.byteLength);
  const buffers = data.variadicBuffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  return (i) => {
    const at = 16 * i;
    const size = view.getInt32(at, true);
    if (size <= 12) return quote(inline.toString('utf8', at + 4, at + 4 + size));
    const offset = view.getInt32(at + 12, true);
    return quote(buffers[view.getInt32(at + 8, true)]!.toString('utf8', offset, offset + size));
  };
}

/** The texts of a dictionary's values, once per column chunk (null values stay null). */
function dictionaryTexts(data: Data, style: ValueStyle): Array<string | null> {
  const out: Array<string | null> = [];
  for (const chunk of data.dictionary?.data ?? []) {
    const text = cellTextOf(chunk, style);
    for (let k = 0; k < chunk.length; k++) out.push(text(k));
  }
  return out;
}

function intervalTextOf(v: Int32Array, unit: number, quote: (s: string) => string): ValueText {
  // Arrow's IntervalUnit: YEAR_MONTH (int32 months), DAY_TIME (int32 days, int32 ms), MONTH_DAY_NANO (int32, int32, int64).
  if (unit === 0) return (i) => quote(intervalText(v[i]!, 0, 0, 0));
  if (unit === 1) return (i) => quote(intervalText(0, v[2 * i]!, v[2 * i + 1]!, 1));
  return (i) => quote(intervalText(v[4 * i]!, v[4 * i + 1]!, (BigInt(v[4 * i + 3]!) << 32n) | BigInt(v[4 * i + 2]! >>> 0), 3));
}

/**
 * A float as its shortest text that reads back to the same value at its own width (`0.1` for a
 * Float32 0.1, not 0.10000000149011612), with `.0` on integral values so readers infer a float, not
 * an integer (as DuckDB writes `2.0`); `inf`, `-inf`, `nan` as DuckDB writes them, null in JSON.
 */
export function floatText(x: number, round: ((x: number) => number) | undefined, style: ValueStyle): string {
  if (!Number.isFinite(x)) return style === 'json' ? 'null' : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const s = round ? String(shortestAtWidth(x, round)) : String(x);
  if (Number.isInteger(x) && !s.includes('e')) return (Object.is(x, -0) ? '-' : '') + s + '.0';
  return s;
}

/**
 * The number with the fewest significant digits that `round` (the column's width) maps back to x.
 * Candidates are x's double digits (from toExponential, as exact as String) cut to p digits and
 * rounded half up; more digits never read back worse, so p is searched from 6 (a Float32 holds any
 * 6-digit decimal) up to 9, or down by halves: 2–4 tries. Number.prototype.toPrecision would do, but
 * costs about as much as all the tries together.
 */
function shortestAtWidth(x: number, round: (x: number) => number): number {
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.slice(sign.length).replace('.', '');
  const cut = (p: number): number => {
    if (p >= digits.length) return x;
    let head = digits.slice(0, p);
    let exp = Number(exponent);
    if (digits.charCodeAt(p) >= 53 /* '5' */) {
      const up = String(Number(head) + 1); // p ≤ 17 digits: exact
      if (up.length > p) exp += 1; // 99 → 100
      head = up.slice(0, p);
    }
    return Number(`${sign}${head[0]}.${head.slice(1)}e${exp}`);
  };
  let lo = 1;
  let hi = 6;
  if (round(cut(6)) !== x) {
    for (let p = 7; p < 17; p++) if (round(cut(p)) === x) return cut(p);
    return x;
  }
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (round(cut(mid)) === x) hi = mid;
    else lo = mid + 1;
  }
  return cut(lo);
}

/** A decimal's exact text with all `scale` digits (`1.02`, `-0.50`) from its two's-complement words. */
export function decimalText(words: Uint32Array, at: number, count: number, scale: number): string {
  let n = 0n;
  for (let k = count - 1; k >= 0; k--) n = (n << 32n) | BigInt(words[at + k]!);
  if (words[at + count - 1]! & 0x80000000) n -= 1n << BigInt(32 * count);
  return scaledText(n < 0n, (n < 0n ? -n : n).toString(), scale);
}

/** The text of a decimal whose unscaled magnitude has these digits (`digits` is `0` for zero): `scale` digits after the point. */
export function scaledText(negative: boolean, digits: string, scale: number): string {
  if (scale <= 0) return (negative ? '-' : '') + (digits === '0' ? '0' : digits + '0'.repeat(-scale));
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

/**
 * Bytes as DuckDB writes a BLOB: printable ASCII as itself, anything else (and `\`, `"`, `'`) as
 * `\xNN`. DuckDB reads this back with `::BLOB`; it keeps text-like bytes readable in a table.
 */
export function bytesText(bytes: Uint8Array): string {
  let out = '';
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    out += b >= 0x20 && b <= 0x7e && b !== 0x5c && b !== 0x22 && b !== 0x27 ? String.fromCharCode(b) : '\\x' + HEX[b];
  }
  return out;
}

/** 16 bytes as a UUID's canonical lowercase `8-4-4-4-12` text. */
export function uuidText(b: Uint8Array): string {
  const h = Array.from(b, (x) => HEX[x]!.toLowerCase()).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

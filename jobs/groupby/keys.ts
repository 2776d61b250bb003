import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { joinKey, type JobContext } from 'quiver-engine';
import { isValid, type Groups } from './groups.js';

/**
 * The group keys of a batch's rows. A null in a key column is a value of its own, as in SQL's GROUP
 * BY: every null of a column falls in one group, apart from '' and 0. Within a worker a null is JS
 * `null` (a Map tells it from every string and number); on the way out, `joinKey` writes it as
 * quiver's null key part, and the output column holds a null there.
 */

/** One key column's value in a row; null for a null. */
export type KeyPart = string | number | null;

/**
 * Dictionary codes of composite-key parts, per worker: each part value gets a small dense code, and a
 * row's key is the number code0·2^B + code1 (…), so the per-row work is a few lookups of short keys
 * instead of building and hashing one joined string per row. Keys go back to `joinKey` strings at
 * `flush`, because codes differ between workers.
 */
export class PartCodes {
  private readonly codes: Array<Map<KeyPart, number>>;
  private readonly values: KeyPart[][];
  constructor(parts: number, readonly bits: number) {
    this.codes = Array.from({ length: parts }, () => new Map());
    this.values = Array.from({ length: parts }, () => []);
  }
  /** The combined code of each row, or undefined once a part has more distinct values than `bits` allow. */
  encode(cols: Array<ArrayLike<KeyPart>>, n: number): Float64Array | undefined {
    const out = new Float64Array(n);
    const limit = 2 ** this.bits;
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      const codes = this.codes[j]!;
      const values = this.values[j]!;
      for (let i = 0; i < n; i++) {
        const v = col[i]!;
        let c = codes.get(v);
        if (c === undefined) {
          c = values.length;
          if (c >= limit) return undefined;
          codes.set(v, c);
          values.push(v);
        }
        out[i] = out[i]! * limit + c;
      }
    }
    return out;
  }
  /** The `joinKey` string of a combined code. */
  decode(code: number): string {
    const parts = new Array<KeyPart>(this.values.length);
    for (let j = this.values.length - 1; j >= 0; j--) {
      const c = code % 2 ** this.bits;
      parts[j] = this.values[j]![c]!;
      code = (code - c) / 2 ** this.bits;
    }
    return joinKey(...parts);
  }
}

/** The group key of every row: a column's values, composite codes (see PartCodes), or joined strings. */
export function keysOf(batch: RecordBatch, by: string[], ctx: JobContext, groups: Groups): ArrayLike<KeyPart> {
  const cols = by.map((c) => keyColumn(batch, c, ctx, by.length > 1));
  if (cols.length === 1) return cols[0]!;
  const state = ctx.state as { parts?: PartCodes | null };
  // 53 bits of a double shared by the parts; beyond that (or once a part outgrows its bits) join strings.
  if (state.parts === undefined) state.parts = cols.length <= 3 ? new PartCodes(cols.length, Math.floor(53 / cols.length)) : null;
  const codes = state.parts?.encode(cols, batch.numRows);
  if (codes) return codes;
  if (state.parts) {
    // A part outgrew its bits: re-key the groups made so far by their joined strings, and join from now on.
    groups.rekey((code) => state.parts!.decode(code as number));
    state.parts = null;
  }
  const out = new Array<string>(batch.numRows);
  for (let i = 0; i < out.length; i++) out[i] = joinKey(...cols.map((c) => c[i]!));
  return out;
}

/** The key that leaves a worker for a group key: a null goes out as `joinKey(null)`, quiver's null key. */
export function keyToEmit(k: KeyPart): string | number {
  return k === null ? joinKey(null) : k;
}

/** One key column's values, with null in the rows that have none. */
function keyColumn(batch: RecordBatch, name: string, ctx: JobContext, composite: boolean): ArrayLike<KeyPart> {
  const data = batch.getChild(name)?.data[0];
  const text = data !== undefined && (DataType.isUtf8(data.type) || DataType.isLargeUtf8(data.type) || DataType.isDictionary(data.type));
  if (text) checkText(data, name, composite);
  // ctx.column and ctx.strings say what is wrong with a missing column or one of another type.
  const values = text ? ctx.strings(batch, name) : numbersOf(ctx.column(batch, name), name, data!);
  if (!data || data.nullCount === 0) return values;
  const out = Array.from(values as ArrayLike<KeyPart>);
  for (let i = 0; i < out.length; i++) if (!isValid(data, i)) out[i] = null;
  return out;
}

/** 64-bit integers as numbers, which hold them exactly up to 2^53 (nulls' slots are not looked at). */
function numbersOf(col: ArrayLike<number | bigint>, name: string, data: Data): ArrayLike<number> {
  if (!(col instanceof BigInt64Array || col instanceof BigUint64Array)) return col as ArrayLike<number>;
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const x = Number(col[i]!);
    if (x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER) {
      if (data.nullCount > 0 && !isValid(data, i)) continue;
      throw new Error(`key column "${name}" holds ${col[i]!}, beyond ±2^53, where groupby's keys (JS numbers) would merge neighbouring integers; group by a column of smaller integers, or of the same values as text`);
    }
    out[i] = x;
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
function checkText(data: Data, name: string, composite: boolean): void {
  const done = checked[composite ? 1 : 0];
  const texts = DataType.isDictionary(data.type) ? data.dictionary!.data.filter((d) => !done.has(d)) : [data];
  for (const d of texts) {
    // A dictionary of other values: ctx.strings says so.
    if (!DataType.isUtf8(d.type) && !DataType.isLargeUtf8(d.type)) continue;
    const offsets = d.valueOffsets as ArrayLike<number | bigint>;
    const start = Number(offsets[0]!);
    const bytes = Buffer.from(d.values.buffer, d.values.byteOffset + start, Number(offsets[d.length]!) - start);
    if (bytes.includes(NULL_CHAR)) {
      throw new Error(`key column "${name}" holds text with the character U+FFFF, which quiver keeps to stand for a null key; remove it from the text (it is a Unicode noncharacter, not meant to appear in data)`);
    }
    if (composite && bytes.includes(SEPARATOR)) {
      throw new Error(`key column "${name}" holds text with the control character U+001F, which separates the parts of a composite key; remove it from the text, or group by "${name}" alone`);
    }
    if (d !== data) done.add(d);
  }
}

import { makeData, type Data, type List } from 'apache-arrow';
import {
  BigIntBuilder,
  BoolBuilder,
  ColumnBuilder,
  DictBuilder,
  Float64Builder,
  Int32Builder,
  Utf8Builder,
  makeBuilder,
} from './column-builders.js';
import { arrowTypeOf, typeInfo, type ColumnType } from './column-types.js';
import { BIG_INT_MARK, TypeSniffer, widerTypeForJson } from './infer-types.js';

/**
 * How a JSON value of each kind goes into a column builder, shared by the NDJSON reader's two paths
 * (JSON.parse and the byte decoder of `ndjson-bytes.ts`), so both write the same value by
 * construction. Each returns false when the value is not one of the builder's type. Arrays go into a
 * List column (`ListBuilder`), as DuckDB's and Polars' JSON readers make them; the byte decoder leaves
 * a line with an array for a List column to the JSON.parse path.
 */

/** A JSON string's text (or a 16+ digit integer's digits, which `parseJsonLine` keeps as text). */
export function setJsonText(b: ColumnBuilder, row: number, text: string): boolean {
  if (b instanceof Utf8Builder || b instanceof DictBuilder) {
    b.appendString(row, text);
    return true;
  }
  return b.setText(row, text);
}

/** A JSON number, as JSON.parse reads it. */
export function setJsonNumber(b: ColumnBuilder, row: number, v: number): boolean {
  if (b instanceof Float64Builder) b.values[row] = v;
  else if (b instanceof Int32Builder) {
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) return false;
    b.values[row] = v;
  } else if (b instanceof BigIntBuilder && b.signedInt && Number.isSafeInteger(v)) b.setSafe(row, v);
  else if (b instanceof Utf8Builder || b instanceof DictBuilder) b.appendString(row, String(v));
  else return b.setText(row, String(v));
  return true;
}

/** A JSON `true` or `false`. */
export function setJsonBool(b: ColumnBuilder, row: number, v: boolean): boolean {
  if (b instanceof BoolBuilder) b.set(row, v);
  else if (b instanceof Utf8Builder || b instanceof DictBuilder) b.appendString(row, String(v));
  else return false;
  return true;
}

/** A parsed JSON value (from JSON.parse through `parseJsonLine`) into a builder. */
export function setJson(b: ColumnBuilder, row: number, v: unknown): boolean {
  if (b instanceof ListBuilder) return Array.isArray(v) && b.setList(row, v);
  if (typeof v === 'string') return setJsonText(b, row, v.startsWith(BIG_INT_MARK) ? v.slice(BIG_INT_MARK.length) : v);
  if (typeof v === 'number') return setJsonNumber(b, row, v);
  if (typeof v === 'boolean') return setJsonBool(b, row, v);
  // Arrays (and objects kept whole): their JSON text, in a string column only.
  if (b instanceof Utf8Builder || b instanceof DictBuilder) {
    b.appendString(row, jsonText(v));
    return true;
  }
  return false;
}

const MARKED = /"\\u0000int:(-?\d+)"/g;

/**
 * A parsed value's JSON text, as JSON.stringify spells it, except that integers of 16+ digits are
 * written as the digits they were (JSON.stringify alone would write `parseJsonLine`'s marked strings).
 */
export function jsonText(v: unknown): string {
  const text = JSON.stringify(v);
  return text.includes('\\u0000int:') ? text.replace(MARKED, '$1') : text;
}

/** The type a value alone would be inferred as (a key first seen after the sample). */
export function typeOfValue(v: unknown): ColumnType {
  const s = new TypeSniffer();
  s.addJson(v);
  return s.type === 'dict' ? 'utf8' : s.type;
}

/** A value as shown in an error message, cut to 40 characters. */
export function shortJson(v: unknown): string {
  const text = typeof v === 'string' && v.startsWith(BIG_INT_MARK) ? v.slice(BIG_INT_MARK.length) : JSON.stringify(v);
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
}

/**
 * A List column of NDJSON arrays: rows keep their parsed arrays until `finish` writes every item into
 * one builder of the item type. An array is taken only when each item fits that type (else the
 * column widens, as a scalar that does not fit does).
 */
export class ListBuilder extends ColumnBuilder {
  private readonly item: ColumnType;
  private readonly rows: Array<unknown[] | undefined>;

  constructor(
    capacity: number,
    readonly column: ColumnType,
  ) {
    super(capacity);
    this.item = (typeInfo(column) as { kind: 'list'; item: ColumnType }).item;
    this.rows = new Array<unknown[] | undefined>(capacity);
  }

  setList(row: number, v: unknown[]): boolean {
    for (const x of v) if (x !== null && widerTypeForJson(this.item, x) !== this.item) return false;
    this.rows[row] = v;
    return true;
  }

  override setNull(row: number): void {
    super.setNull(row);
    this.rows[row] = undefined;
  }

  override clearRow(row: number): void {
    super.clearRow(row);
    this.rows[row] = undefined;
  }

  setText(): boolean {
    return false; // only JSON arrays make a list
  }

  finish(length: number): Data {
    let total = 0;
    for (let r = 0; r < length; r++) total += this.rows[r]?.length ?? 0;
    const items = this.item.startsWith('list<') ? new ListBuilder(total, this.item) : makeBuilder(this.item, total);
    const valueOffsets = new Int32Array(length + 1);
    let k = 0;
    for (let r = 0; r < length; r++) {
      for (const x of this.rows[r] ?? []) {
        if (x === null || x === undefined) {
          items.setNull(k);
          if (items instanceof Utf8Builder) items.empty(k);
        } else setJson(items, k, x);
        k++;
      }
      valueOffsets[r + 1] = k;
    }
    const type = arrowTypeOf(this.column) as List;
    return makeData({
      type,
      length,
      nullCount: this.nullCount(length),
      nullBitmap: this.bitmap(length),
      valueOffsets,
      child: items.finish(total),
    });
  }
}

import { DataType, type Field } from 'apache-arrow';
import { isList } from '../shared/nested-image.js';

/**
 * LIST and STRUCT keys, grouped and ordered as DuckDB does: two values are one key when they are equal
 * element by element (field by field), with -0 = 0 and NaN = NaN as for DuckDB's doubles; keys order
 * lexicographically — a list by its elements in turn, a shorter list before a longer one it begins,
 * a struct by its fields in turn — with a null element or field after every value (DuckDB's order:
 * `[1, 2] < [1, NULL] < [2]`; descending is the reverse).
 *
 * A key part is the JSON text of the value's canonical form (`canonicalOf`): lists and structs as
 * arrays, 64-bit integers as decimal text, non-finite doubles as text, -0 as 0. The output key
 * column is rebuilt from that text in the input's nested type (`nestedValueOf`).
 */

/** A value in canonical form, as JSON holds it. */
type Canonical = null | number | string | boolean | Canonical[];

/** Arrow's JS value of a nested column's row (Vectors for lists, StructRows for structs) in canonical form. */
export function canonicalOf(v: unknown, t: DataType): Canonical {
  if (v === null || v === undefined) return null;
  if (isList(t)) {
    const list = v as { length: number; get(j: number): unknown };
    const child = t.children[0]!.type;
    return Array.from({ length: list.length }, (_, j) => canonicalOf(list.get(j), child));
  }
  if (DataType.isStruct(t)) return t.children.map((f: Field) => canonicalOf((v as Record<string, unknown>)[f.name], f.type));
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : String(v); // v + 0 turns -0 into 0
  return v as string | boolean;
}

/** The JS value (arrays, objects, bigints) of a canonical form, for Arrow's builders of type `t`. */
export function nestedValueOf(c: Canonical, t: DataType): unknown {
  if (c === null) return null;
  if (isList(t)) return (c as Canonical[]).map((x) => nestedValueOf(x, t.children[0]!.type));
  if (DataType.isStruct(t))
    return Object.fromEntries(t.children.map((f: Field, k) => [f.name, nestedValueOf((c as Canonical[])[k]!, f.type)]));
  if (DataType.isInt(t) && t.bitWidth === 64) return BigInt(c as string);
  if (DataType.isFloat(t)) return Number(c);
  return c;
}

/** Compares two canonical forms of type `t` in DuckDB's order (nulls inside after every value). */
export function compareCanonical(a: Canonical, b: Canonical, t: DataType): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (isList(t) || DataType.isStruct(t)) {
    const x = a as Canonical[],
      y = b as Canonical[];
    for (let k = 0; k < Math.min(x.length, y.length); k++) {
      const d = compareCanonical(x[k]!, y[k]!, DataType.isStruct(t) ? t.children[k]!.type : t.children[0]!.type);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  }
  if (DataType.isInt(t) && t.bitWidth === 64) {
    const x = BigInt(a as string),
      y = BigInt(b as string);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (DataType.isFloat(t)) {
    // NaN after every number, as DuckDB orders doubles.
    const x = Number(a),
      y = Number(b);
    if (x !== x || y !== y) return x !== x && y !== y ? 0 : x !== x ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  // Text by its UTF-8 bytes (code points), booleans false first.
  if (typeof a === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b as string, 'utf8'));
  return Number(a) - Number(b);
}

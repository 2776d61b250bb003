import { DataType, Type, type Field, type Schema } from 'apache-arrow';

/** A column the Parquet reader cannot decode, and why. */
export interface UnreadableColumn {
  name: string;
  type: string;
  why: string;
}

/**
 * The first of `columns` (default: all) whose type parquet-wasm 0.8 announces in the schema but cannot
 * decode, found from the schema before any row group is read, so the error names the column and the
 * fix instead of a decoder's "Not yet implemented". INTERVAL (DuckDB writes it as a 12-byte fixed
 * binary with the INTERVAL annotation) is announced as Interval<DAY_TIME> and fails in every row group
 * (bench/results/parquet-readers.md has the whole type table).
 */
export function unreadableColumn(schema: Schema, columns?: string[]): UnreadableColumn | undefined {
  const wanted = columns ? new Set(columns) : undefined;
  for (const f of schema.fields) {
    if (wanted && !wanted.has(f.name)) continue;
    const why = unreadableWhy(f.type);
    if (why) return { name: f.name, type: String(f.type), why };
  }
  return undefined;
}

function unreadableWhy(type: DataType): string | undefined {
  if (type.typeId === Type.Interval) {
    return "quiver's Parquet reader (parquet-wasm 0.8) reads Parquet INTERVAL as Interval<DAY_TIME> and drops its months (14 months 2 days reads as 2 days), so quiver refuses it rather than give wrong values; if you need it, turn it into text or numbers with DuckDB first (e.g. to_months/epoch)";
  }
  return someType(type, (t) => (t === type ? undefined : unreadableWhy(t)));
}

/**
 * True when a schema holds a type that arrow-js-ffi 0.4 cannot hand over: its LargeList type is not
 * one apache-arrow 21 knows; it renames LargeUtf8/LargeBinary to Utf8/Binary under the old field
 * type; and a dictionary's value type comes out as a Field, not a type (`Dictionary<Uint32, : Utf8>`).
 * Such row groups go through an IPC stream instead, which costs about 8% more time but keeps every
 * type (Polars writes lists as LargeList and Categorical as a dictionary).
 */
export function needsIpc(schema: Schema): boolean {
  const large = new Set<Type>([Type.LargeList, Type.LargeUtf8, Type.LargeBinary, Type.Dictionary]);
  const find = (t: DataType): true | undefined => (large.has(t.typeId) || DataType.isDictionary(t) ? true : someType(t, (c) => (c === t ? undefined : find(c))));
  return schema.fields.some((f) => find(f.type));
}

/** The first non-undefined answer of `check` over a type's children (dictionary values included). */
function someType<T>(type: DataType, check: (t: DataType) => T | undefined): T | undefined {
  const children = [...((type.children ?? []) as Field[]).map((f) => f.type), ...(DataType.isDictionary(type) ? [type.dictionary] : [])];
  for (const child of children) {
    const found = check(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

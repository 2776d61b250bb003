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
  if (type.typeId === Type.Interval) return "Parquet INTERVAL is not implemented by quiver's Parquet reader (parquet-wasm 0.8); convert it to text or months/days/milliseconds with DuckDB first if you need it";
  for (const child of (type.children ?? []) as Field[]) {
    const why = unreadableWhy(child.type);
    if (why) return why;
  }
  return undefined;
}

import { DataType, Dictionary, Field, Schema, Type, type RecordBatch } from 'apache-arrow';
import { recordBatchOf } from './record-batch.js';

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
 * one apache-arrow 21 knows, and it renames LargeUtf8/LargeBinary to Utf8/Binary under the old field
 * type (Polars writes lists as LargeList). Such row groups go through an IPC stream instead, which
 * costs about 8% more time but keeps every type. A dictionary below the top level goes that way too,
 * as `withDictionaryTypes` mends only top-level ones.
 */
export function needsIpc(schema: Schema): boolean {
  const large = new Set<Type>([Type.LargeList, Type.LargeUtf8, Type.LargeBinary]);
  const find = (t: DataType, top: boolean): true | undefined =>
    large.has(t.typeId) || (!top && DataType.isDictionary(t)) ? true : someType(t, (c) => find(c, false));
  return schema.fields.some((f) => find(f.type, true));
}

/**
 * A batch from arrow-js-ffi 0.4 with its top-level dictionary types mended: it builds
 * `new Dictionary(valueField, indices)`, a Field where the value type belongs, which prints as
 * `Dictionary<Uint32, : Utf8>` and breaks whatever reads `type.dictionary`. The data, dictionary
 * vector included, is right; only the type is rebuilt.
 */
export function withDictionaryTypes(batch: RecordBatch): RecordBatch {
  const broken = (t: DataType) => DataType.isDictionary(t) && t.dictionary instanceof Field;
  if (!batch.schema.fields.some((f) => broken(f.type))) return batch;
  const fields = batch.schema.fields.map((f) => {
    if (!broken(f.type)) return f;
    const d = f.type as Dictionary;
    const values = (d.dictionary as unknown as Field).type;
    return new Field(f.name, new Dictionary(values, d.indices, d.id, d.isOrdered), f.nullable, f.metadata);
  });
  const children = batch.data.children.map((c, i) => (fields[i] === batch.schema.fields[i] ? c : c.clone(fields[i]!.type)));
  const schema = new Schema(fields, batch.schema.metadata);
  return recordBatchOf(schema, children, batch.numRows);
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

/** The field metadata that marks a FixedSizeBinary(16) column as a UUID (Arrow's canonical extension). */
export const UUID_EXTENSION: [string, string] = ['ARROW:extension:name', 'arrow.uuid'];

/** Whether a field is a UUID column (`UUID_EXTENSION` on a FixedSizeBinary(16)). */
export function isUuidField(f: Field): boolean {
  return (
    f.metadata.get(UUID_EXTENSION[0]) === UUID_EXTENSION[1] &&
    f.type.typeId === Type.FixedSizeBinary &&
    (f.type as { byteWidth?: number }).byteWidth === 16
  );
}

/**
 * A schema whose columns named in `uuids` (the file's UUID annotations, which parquet-wasm does not
 * report) carry `UUID_EXTENSION`, so a writer downstream can annotate them again.
 */
export function withUuidFields(schema: Schema, uuids: string[]): Schema {
  if (uuids.length === 0 || !schema.fields.some((f) => uuids.includes(f.name))) return schema;
  const fields = schema.fields.map((f) =>
    uuids.includes(f.name) && f.type.typeId === Type.FixedSizeBinary
      ? new Field(f.name, f.type, f.nullable, new Map([...f.metadata, UUID_EXTENSION]))
      : f,
  );
  return new Schema(fields, schema.metadata);
}

/** A batch with `withUuidFields`'s schema (the same data). */
export function withUuidBatch(batch: RecordBatch, uuids: string[]): RecordBatch {
  const schema = withUuidFields(batch.schema, uuids);
  return schema === batch.schema ? batch : recordBatchOf(schema, batch.data.children, batch.numRows);
}

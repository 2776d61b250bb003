import {
  DataType,
  Dictionary,
  Field,
  FixedSizeBinary,
  IntervalMonthDayNano,
  Schema,
  Type,
  type Data,
  type Interval,
  type RecordBatch,
} from 'apache-arrow';
import { intervalsFromBytes, intervalsToBytes } from './parquet-interval.js';
import type { ParquetAnnotations } from './parquet-thrift.js';
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
 * fix instead of a wrong value or a decoder's "Not yet implemented". An INTERVAL nested in a list or a
 * struct is announced as Interval<DAY_TIME>, which drops its months (a top-level INTERVAL column is read
 * from its bytes: `withParquetBatch`; bench/results/parquet-readers.md has the whole type table).
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
    return (
      "quiver's Parquet reader (parquet-wasm 0.8) reads a Parquet INTERVAL inside a list, struct or map as Interval<DAY_TIME> and " +
      'drops its months (14 months 2 days reads as 2 days), so quiver refuses it rather than give wrong values (a top-level INTERVAL ' +
      'column reads exactly); if you need it, turn it into text or numbers with DuckDB first (e.g. to_months/epoch)'
    );
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
 * A schema with the file's own annotations, which parquet-wasm does not report: UUID columns carry
 * `UUID_EXTENSION` (so text outputs show them as UUIDs and a writer downstream annotates them again),
 * and INTERVAL columns, read as their raw FixedSizeBinary(12), are Interval<MONTH_DAY_NANO>.
 */
export function withParquetFields(schema: Schema, { uuids, intervals }: ParquetAnnotations): Schema {
  const uuid = (f: Field) => uuids.includes(f.name) && f.type.typeId === Type.FixedSizeBinary;
  const interval = (f: Field) => intervals.includes(f.name) && f.type.typeId === Type.FixedSizeBinary;
  if (!schema.fields.some((f) => uuid(f) || interval(f))) return schema;
  const fields = schema.fields.map((f) =>
    uuid(f)
      ? new Field(f.name, f.type, f.nullable, new Map([...f.metadata, UUID_EXTENSION]))
      : interval(f)
        ? new Field(f.name, new IntervalMonthDayNano(), f.nullable, f.metadata)
        : f,
  );
  return new Schema(fields, schema.metadata);
}

/** A batch with `withParquetFields`'s schema, its INTERVAL columns' bytes read into intervals. */
export function withParquetBatch(batch: RecordBatch, annotations: ParquetAnnotations): RecordBatch {
  const schema = withParquetFields(batch.schema, annotations);
  if (schema === batch.schema) return batch;
  const children = batch.data.children.map((c, i) =>
    DataType.isInterval(schema.fields[i]!.type) && DataType.isFixedSizeBinary(c.type) ? intervalsFromBytes(c as Data<FixedSizeBinary>) : c,
  );
  return recordBatchOf(schema, children, batch.numRows);
}

/**
 * What parquet-wasm is given for a schema, and the annotations the footer it writes needs afterwards
 * (`withAnnotations`): interval columns become Parquet INTERVAL's 12 bytes (arrow-rs writes no
 * MONTH_DAY_NANO interval), and UUID columns are named for their annotation.
 */
export function parquetWritable(schema: Schema): { schema: Schema; annotations: ParquetAnnotations } {
  const annotations = {
    uuids: schema.fields.filter(isUuidField).map((f) => f.name),
    intervals: schema.fields.filter((f) => DataType.isInterval(f.type)).map((f) => f.name),
  };
  if (annotations.intervals.length === 0) return { schema, annotations };
  const fields = schema.fields.map((f) =>
    DataType.isInterval(f.type) ? new Field(f.name, new FixedSizeBinary(12), f.nullable, f.metadata) : f,
  );
  return { schema: new Schema(fields, schema.metadata), annotations };
}

/** A batch as parquet-wasm can write it (`parquetWritable`): its intervals as Parquet INTERVAL bytes. */
export function forParquet(batch: RecordBatch): RecordBatch {
  const { schema } = parquetWritable(batch.schema);
  if (schema === batch.schema) return batch;
  const children = batch.data.children.map((c, i) =>
    DataType.isInterval(c.type) ? intervalsToBytes(c as Data<Interval>, schema.fields[i]!.name) : c,
  );
  return recordBatchOf(schema, children, batch.numRows);
}

import { Field, Schema, type RecordBatch } from 'apache-arrow';
import { recordBatchOf } from './record-batch.js';

/**
 * Column names made usable: blanks become column<i>, repeats get a suffix (`x`, `x_2`, `x_3`). A CSV
 * header goes through it always; an Arrow input's schema only when a name repeats (convert: Arrow JS
 * looks columns up by name, so two columns of one name become one type over the other's buffers).
 */
export function uniqueNames(raw: string[]): string[] {
  const seen = new Set<string>();
  // The suffix each repeated name tries next: every smaller one is taken, so 40,000 equal names cost
  // 40,000 steps, not 40,000² / 2 (over a minute).
  const nextSuffix = new Map<string, number>();
  return raw.map((n, i) => {
    let name = n.trim() === '' ? `column${i}` : n;
    let k = nextSuffix.get(n) ?? 2;
    for (; seen.has(name); k++) name = `${n}_${k}`;
    nextSuffix.set(n, k);
    seen.add(name);
    return name;
  });
}

/** One renamed schema per input schema, so a split's batches keep sharing one schema object. */
const renamed = new WeakMap<Schema, Schema>();

/**
 * The batch with its repeated column names made unique (`uniqueNames`); the same batch when no name
 * repeats. Arrow allows repeated names (pyarrow writes them), but Arrow JS's Table and IPC writer merge
 * fields by name: convert of such a file made one column's type claim the other's buffers, and the
 * Parquet writer failed naming only the output (fuzz case 189: two columns renamed "" by 11 bytes
 * overwritten in a schema). The schema is built once per input schema, from the first batch's columns.
 */
export function withUniqueNames(batch: RecordBatch): RecordBatch {
  const { schema } = batch;
  let unique = renamed.get(schema);
  if (!unique) {
    const names = schema.fields.map((f) => f.name);
    unique = new Set(names).size === names.length ? schema : renamedSchema(batch, uniqueNames(names));
    renamed.set(schema, unique);
  }
  return unique === schema ? batch : recordBatchOf(unique, batch.data.children, batch.numRows);
}

// Each field's type from its column's data: Arrow JS's IPC reader already gave every field of a
// repeated name the last one's type (two columns "Q", Utf8 and Float64, came out as two Float64 fields).
function renamedSchema(batch: RecordBatch, names: string[]): Schema {
  const { fields, metadata } = batch.schema;
  return new Schema(
    fields.map((f, i) => new Field(names[i]!, batch.data.children[i]!.type, f.nullable, f.metadata)),
    metadata,
  );
}

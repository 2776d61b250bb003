import { RecordBatch, Schema, Struct, makeData, type Data } from 'apache-arrow';
import { InternalError } from '../errors.js';

const EMPTY_SCHEMA = new Schema([]);

/**
 * A RecordBatch of `schema` over `children` (each of `length` values), made without Arrow JS's
 * per-batch schema merge. `new RecordBatch(schema, data)` runs `ensureSameLengthData`, which ends in
 * `Schema.assign`: it looks every field up by name among the others, so a batch of 40,000 columns
 * took about 5 s of CPU (quadratic), every batch, and a wide CSV or TSV looked hung. The merge only
 * matters when a column is shorter than the batch, which the decoders never make, and it hands each
 * batch a schema object of its own; here every batch keeps the decoder's one schema, so `new
 * Table(batches)` also compares schemas by identity instead of field by field.
 */
export function recordBatchOf(schema: Schema, children: Data[], length: number): RecordBatch {
  if (children.length !== schema.fields.length) {
    throw new InternalError(`a batch of ${children.length} columns for a schema of ${schema.fields.length}`);
  }
  for (let i = 0; i < children.length; i++) {
    if (children[i]!.length !== length) {
      throw new InternalError(`column "${schema.fields[i]!.name}" has ${children[i]!.length} values in a batch of ${length} rows`);
    }
  }
  // The constructor on an empty schema is cheap; its schema and data are then replaced before any
  // getter (numRows, dictionaries, …) has read and cached them.
  const batch = new RecordBatch(EMPTY_SCHEMA, makeData({ type: new Struct([]), length: 0, nullCount: 0, children: [] }));
  const fields = batch as unknown as { schema: Schema; data: Data<Struct> };
  fields.schema = schema;
  fields.data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return batch;
}

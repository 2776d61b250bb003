import { RecordBatch, Schema, Struct, makeData, type Data } from 'apache-arrow';
import { InternalError } from '../errors.js';

const EMPTY_SCHEMA = new Schema([]);

/** Cells a text decoder's batch holds at most (about 50 MB of builders at 12 bytes a cell). */
const MAX_BATCH_CELLS = 1 << 22;

/**
 * Rows per batch for a decoder of `columns` columns: `batchRows`, fewer for a wide input. Builders
 * hold a batch's every cell at once, so 65,536 rows of a 40,000-column CSV (a CR-only file's one
 * header line becomes that) took 1.5 GB in 3 s before a batch was made, and the watchdog cancelled the
 * task; the batch is cut to about 4M cells instead (104 rows at 40,000 columns).
 */
export function rowsPerBatch(batchRows: number, columns: number): number {
  return Math.max(1, Math.min(batchRows, Math.floor(MAX_BATCH_CELLS / Math.max(1, columns))));
}

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

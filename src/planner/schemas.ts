import type { Schema } from 'apache-arrow';
import { schemaOfColumns } from '../io/column-types.js';
import { TEXT_SCHEMA } from '../io/read-text.js';
import { readArrowFileLayout } from './arrow-file.js';
import { readArrowStreamLayout } from './arrow-stream.js';
import { compressedLayout } from './compressed.js';
import { readCsvLayout, type CsvLayout } from './csv.js';
import { widenColumns, type FormatOptions } from './formats.js';
import { expandInputs, type InputFormat } from './inputs.js';
import { readNdjsonLayout, type NdjsonLayout } from './ndjson.js';
import { readParquetLayout } from './parquet.js';

/** One file of an input and the schema its batches decode to. */
export interface FileSchema {
  file: string;
  schema: Schema;
}

/**
 * The schema of every file of an input, from what the planner reads anyway and never the data: Arrow
 * footers and stream headers, Parquet footers, and the sampled start of CSV and NDJSON files, typed
 * as a run decodes them (types that differ between text files widened the same way). It lets a job
 * check its columns before any work.
 */
export async function readSchemas(inputs: string[], format?: InputFormat, formatOptions: FormatOptions = {}): Promise<FileSchema[]> {
  const files = await expandInputs(inputs, format);
  const csv = formatOptions.csv ?? {};
  const given = formatOptions.columns ?? {};
  const sampled = new Map<string, CsvLayout | NdjsonLayout>();
  for (const f of files) {
    const layout = f.codec
      ? await compressedLayout(f, csv, given)
      : f.format === 'csv'
        ? await readCsvLayout(f.path, f.bytes, csv, given)
        : f.format === 'ndjson'
          ? await readNdjsonLayout(f.path, f.bytes, given)
          : undefined;
    if (layout) sampled.set(f.path, layout);
  }
  widenColumns([...sampled.values()]);
  const out: FileSchema[] = [];
  for (const f of files) {
    const layout = sampled.get(f.path);
    let schema: Schema;
    if (layout) schema = schemaOfColumns(layout.columns);
    else if (f.format === 'text') schema = TEXT_SCHEMA;
    else if (f.format === 'arrow') schema = (await readArrowFileLayout(f.path)).schema;
    else if (f.format === 'arrows') schema = (await readArrowStreamLayout(f.path)).schema;
    else schema = (await readParquetLayout(f.path, f.bytes)).schema;
    out.push({ file: f.path, schema });
  }
  return out;
}

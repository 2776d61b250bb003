import type { RecordBatch, Table } from 'apache-arrow';
import { readArrowSplit } from '../io/read-arrow-file.js';
import { readArrowSplitSkipping } from '../io/read-arrow-skipping.js';
import { readTextSplit } from '../io/read-text.js';
import { cutBatch } from '../io/cut-batch.js';
import { InternalError } from '../errors.js';
import type { Split } from '../planner/split.js';
import { BadRecords } from '../io/bad-records.js';

// Readers of the other formats load on first use: a worker's start-up (on the critical path of every
// run) then pays only for Arrow and text.

/** Reads one split into record batches of at most `batchRows` rows, in this worker. */
/** `columns`, when given, lets readers skip the other columns. */
/** `bad` is the split's bad-record policy and tally (CSV, NDJSON): by default the first bad record throws an InputError. */
/** `dictionary` names text columns a Parquet split gives as Dictionary<Int32, Utf8> (`openParquet`); other formats ignore it. */
export async function readSplit(
  split: Split,
  batchRows: number,
  table: Table | undefined,
  columns?: string[],
  bad = new BadRecords(),
  dictionary: string[] = [],
): Promise<RecordBatch[]> {
  switch (split.kind) {
    case 'arrow-file':
      return bad.limit === 0 ? readArrowSplit(split, batchRows, columns) : readArrowSplitSkipping(split, batchRows, columns, bad);
    case 'text':
      return readTextSplit(split, batchRows, bad);
    case 'csv':
      return (await import('../io/read-csv.js')).readCsvSplit(split, batchRows, columns, bad);
    case 'ndjson':
      return (await import('../io/read-ndjson.js')).readNdjsonSplit(split, batchRows, columns, bad);
    case 'parquet':
      return (await import('../io/read-parquet.js')).readParquetSplit(split, batchRows, columns, dictionary);
    case 'compressed':
      return (await import('../io/read-compressed.js')).readCompressedSplit(split, batchRows, columns, bad);
    case 'table': {
      if (!table) throw new InternalError('a table split reached a worker that has no shared table');
      const t = columns ? table.select(columns) : table;
      return t.slice(split.rowStart, split.rowEnd).batches.flatMap((b) => cutBatch(b, batchRows));
    }
  }
}

/**
 * A split's batches as a task consumes them. Parquet gives them as each row group decodes, CSV and
 * NDJSON as each read chunk (a few MB) decodes, so a task holds a row group's or a chunk's decoded
 * columns at a time, not the split's (see `streamParquetSplit`, `streamCsvSplit`); the other readers
 * give the split's batches at once (an Arrow split is views into one mapping or buffer).
 */
export async function streamSplit(
  split: Split,
  batchRows: number,
  table: Table | undefined,
  columns?: string[],
  bad = new BadRecords(),
  dictionary: string[] = [],
): Promise<AsyncIterable<RecordBatch> | RecordBatch[]> {
  switch (split.kind) {
    case 'parquet':
      return (await import('../io/read-parquet.js')).streamParquetSplit(split, batchRows, columns, dictionary);
    case 'csv':
      return (await import('../io/read-csv.js')).streamCsvSplit(split, batchRows, columns, bad);
    case 'ndjson':
      return (await import('../io/read-ndjson.js')).streamNdjsonSplit(split, batchRows, columns, bad);
    case 'compressed':
      return (await import('../io/read-compressed.js')).streamCompressedSplit(split, batchRows, columns, bad);
    default:
      return readSplit(split, batchRows, table, columns, bad, dictionary);
  }
}

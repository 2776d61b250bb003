import type { RecordBatch, Table } from 'apache-arrow';
import { readArrowSplit } from '../io/read-arrow-file.js';
import { readTextSplit } from '../io/read-text.js';
import { cutBatch } from '../io/cut-batch.js';
import { InternalError } from '../errors.js';
import type { Split } from '../planner/split.js';
import { BadRecords } from '../io/bad-records.js';
import { readCsvSplit } from '../io/read-csv.js';
import { readNdjsonSplit } from '../io/read-ndjson.js';
import { readParquetSplit } from '../io/read-parquet.js';
import { readCompressedSplit } from '../io/read-compressed.js';

/** Reads one split into record batches of at most `batchRows` rows, in this worker. */
/** `columns`, when given, lets readers skip the other columns. */
/** `bad` is the split's bad-record policy and tally (CSV, NDJSON): by default the first bad record throws an InputError. */
export async function readSplit(split: Split, batchRows: number, table: Table | undefined, columns?: string[], bad = new BadRecords()): Promise<RecordBatch[]> {
  switch (split.kind) {
    case 'arrow-file':
      return readArrowSplit(split, batchRows, columns);
    case 'text':
      return readTextSplit(split, batchRows);
    case 'csv':
      return readCsvSplit(split, batchRows, columns, bad);
    case 'ndjson':
      return readNdjsonSplit(split, batchRows, columns, bad);
    case 'parquet':
      return readParquetSplit(split, batchRows, columns);
    case 'compressed':
      return readCompressedSplit(split, batchRows, columns, bad);
    case 'table': {
      if (!table) throw new InternalError('a table split reached a worker that has no shared table');
      const t = columns ? table.select(columns) : table;
      return t
        .slice(split.rowStart, split.rowEnd)
        .batches.flatMap((b) => cutBatch(b, batchRows));
    }
  }
}

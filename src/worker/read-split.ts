import type { RecordBatch, Table } from 'apache-arrow';
import { readArrowSplit } from '../io/read-arrow-file.js';
import { readTextSplit } from '../io/read-text.js';
import { cutBatch } from '../io/cut-batch.js';
import { InternalError } from '../errors.js';
import type { Split } from '../planner/split.js';

/** Reads one split into record batches of at most `batchRows` rows, in this worker. */
/** `columns`, when given, lets readers skip the other columns. */
export async function readSplit(split: Split, batchRows: number, table: Table | undefined, columns?: string[]): Promise<RecordBatch[]> {
  switch (split.kind) {
    case 'arrow-file':
      return readArrowSplit(split, batchRows, columns);
    case 'text':
      return readTextSplit(split, batchRows);
    case 'table': {
      if (!table) throw new InternalError('a table split reached a worker that has no shared table');
      const t = columns ? table.select(columns) : table;
      return t
        .slice(split.rowStart, split.rowEnd)
        .batches.flatMap((b) => cutBatch(b, batchRows));
    }
  }
}

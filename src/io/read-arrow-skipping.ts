import type { RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import type { ArrowFileSplit } from '../planner/split.js';
import { badRecordMessage, type BadRecords } from './bad-records.js';
import { readArrowSplit } from './read-arrow-file.js';

/**
 * Reads an Arrow file split; when it does not decode and `--max-bad-records` allows skipping, reads its
 * record batches one by one and skips those that do not decode, each counting as its rows' worth of
 * bad records (a corrupt batch spoils every row in it). By default the first error stops the run, as before.
 */
export async function readArrowSplitSkipping(
  split: ArrowFileSplit,
  batchRows: number,
  columns: string[] | undefined,
  bad: BadRecords,
): Promise<RecordBatch[]> {
  try {
    return await readArrowSplit(split, batchRows, columns);
  } catch (e) {
    if (!(e instanceof InputError) || bad.limit === 0 || split.pieces.length === 0) throw e;
  }
  const out: RecordBatch[] = [];
  let row = split.rowStart ?? 0;
  for (const piece of split.pieces) {
    const rows = piece.rowEnd - piece.rowStart;
    try {
      out.push(...(await readArrowSplit({ ...split, pieces: [piece], rows, rowStart: row }, batchRows, columns)));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const at = {
        file: split.file,
        byteOffset: piece.offset,
        expected: `a decodable record batch (batch ${piece.block}, rows ${row}–${row + rows - 1})`,
        found: e.message.replace(/^.*?: /, ''),
      };
      bad.add({ ...at, message: badRecordMessage('Arrow', at) }, rows);
    }
    row += rows;
  }
  return out;
}

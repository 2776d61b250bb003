import { open } from 'node:fs/promises';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import type { ArrowFileSplit } from '../planner/split.js';
import { describeSplit } from '../planner/split.js';
import { cutBatch } from './cut-batch.js';

const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Reads the record batches of one split of an Arrow IPC file, and only them: the schema message,
 * any dictionaries and the split's batch messages are read into one buffer laid out as an IPC stream,
 * which Arrow decodes into zero-copy views. Row ranges are cut with `slice`, also zero copy.
 */
export async function readArrowSplit(split: ArrowFileSplit, batchRows: number): Promise<RecordBatch[]> {
  if (!split.header) throw new InputError(`${describeSplit(split)} has no schema header`);
  const { schemaMessage, dictionaries } = split.header;
  const regions: Array<[number, number]> = [...dictionaries, ...split.pieces.map((p) => [p.offset, p.length] as [number, number])];
  const total = schemaMessage.byteLength + regions.reduce((n, [, len]) => n + len, 0) + EOS.byteLength;
  // A fresh ArrayBuffer (not Node's pooled Buffer) keeps the 8-byte alignment Arrow needs for zero-copy views.
  const bytes = new Uint8Array(total);
  bytes.set(schemaMessage, 0);
  const fh = await open(split.file, 'r');
  try {
    let at = schemaMessage.byteLength;
    const reads: Promise<unknown>[] = [];
    for (const [offset, length] of regions) {
      const target = at;
      reads.push(
        fh.read(bytes, target, length, offset).then(({ bytesRead }) => {
          if (bytesRead !== length) {
            throw new InputError(`${describeSplit(split)}: expected ${length} bytes at offset ${offset}, the file has only ${bytesRead} there (was it truncated after planning?)`);
          }
        }),
      );
      at += length;
    }
    await Promise.all(reads);
    bytes.set(EOS, at);
  } finally {
    await fh.close();
  }
  let batches: RecordBatch[];
  try {
    batches = [...RecordBatchReader.from(bytes).open()];
  } catch (e) {
    throw new InputError(`${describeSplit(split)} does not decode as Arrow IPC: ${(e as Error).message}`, { cause: e });
  }
  if (batches.length !== split.pieces.length) {
    throw new InputError(`${describeSplit(split)}: expected ${split.pieces.length} record batches, decoded ${batches.length}; the file may be corrupt`);
  }
  const out: RecordBatch[] = [];
  split.pieces.forEach((p, i) => {
    const b = batches[i]!;
    if (b.numRows !== p.blockRows) {
      throw new InputError(`${describeSplit(split)}: record batch ${p.block} has ${b.numRows} rows, its header said ${p.blockRows}; the file may be corrupt`);
    }
    const part = p.rowStart === 0 && p.rowEnd === b.numRows ? b : b.slice(p.rowStart, p.rowEnd);
    out.push(...cutBatch(part, batchRows));
  });
  return out;
}

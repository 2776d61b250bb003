import { open } from 'node:fs/promises';
import { Table, tableToIPC, type Schema } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { InputError } from '../errors.js';
import { batchHeaderFromMessage } from '../io/arrow-columns.js';
import { readRange } from '../io/file-range.js';
import type { ArrowFileSplit } from './split.js';
import { rememberedLayout } from './layout-cache.js';

const MAGIC = Buffer.from('ARROW1');

/** What the planner learns from an Arrow IPC file's footer and batch headers, without reading the data. */
export interface ArrowFileLayout {
  file: string;
  bytes: number;
  schema: Schema;
  /** The raw schema message at the start of the file; workers prefix it to their batches to decode them as a stream. */
  schemaMessage: Uint8Array;
  /** Byte ranges of dictionary batch messages, read by every task. */
  dictionaries: Array<[offset: number, length: number]>;
  blocks: Array<{ offset: number; length: number; metaLength: number; rows: number }>;
  rows: number;
}

/** Reads the footer and record batch headers of an Arrow IPC file. */
export function readArrowFileLayout(file: string): Promise<ArrowFileLayout> {
  return rememberedLayout('arrow', file, null, () => readArrowFooter(file));
}

async function readArrowFooter(file: string): Promise<ArrowFileLayout> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const bad = (what: string) =>
      new InputError(`${file} is not a valid Arrow IPC file: ${what}. If it is an Arrow stream, name it .arrows; if it is text, pass --input-format text`);
    if (size < 18) throw bad(`it has only ${size} bytes`);
    const head = await readRange(fh, 0, 8);
    const tail = await readRange(fh, size - 10, 10);
    if (!head.subarray(0, 6).equals(MAGIC)) throw bad('it does not start with the ARROW1 magic bytes');
    if (!tail.subarray(4, 10).equals(MAGIC)) throw bad('it does not end with the ARROW1 magic bytes (truncated?)');
    const footerLength = tail.readInt32LE(0);
    if (footerLength <= 0 || footerLength > size - 18) throw bad(`its footer length ${footerLength} is out of range (truncated?)`);
    let footer: InstanceType<typeof Footer>;
    try {
      footer = Footer.decode(await readRange(fh, size - 10 - footerLength, footerLength));
    } catch (e) {
      throw bad(`its footer does not decode (${(e as Error).message})`);
    }
    // Writers differ on whether a schema message follows the magic (Arrow JS writes none), so make one from the footer's schema.
    const schemaMessage = schemaToMessage(footer.schema);

    const dictionaries: Array<[number, number]> = [];
    for (const d of footer.dictionaryBatches()) dictionaries.push([d.offset, d.metaDataLength + Number(d.bodyLength)]);
    const entries = [...footer.recordBatches()];
    const blocks = await Promise.all(
      entries.map(async (b, i) => {
        const length = b.metaDataLength + Number(b.bodyLength);
        if (b.offset < 8 || b.offset + length > size) throw bad(`record batch ${i} lies outside the file (truncated?)`);
        const meta = await readRange(fh, b.offset, b.metaDataLength);
        return { offset: b.offset, length, metaLength: b.metaDataLength, rows: rowsOfMessage(meta, () => bad(`record batch ${i} has a corrupt header`)) };
      }),
    );
    const rows = blocks.reduce((n, b) => n + b.rows, 0);
    return { file, bytes: size, schema: footer.schema, schemaMessage, dictionaries, blocks, rows };
  } finally {
    await fh.close();
  }
}

/**
 * Cuts an Arrow file into splits of about `rowsPerSplit` rows: consecutive small record batches are
 * packed together, and a batch bigger than that is cut into row ranges (zero copy in the worker).
 */
export function splitArrowFile(layout: ArrowFileLayout, rowsPerSplit: number, firstId: number): ArrowFileSplit[] {
  const splits: ArrowFileSplit[] = [];
  let current: ArrowFileSplit | undefined;
  const bytesPerRow = (b: { length: number; rows: number }) => (b.rows > 0 ? b.length / b.rows : 0);
  layout.blocks.forEach((b, block) => {
    if (b.rows === 0) return;
    for (let r = 0; r < b.rows; ) {
      if (!current) {
        current = { kind: 'arrow-file', id: firstId + splits.length, file: layout.file, pieces: [], rows: 0, bytes: 0 };
      }
      const take = Math.min(b.rows - r, rowsPerSplit - current.rows);
      current.pieces.push({ block, offset: b.offset, length: b.length, metaLength: b.metaLength, rowStart: r, rowEnd: r + take, blockRows: b.rows });
      current.rows += take;
      current.bytes += Math.round(take * bytesPerRow(b));
      r += take;
      if (current.rows >= rowsPerSplit) {
        splits.push(current);
        current = undefined;
      }
    }
  });
  if (current) splits.push(current);
  return splits;
}

/** The IPC schema message of a schema: the first message of a stream holding an empty table. */
/** Rows of a record batch message, from its metadata alone. */
function rowsOfMessage(meta: Uint8Array, bad: () => Error): number {
  try {
    return batchHeaderFromMessage(meta).length;
  } catch {
    throw bad();
  }
}

export function schemaToMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = view.getInt32(4, true);
  return stream.slice(0, 8 + length);
}

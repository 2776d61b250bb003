import { Table, tableToIPC, type Schema } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { InputError } from '../errors.js';
import { batchHeaderFromMessage, decodeMessage } from '../io/arrow-columns.js';
import { batchHeaderProblem } from '../io/arrow-check.js';
import { footerBoundsProblem } from '../io/arrow-message-bounds.js';
import { readRange } from '../io/file-range.js';
import { openInput } from '../io/input-source.js';
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
  const fh = await openInput(file);
  try {
    const { size } = await fh.stat();
    const bad = (what: string) =>
      new InputError(
        `${file} is not a valid Arrow IPC file: ${what}. If it is an Arrow stream, name it .arrows; if it is text, pass --input-format ` +
          `text`,
      );
    const corrupt = (what: string) => new InputError(`${file} is a corrupt Arrow IPC file: ${what}`);
    if (size < 18) throw bad(`it has only ${size} bytes`);
    const head = await readRange(fh, 0, 8);
    const tail = await readRange(fh, size - 10, 10);
    if (!head.subarray(0, 6).equals(MAGIC)) throw bad('it does not start with the ARROW1 magic bytes');
    if (!tail.subarray(4, 10).equals(MAGIC)) throw bad('it does not end with the ARROW1 magic bytes (truncated?)');
    const footerLength = tail.readInt32LE(0);
    if (footerLength <= 0 || footerLength > size - 18) throw bad(`its footer length ${footerLength} is out of range (truncated?)`);
    let footer: InstanceType<typeof Footer>;
    const footerBytes = await readRange(fh, size - 10 - footerLength, footerLength);
    // Checked first: Arrow JS reads a field outside the footer as 0 and allocates by a vector's stated length.
    const bounds = footerBoundsProblem(footerBytes);
    if (bounds) throw corrupt(`its footer (bytes ${size - 10 - footerLength}–${size - 10}) does not decode: ${bounds}`);
    try {
      footer = Footer.decode(footerBytes);
    } catch (e) {
      throw bad(`its footer does not decode (${(e as Error).message})`);
    }
    // Writers differ on whether a schema message follows the magic (Arrow JS writes none), so make one from the footer's schema.
    let schemaMessage: Uint8Array;
    try {
      schemaMessage = schemaToMessage(footer.schema);
    } catch (e) {
      throw corrupt(`its schema does not encode (${(e as Error).message})`);
    }

    // Block numbers are trusted nowhere: a length of 2^53 or a list of 2^31 blocks is a corrupt footer, not a TypeError.
    let dictionaryBlocks: FileBlock[];
    let entries: FileBlock[];
    try {
      // A block takes 24 bytes of the footer, so a longer list than that is a corrupt count.
      if (footer.numRecordBatches > footerLength / 24 || footer.numDictionaries > footerLength / 24)
        throw new Error(
          `it lists ${footer.numRecordBatches} record batches and ${footer.numDictionaries} dictionaries in ${footerLength} bytes`,
        );
      dictionaryBlocks = [...footer.dictionaryBatches()].map(blockOf);
      entries = [...footer.recordBatches()].map(blockOf);
    } catch (e) {
      throw corrupt(`its footer's block list is corrupt (${(e as Error).message})`);
    }
    const inFile = (b: FileBlock, what: string) => {
      if (b.offset < 8 || b.metaLength < 8 || b.bodyLength < 0 || b.offset + b.metaLength + b.bodyLength > size) {
        throw corrupt(
          `${what} (bytes ${b.offset}–${b.offset + b.metaLength + b.bodyLength}) lies outside the file of ${size} bytes (truncated?)`,
        );
      }
    };
    // A dictionary's header is decoded by Arrow JS in every task: its flatbuffer is checked here, as a batch's is.
    const dictionaries = await Promise.all(
      dictionaryBlocks.map(async (d, i): Promise<[number, number]> => {
        inFile(d, `dictionary batch ${i}`);
        try {
          decodeMessage(await readRange(fh, d.offset, d.metaLength));
        } catch (e) {
          throw corrupt(`dictionary batch ${i} at byte ${d.offset} has a corrupt header (${(e as Error).message})`);
        }
        return [d.offset, d.metaLength + d.bodyLength];
      }),
    );
    const blocks = await Promise.all(
      entries.map(async (b, i) => {
        inFile(b, `record batch ${i}`);
        const meta = await readRange(fh, b.offset, b.metaLength);
        const rows = rowsOfMessage(meta, footer.schema, b.bodyLength, (why) => corrupt(`record batch ${i} at byte ${b.offset} ${why}`));
        return { offset: b.offset, length: b.metaLength + b.bodyLength, metaLength: b.metaLength, rows };
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
      current.pieces.push({
        block,
        offset: b.offset,
        length: b.length,
        metaLength: b.metaLength,
        rowStart: r,
        rowEnd: r + take,
        blockRows: b.rows,
      });
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

interface FileBlock {
  offset: number;
  metaLength: number;
  bodyLength: number;
}

const blockOf = (b: { offset: number; metaDataLength: number; bodyLength: bigint | number }): FileBlock => ({
  offset: b.offset,
  metaLength: b.metaDataLength,
  bodyLength: Number(b.bodyLength),
});

/**
 * Rows of a record batch message, from its metadata alone, once the metadata is known to be
 * consistent with the schema and with the footer's body length.
 */
function rowsOfMessage(meta: Uint8Array, schema: Schema, bodyLength: number, bad: (why: string) => Error): number {
  let header: ReturnType<typeof batchHeaderFromMessage>;
  try {
    header = batchHeaderFromMessage(meta);
  } catch (e) {
    throw bad(`has a corrupt header (${(e as Error).message})`);
  }
  if (header.bodyLength !== bodyLength) throw bad(`says its body has ${header.bodyLength} bytes, the footer says ${bodyLength}`);
  const problem = batchHeaderProblem(header, schema, bodyLength);
  if (problem) throw bad(`has an inconsistent header: ${problem}`);
  return header.length;
}

/** The IPC schema message of a schema: the first message of a stream holding an empty table. */
export function schemaToMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = view.getInt32(4, true);
  return stream.slice(0, 8 + length);
}

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Message, MessageHeader, MetadataVersion, type Schema } from 'apache-arrow';
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';

/**
 * Arrow IPC part files assembled into one Arrow file or stream by copying their messages' bytes:
 * the coordinator reads each message's header (a few hundred bytes) and copies the record batch
 * bodies as they are, without decoding a batch into Arrow JS and encoding it again. Parts are runs
 * of IPC streams (a schema message, a record batch, an end-of-stream marker, again for every batch
 * a task appended); the output holds the first schema once, every record batch in order, and for a
 * file the footer that indexes them.
 *
 * Why: on a 10M-row Parquet → Arrow convert the coordinator's decode and re-encode of every batch
 * was about a quarter of the run's CPU, a third of it garbage collection (bench/results/fast-paths.md).
 *
 * Parts whose batches carry dictionaries (their output needs one dictionary per column:
 * dictionaries.ts) or whose schemas differ are not copied: `copyArrowParts` says so by returning
 * false before writing anything it would have to take back, and the caller decodes them.
 */

/** The 8 bytes an Arrow file starts with (the magic and 2 bytes of padding) and the 6 it ends with. */
const MAGIC = Buffer.from('ARROW1\0\0', 'latin1');
/** The end-of-stream marker: continuation, then a zero metadata length. */
const END_OF_STREAM = Buffer.from(Int32Array.of(-1, 0).buffer);

/** One message of a part: where it starts, its prefix and metadata length, its body length, its header. */
type PartMessage = { at: number; metaLength: number; bodyLength: number; message: Message };

/** Reads part files' messages through one buffer that grows to the largest message. */
class MessageReader {
  buf = Buffer.allocUnsafe(1 << 16);

  /** The message at `at` in `fh`, or undefined at an end-of-stream marker or the end of the file. */
  async next(fh: FileHandle, at: number): Promise<PartMessage | undefined> {
    const prefix = await this.read(fh, at, 8);
    if (prefix < 8 || this.buf.readInt32LE(0) !== -1) return undefined;
    const length = this.buf.readInt32LE(4);
    if (length <= 0) return undefined;
    if ((await this.read(fh, at + 8, length)) < length) throw new Error(`a message at byte ${at} is cut short`);
    const message = Message.decode(this.buf.subarray(0, length));
    return { at, metaLength: 8 + length, bodyLength: Number(message.bodyLength), message };
  }

  /** Reads `length` bytes at `at` into the start of the buffer; the count read. */
  async read(fh: FileHandle, at: number, length: number): Promise<number> {
    if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, 2 * this.buf.length));
    return (await fh.read(this.buf, 0, length, at)).bytesRead;
  }
}

/** The schema message of a part: its bytes and the schema, or undefined for an empty part. */
async function schemaOf(file: string, reader: MessageReader): Promise<{ bytes: Buffer; schema: Schema } | undefined> {
  const fh = await open(file, 'r');
  try {
    const first = await reader.next(fh, 0);
    if (!first?.message.isSchema()) return undefined;
    const bytes = Buffer.from(reader.buf.subarray(0, first.metaLength - 8));
    return { bytes, schema: first.message.header() as Schema };
  } finally {
    await fh.close();
  }
}

/**
 * Writes the record batches of `parts` to `out` (an open, empty file) as an Arrow file (`file`) or
 * stream; false, with nothing written, when the parts cannot be copied as they are (see above).
 */
export async function copyArrowParts(parts: string[], out: FileHandle, file: boolean): Promise<boolean> {
  const reader = new MessageReader();
  const first = parts.length > 0 ? await schemaOf(parts[0]!, reader) : undefined;
  if (!first || first.schema.dictionaries.size > 0) return false;
  // Every part's schema must be the first's: checked before a byte is written.
  for (const part of parts.slice(1)) {
    const s = await schemaOf(part, reader);
    if (s && !s.bytes.equals(first.bytes)) return false;
  }
  let position = 0;
  const write = async (bytes: Uint8Array) => {
    await out.write(bytes, 0, bytes.length, position);
    position += bytes.length;
  };
  if (file) await write(MAGIC);
  await write(Buffer.from(Int32Array.of(-1, first.bytes.length).buffer));
  await write(first.bytes);
  const blocks: FileBlock[] = [];
  for (const part of parts) {
    const fh = await open(part, 'r');
    try {
      const size = (await fh.stat()).size;
      for (let at = 0; at < size; ) {
        const m = await reader.next(fh, at);
        if (!m) {
          at += 8; // an end-of-stream marker between the part's streams
          continue;
        }
        at += m.metaLength;
        if (m.message.headerType === MessageHeader.Schema) continue;
        if (m.message.headerType !== MessageHeader.RecordBatch)
          throw new Error(`${part}: an unexpected message of type ${m.message.headerType}`);
        // The message as it is: prefix, metadata (still in the buffer), then its body.
        blocks.push(new FileBlock(m.metaLength, m.bodyLength, position));
        await write(Buffer.from(Int32Array.of(-1, m.metaLength - 8).buffer));
        await write(reader.buf.subarray(0, m.metaLength - 8));
        if ((await reader.read(fh, at, m.bodyLength)) < m.bodyLength)
          throw new Error(`${part}: a record batch at byte ${m.at} is cut short`);
        await write(reader.buf.subarray(0, m.bodyLength));
        at += m.bodyLength;
      }
    } finally {
      await fh.close();
    }
  }
  await write(END_OF_STREAM);
  if (file) {
    const footer = Footer.encode(new Footer(first.schema, MetadataVersion.V5, blocks, []));
    await write(footer);
    await write(Buffer.from(Int32Array.of(footer.length).buffer));
    await write(MAGIC.subarray(0, 6));
  }
  return true;
}

import { Message, MessageHeader } from 'apache-arrow';
import type { BufferRegion, FieldNode } from 'apache-arrow/ipc/metadata/message';
import { InputError } from '../errors.js';
import { messageBoundsProblem } from '../io/arrow-message-bounds.js';
import { readRange } from '../io/file-range.js';
import { openInput } from '../io/input-source.js';
import { batchHeaderProblem } from '../io/arrow-check.js';
import type { ArrowFileLayout } from './arrow-file.js';
import { rememberedLayout } from './layout-cache.js';

/**
 * Reads the layout of an Arrow IPC *stream* file (`.arrows`) by hopping from message header to
 * message header — 8 bytes plus the flatbuffer per message, never the bodies — so its record batches
 * can be cut into splits exactly like those of an Arrow IPC file.
 */
export function readArrowStreamLayout(file: string): Promise<ArrowFileLayout> {
  return rememberedLayout('arrows', file, null, () => readArrowStreamHeaders(file));
}

async function readArrowStreamHeaders(file: string): Promise<ArrowFileLayout> {
  const fh = await openInput(file);
  try {
    const { size } = await fh.stat();
    const bad = (what: string) =>
      new InputError(`${file} is not a valid Arrow IPC stream: ${what}. If it is an Arrow IPC file, name it .arrow`);
    let pos = 0;
    let schemaMessage: Uint8Array | undefined;
    let schema: ArrowFileLayout['schema'] | undefined;
    const dictionaries: Array<[number, number]> = [];
    const blocks: ArrowFileLayout['blocks'] = [];
    for (let index = 0; pos < size; index++) {
      const prefix = await readRange(fh, pos, 8);
      const where = `message ${index} at byte ${pos}`;
      if (prefix.length < 4) throw bad(`it ends inside the header of ${where} (truncated?)`);
      const continued = prefix.readUInt32LE(0) === 0xffffffff;
      if (continued && prefix.length < 8) throw bad(`it ends inside the header of ${where} (truncated?)`);
      const len = continued ? prefix.readInt32LE(4) : prefix.readInt32LE(0);
      const skip = continued ? 8 : 4;
      if (len === 0) break; // end-of-stream marker
      if (len < 0 || pos + skip + len > size)
        throw bad(`${where} claims ${len} bytes of metadata, past the end of the file at ${size} (truncated or not Arrow?)`);
      const metaLength = skip + len;
      const meta = await readRange(fh, pos, metaLength);
      // Every vector length inside the flatbuffer is checked against the metadata's bytes before Arrow JS
      // decodes it: it allocates by a stated length (a buffer list of 2^31 entries ran the heap out).
      const bounds = messageBoundsProblem(meta);
      if (bounds) throw bad(`${where} has a corrupt ${metaLength}-byte header: ${bounds}`);
      let msg: Message;
      let bodyLength: number;
      try {
        msg = Message.decode(meta.subarray(skip));
        bodyLength = msg.bodyLength; // a body of 2^53 bytes or more throws here, not later
      } catch (e) {
        throw bad(`${where} does not decode (${(e as Error).message})`);
      }
      if (bodyLength < 0) throw bad(`${where} claims a body of ${bodyLength} bytes`);
      const length = metaLength + bodyLength;
      if (pos + length > size) throw bad(`${where} needs ${length} bytes but the file ends at ${size} (truncated?)`);
      if (msg.headerType === MessageHeader.Schema) {
        if (schemaMessage) throw bad(`a second schema message at byte ${pos}`);
        schemaMessage = new Uint8Array(meta);
        try {
          schema = msg.header() as ArrowFileLayout['schema']; // decoded here, lazily: a corrupt field type throws
        } catch (e) {
          throw bad(`its schema message at byte ${pos} does not decode (${(e as Error).message})`);
        }
      } else if (msg.headerType === MessageHeader.DictionaryBatch) {
        if (blocks.length > 0)
          throw bad(
            `a dictionary batch at byte ${pos} follows record batches (dictionary replacement); quiver reads streams whose dictionaries ` +
              `come first`,
          );
        dictionaries.push([pos, length]);
      } else if (msg.headerType === MessageHeader.RecordBatch) {
        if (!schemaMessage || !schema) throw bad('a record batch comes before the schema');
        const problem = batchProblem(msg, schema, bodyLength);
        if (problem) throw bad(`record batch ${blocks.length} at byte ${pos} has an inconsistent header: ${problem}`);
        blocks.push({ offset: pos, length, metaLength, rows: (msg.header() as { length: number }).length });
      } else {
        throw bad(`unexpected message type ${msg.headerType} at byte ${pos}`);
      }
      pos += length;
    }
    if (!schemaMessage || !schema) throw bad('it has no schema message');
    return { file, bytes: size, schema, schemaMessage, dictionaries, blocks, rows: blocks.reduce((n, b) => n + b.rows, 0) };
  } finally {
    await fh.close();
  }
}

/** Why a record batch message cannot be true of its body (src/io/arrow-check.ts), or undefined. */
function batchProblem(msg: Message, schema: ArrowFileLayout['schema'], bodyLength: number): string | undefined {
  try {
    const h = msg.header() as { length: number; nodes: FieldNode[]; buffers: BufferRegion[]; compression: unknown };
    return batchHeaderProblem(
      { length: h.length, nodes: h.nodes, buffers: h.buffers, compressed: h.compression != null },
      schema,
      bodyLength,
    );
  } catch (e) {
    return `it does not decode (${(e as Error).message})`;
  }
}

import { DataType, Message, type Field, type Schema } from 'apache-arrow';
import type { BufferRegion, FieldNode } from 'apache-arrow/ipc/metadata/message';
import { messageBoundsProblem } from './arrow-message-bounds.js';

/** Where one top-level field's field nodes and buffers sit in a record batch message. */
export interface FieldLayout {
  field: Field;
  nodes: [start: number, end: number];
  buffers: [start: number, end: number];
}

/** A type of fixed-width values (numbers, dates, times, booleans, decimals): a validity and a values buffer. */
export function isFixedWidth(type: DataType): boolean {
  return (
    DataType.isInt(type) ||
    DataType.isFloat(type) ||
    DataType.isBool(type) ||
    DataType.isDecimal(type) ||
    DataType.isDate(type) ||
    DataType.isTime(type) ||
    DataType.isTimestamp(type) ||
    DataType.isInterval(type) ||
    DataType.isDuration(type) ||
    DataType.isFixedSizeBinary(type)
  );
}

/**
 * Field nodes and buffers a column of this type takes in an IPC record batch (Arrow format v4/v5), or
 * undefined for types this reader does not prune (unions, views, dictionaries): those columns make the
 * reader fall back to reading whole batches.
 */
function shapeOf(type: DataType): { nodes: number; buffers: number } | undefined {
  if (DataType.isNull(type)) return { nodes: 1, buffers: 0 };
  if (DataType.isDictionary(type)) return undefined;
  if (isFixedWidth(type)) return { nodes: 1, buffers: 2 };
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBinary(type) || DataType.isLargeBinary(type))
    return { nodes: 1, buffers: 3 };
  const children = (own: number) => {
    let nodes = 1;
    let buffers = own;
    for (const c of type.children ?? []) {
      const s = shapeOf(c.type);
      if (!s) return undefined;
      nodes += s.nodes;
      buffers += s.buffers;
    }
    return { nodes, buffers };
  };
  if (DataType.isList(type) || DataType.isMap(type) || DataType.isLargeList(type)) return children(2);
  if (DataType.isStruct(type) || DataType.isFixedSizeList(type)) return children(1);
  return undefined;
}

/** The layout of every top-level field, or undefined if some type cannot be laid out. */
export function fieldLayouts(schema: Schema): FieldLayout[] | undefined {
  const out: FieldLayout[] = [];
  let node = 0;
  let buffer = 0;
  for (const field of schema.fields) {
    const s = shapeOf(field.type);
    if (!s) return undefined;
    out.push({ field, nodes: [node, node + s.nodes], buffers: [buffer, buffer + s.buffers] });
    node += s.nodes;
    buffer += s.buffers;
  }
  return out;
}

const schemas = new WeakMap<Uint8Array, Schema>();

/**
 * Decodes the schema from an IPC schema message (as made by `schemaToMessage`), once per message
 * object: reading a split asks for it up to three times (whether to map, which columns to read, and
 * which to select).
 */
export function schemaFromMessage(bytes: Uint8Array): Schema {
  let schema = schemas.get(bytes);
  if (!schema) schemas.set(bytes, (schema = decodeMessage(bytes).header() as Schema));
  return schema;
}

/**
 * Decodes an IPC message's flatbuffer: `[0xFFFFFFFF][int32 length][flatbuffer]`, or `[int32 length][flatbuffer]` (pre-1.0),
 * once its vector lengths are known to fit in it (Arrow JS allocates by them).
 */
export function decodeMessage(bytes: Uint8Array): Message {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const continued = view.getUint32(0, true) === 0xffffffff;
  const start = continued ? 8 : 4;
  const length = view.getInt32(continued ? 4 : 0, true);
  if (length < 0 || start + length > bytes.byteLength)
    throw new Error(`its metadata length ${length} runs past the ${bytes.byteLength - start} bytes it has`);
  const problem = messageBoundsProblem(bytes.subarray(0, start + length));
  if (problem) throw new Error(`${problem} (a ${start + length}-byte header)`);
  return Message.decode(bytes.subarray(start, start + length));
}

/** Decodes a record batch message's metadata: rows, field nodes and buffer regions (offsets within the body). */
export function batchHeaderFromMessage(bytes: Uint8Array): {
  length: number;
  nodes: FieldNode[];
  buffers: BufferRegion[];
  compressed: boolean;
  bodyLength: number;
} {
  const msg = decodeMessage(bytes);
  if (!msg.isRecordBatch()) throw new Error(`expected a record batch message, found message type ${msg.headerType}`);
  const h = msg.header()!;
  return { length: h.length, nodes: h.nodes, buffers: h.buffers, compressed: h.compression != null, bodyLength: msg.bodyLength };
}

/**
 * Why an Arrow IPC message's flatbuffer cannot be decoded safely, or undefined: a vector whose length
 * runs past the message, a table, vector or scalar outside it, nesting over MAX_DEPTH. Arrow JS decodes
 * a vector by its stated length without checking it against the bytes, so a corrupt length made it
 * allocate until the heap ran out: in a schema (fuzz seed 7, case 1025: 7 bytes overwritten in the
 * ARROW:schema of a Polars Parquet footer; inspect and convert never ended, one runner reached 4 GB of
 * heap) and in a record batch's field node or buffer list (fuzz seed 11, case 335: 11 bytes overwritten
 * in the second batch of an Arrow stream made the buffer list 2^31 long). This walks Message → Schema →
 * Field → children, Message → (DictionaryBatch →) RecordBatch → nodes, buffers, compression and
 * variadic counts, and the custom_metadata vectors by hand, reading only offsets and lengths: a few
 * hundred bytes a message, so it costs nothing next to the decode it guards.
 */
const MAX_DEPTH = 64;
/** Message.header_type of a Schema, and the vtable slots used (flatbuffer field index). */
const HEADER = { schema: 1, dictionaryBatch: 2, recordBatch: 3 };
const MESSAGE = { headerType: 1, header: 2, metadata: 4 };
const SCHEMA = { fields: 1, metadata: 2 };
const FIELD = { children: 5, metadata: 6 };
const DICTIONARY_BATCH = { id: 0, data: 1 };
const RECORD_BATCH = { length: 0, nodes: 1, buffers: 2, compression: 3, variadicBufferCounts: 4 };
/** Bytes of a FieldNode struct (length, null_count) and of a Buffer struct (offset, length) in a vector of structs. */
const STRUCT_BYTES = 16;

export function messageBoundsProblem(message: Uint8Array): string | undefined {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  // The encapsulated message: a 0xFFFFFFFF continuation marker (absent before Arrow 0.15), the length, the flatbuffer.
  const start = message.length >= 4 && view.getUint32(0, true) === 0xffffffff ? 8 : 4;
  const end = message.length;
  const fail = (why: string): never => {
    throw new Error(why);
  };
  const u32 = (at: number) =>
    at >= start && at + 4 <= end ? view.getUint32(at, true) : fail(`an offset at ${at} lies outside the message`);
  /** A table's field: its position, or undefined when absent. */
  const field = (table: number, slot: number): number | undefined => {
    const vtable = table - view.getInt32(table, true);
    if (vtable < start || vtable + 4 > end) fail(`a vtable at ${vtable} lies outside the message`);
    const size = view.getUint16(vtable, true);
    if (4 + 2 * slot + 2 > size) return undefined;
    if (vtable + 4 + 2 * slot + 2 > end) fail(`a vtable at ${vtable} runs past the message`);
    const off = view.getUint16(vtable + 4 + 2 * slot, true);
    return off === 0 ? undefined : table + off;
  };
  const deref = (at: number) => at + u32(at);
  /** A vector of `width`-byte elements (structs or scalars) inline: its length checked against the bytes. */
  const inline = (at: number | undefined, width: number): void => {
    if (at === undefined) return;
    const vec = deref(at);
    const n = u32(vec);
    if (vec + 4 + width * n > end) fail(`a vector at ${vec} claims ${n} entries of ${width} bytes, past the end of the message`);
  };
  /** An inline scalar field of `width` bytes: inside the message. */
  const scalar = (at: number | undefined, width: number): void => {
    if (at !== undefined && (at < start || at + width > end)) fail(`a ${width}-byte field at ${at} lies outside the message`);
  };
  const walkRecordBatch = (at: number | undefined): void => {
    if (at === undefined) return;
    const batch = deref(at);
    u32(batch);
    scalar(field(batch, RECORD_BATCH.length), 8);
    inline(field(batch, RECORD_BATCH.nodes), STRUCT_BYTES);
    inline(field(batch, RECORD_BATCH.buffers), STRUCT_BYTES);
    inline(field(batch, RECORD_BATCH.variadicBufferCounts), 8);
    const compression = field(batch, RECORD_BATCH.compression);
    if (compression !== undefined) u32(deref(compression));
  };
  /** A vector of tables: the tables' positions, its length checked against the bytes first. */
  const tables = (at: number | undefined): number[] => {
    if (at === undefined) return [];
    const vec = deref(at);
    const n = u32(vec);
    if (vec + 4 + 4 * n > end) fail(`a vector at ${vec} claims ${n} entries, past the end of the message`);
    return Array.from({ length: n }, (_, i) => deref(vec + 4 + 4 * i));
  };
  const walkField = (f: number, depth: number): void => {
    if (depth > MAX_DEPTH) fail(`fields nest more than ${MAX_DEPTH} deep`);
    u32(f);
    tables(field(f, FIELD.metadata));
    for (const child of tables(field(f, FIELD.children))) walkField(child, depth + 1);
  };
  try {
    const root = deref(start);
    u32(root);
    tables(field(root, MESSAGE.metadata));
    const typeAt = field(root, MESSAGE.headerType);
    scalar(typeAt, 1);
    const headerAt = field(root, MESSAGE.header);
    const type = typeAt === undefined ? undefined : message[typeAt];
    if (type === HEADER.recordBatch) walkRecordBatch(headerAt);
    if (type === HEADER.dictionaryBatch && headerAt !== undefined) {
      const dictionary = deref(headerAt);
      u32(dictionary);
      scalar(field(dictionary, DICTIONARY_BATCH.id), 8);
      walkRecordBatch(field(dictionary, DICTIONARY_BATCH.data));
    }
    if (type !== HEADER.schema) return undefined;
    if (headerAt === undefined) return 'the schema message has no schema';
    const schema = deref(headerAt);
    u32(schema);
    tables(field(schema, SCHEMA.metadata));
    for (const f of tables(field(schema, SCHEMA.fields))) walkField(f, 0);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

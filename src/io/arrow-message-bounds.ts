/**
 * Why an Arrow IPC flatbuffer (a message, or an Arrow file's footer) cannot be decoded safely, or
 * undefined: a vector whose length runs past the bytes, a table, vtable, vector or field outside them,
 * nesting over MAX_DEPTH. Arrow JS decodes a vector by its stated length without checking it against
 * the bytes, so a corrupt length made it allocate until the heap ran out: in a schema (fuzz seed 7, case
 * 1025: 7 bytes overwritten in the ARROW:schema of a Polars Parquet footer; inspect and convert never
 * ended, one runner reached 4 GB of heap) and in a record batch's field node or buffer list (fuzz seed
 * 11, case 335: 11 bytes overwritten in the second batch of an Arrow stream made the buffer list 2^31
 * long). And it reads a field past the bytes as 0 (fuzz seed 11, case 191: a type's vtable in an Arrow
 * file's footer pointed its Float precision 145 bytes past the footer, Arrow JS read HALF where flechette
 * refuses the file, and a DOUBLE column was read as Float16, exit 0). This walks Message → Schema →
 * Field → type and children, Message → (DictionaryBatch →) RecordBatch → nodes, buffers, compression
 * and variadic counts, Footer → schema and blocks, and the custom_metadata vectors, checking every
 * table's vtable and fields against the bytes, reading only offsets and lengths: a few hundred bytes a
 * message, so it costs nothing next to the decode it guards.
 */
const MAX_DEPTH = 64;
/** Message.header_type of each header, and the vtable slots used (flatbuffer field index). */
const HEADER = { schema: 1, dictionaryBatch: 2, recordBatch: 3 };
const MESSAGE = { headerType: 1, header: 2, metadata: 4 };
const FOOTER = { schema: 1, dictionaries: 2, recordBatches: 3, metadata: 4 };
const SCHEMA = { fields: 1, metadata: 2 };
const FIELD = { type: 3, dictionary: 4, children: 5, metadata: 6 };
const DICTIONARY_BATCH = { id: 0, data: 1 };
const RECORD_BATCH = { length: 0, nodes: 1, buffers: 2, compression: 3, variadicBufferCounts: 4 };
/** Bytes of a FieldNode struct (length, null_count) and of a Buffer struct (offset, length) in a vector of structs. */
const STRUCT_BYTES = 16;
/** Bytes of a footer Block struct (offset, metaDataLength, bodyLength). */
const BLOCK_BYTES = 24;

/** An encapsulated message: a 0xFFFFFFFF continuation marker (absent before Arrow 0.15), the length, the flatbuffer. */
export function messageBoundsProblem(message: Uint8Array): string | undefined {
  const continued = message.length >= 4 && new DataView(message.buffer, message.byteOffset, 4).getUint32(0, true) === 0xffffffff;
  return walking(message, continued ? 8 : 4, 'message', (w, root) => {
    w.tables(w.field(root, MESSAGE.metadata));
    const typeAt = w.field(root, MESSAGE.headerType);
    w.scalar(typeAt, 1);
    const headerAt = w.field(root, MESSAGE.header);
    const type = typeAt === undefined ? undefined : message[typeAt];
    if (type === HEADER.recordBatch) w.recordBatch(headerAt);
    if (type === HEADER.dictionaryBatch && headerAt !== undefined) {
      const dictionary = w.table(w.deref(headerAt));
      w.scalar(w.field(dictionary, DICTIONARY_BATCH.id), 8);
      w.recordBatch(w.field(dictionary, DICTIONARY_BATCH.data));
    }
    if (type !== HEADER.schema) return;
    if (headerAt === undefined) w.fail('the schema message has no schema');
    w.schema(headerAt!);
  });
}

/** An Arrow IPC file's footer: the flatbuffer between the last record batch and the trailing length and magic. */
export function footerBoundsProblem(footer: Uint8Array): string | undefined {
  return walking(footer, 0, 'footer', (w, root) => {
    const schemaAt = w.field(root, FOOTER.schema);
    if (schemaAt === undefined) w.fail('the footer has no schema');
    w.schema(schemaAt!);
    w.inline(w.field(root, FOOTER.dictionaries), BLOCK_BYTES);
    w.inline(w.field(root, FOOTER.recordBatches), BLOCK_BYTES);
    w.tables(w.field(root, FOOTER.metadata));
  });
}

type Walker = ReturnType<typeof walkerOf>;

/** Runs `walk` from the root table of the flatbuffer at `bytes[start…]`; its first failure is the problem. */
function walking(bytes: Uint8Array, start: number, noun: string, walk: (w: Walker, root: number) => void): string | undefined {
  try {
    const w = walkerOf(bytes, start, noun);
    walk(w, w.table(w.deref(start)));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Checked reads of the flatbuffer in `bytes[start…]`, named `noun` (message, footer) in what they find. */
function walkerOf(bytes: Uint8Array, start: number, noun: string) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const fail = (why: string): never => {
    throw new Error(why);
  };
  const u32 = (at: number) =>
    at >= start && at + 4 <= end ? view.getUint32(at, true) : fail(`an offset at ${at} lies outside the ${noun}`);
  const deref = (at: number) => at + u32(at);
  /**
   * A table at `at`, once its vtable and every field it lists lie inside the bytes (a field outside is
   * read as 0 by Arrow JS's flatbuffers, not refused).
   */
  const table = (at: number): number => {
    u32(at);
    const vtable = at - view.getInt32(at, true);
    if (vtable < start || vtable + 4 > end) fail(`a vtable at ${vtable} lies outside the ${noun}`);
    const vtableSize = view.getUint16(vtable, true);
    const tableSize = view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtable + vtableSize > end) fail(`a vtable at ${vtable} runs past the ${noun}`);
    if (tableSize < 4 || at + tableSize > end) fail(`a table at ${at} of ${tableSize} bytes runs past the ${noun}`);
    for (let slot = vtable + 4; slot + 2 <= vtable + vtableSize; slot += 2) {
      const off = view.getUint16(slot, true);
      if (off !== 0 && (off < 4 || off >= tableSize))
        fail(`a field of the table at ${at} lies outside it (at ${off} of ${tableSize} bytes)`);
    }
    return at;
  };
  /** A table's field: its position, or undefined when absent (the table was checked by `table`). */
  const field = (at: number, slot: number): number | undefined => {
    const vtable = at - view.getInt32(at, true);
    if (4 + 2 * slot + 2 > view.getUint16(vtable, true)) return undefined;
    const off = view.getUint16(vtable + 4 + 2 * slot, true);
    return off === 0 ? undefined : at + off;
  };
  /** An inline scalar field of `width` bytes: inside the bytes. */
  const scalar = (at: number | undefined, width: number): void => {
    if (at !== undefined && (at < start || at + width > end)) fail(`a ${width}-byte field at ${at} lies outside the ${noun}`);
  };
  /** A vector of `width`-byte elements (structs or scalars) inline: its length checked against the bytes. */
  const inline = (at: number | undefined, width: number): void => {
    if (at === undefined) return;
    const vec = deref(at);
    const n = u32(vec);
    if (vec + 4 + width * n > end) fail(`a vector at ${vec} claims ${n} entries of ${width} bytes, past the end of the ${noun}`);
  };
  /** A vector of tables: the tables' positions, its length checked against the bytes first. */
  const tables = (at: number | undefined): number[] => {
    if (at === undefined) return [];
    const vec = deref(at);
    const n = u32(vec);
    if (vec + 4 + 4 * n > end) fail(`a vector at ${vec} claims ${n} entries, past the end of the ${noun}`);
    return Array.from({ length: n }, (_, i) => table(deref(vec + 4 + 4 * i)));
  };
  const optionalTable = (at: number | undefined): void => void (at !== undefined && table(deref(at)));
  const walkField = (f: number, depth: number): void => {
    if (depth > MAX_DEPTH) fail(`fields nest more than ${MAX_DEPTH} deep`);
    tables(field(f, FIELD.metadata));
    optionalTable(field(f, FIELD.type));
    const dictionary = field(f, FIELD.dictionary);
    if (dictionary !== undefined) optionalTable(field(table(deref(dictionary)), 1)); // DictionaryEncoding.indexType
    for (const child of tables(field(f, FIELD.children))) walkField(child, depth + 1);
  };
  const schema = (at: number): void => {
    const s = table(deref(at));
    tables(field(s, SCHEMA.metadata));
    for (const f of tables(field(s, SCHEMA.fields))) walkField(f, 0);
  };
  const recordBatch = (at: number | undefined): void => {
    if (at === undefined) return;
    const batch = table(deref(at));
    scalar(field(batch, RECORD_BATCH.length), 8);
    inline(field(batch, RECORD_BATCH.nodes), STRUCT_BYTES);
    inline(field(batch, RECORD_BATCH.buffers), STRUCT_BYTES);
    inline(field(batch, RECORD_BATCH.variadicBufferCounts), 8);
    optionalTable(field(batch, RECORD_BATCH.compression));
  };
  return { fail, deref, table, field, scalar, inline, tables, schema, recordBatch };
}

/**
 * Why an Arrow IPC schema message's flatbuffer cannot be decoded safely, or undefined: a vector whose
 * length runs past the message, a table or vector outside it, nesting over MAX_DEPTH. Arrow JS decodes
 * a vector by its stated length without checking it against the bytes, so a corrupt length made it
 * allocate until the heap ran out (fuzz seed 7, case 1025: 7 bytes overwritten in the ARROW:schema of a
 * Polars Parquet footer; inspect and convert never ended, one runner reached 4 GB of heap). This walks
 * Message → Schema → Field → children and the custom_metadata vectors by hand, reading only offsets
 * and lengths: a few hundred bytes for a schema, so it costs nothing next to the decode it guards.
 */
const MAX_DEPTH = 64;
/** Message.header_type of a Schema, and the vtable slots used (flatbuffer field index). */
const HEADER_SCHEMA = 1;
const MESSAGE = { headerType: 1, header: 2, metadata: 4 };
const SCHEMA = { fields: 1, metadata: 2 };
const FIELD = { children: 5, metadata: 6 };

export function schemaMessageProblem(message: Uint8Array): string | undefined {
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
    if (typeAt === undefined || message[typeAt] !== HEADER_SCHEMA) return undefined;
    const headerAt = field(root, MESSAGE.header);
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

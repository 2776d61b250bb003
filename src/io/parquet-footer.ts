import {
  Binary,
  Dictionary,
  Field,
  FixedSizeBinary,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  Type,
  Utf8,
  Int32,
  type DataType,
} from 'apache-arrow';
import { messageBoundsProblem } from './arrow-message-bounds.js';
import { unsignedVarint, withKeyValue } from './parquet-thrift.js';

/** The key under which Arrow writers (arrow-rs, pyarrow, Polars) store the Arrow schema in a Parquet footer. */
const ARROW_SCHEMA = Buffer.from('ARROW:schema', 'latin1');

/**
 * A replacement for a Parquet footer (its Thrift bytes) whose embedded Arrow schema has types
 * parquet-wasm 0.8 cannot build, or undefined when the footer is fine as it is.
 *
 * Polars writes a Categorical (and Enum) column as a Parquet string column with a dictionary page, and
 * records Dictionary<UInt32, Utf8View> in the embedded Arrow schema; strings as Utf8View too. Asked for
 * a view type, parquet-wasm's arrow-rs panics (a WebAssembly trap). The same schema with Utf8 in place
 * of Utf8View and Binary in place of BinaryView reads the same values into layouts it has, and keeps
 * the rest of the schema (time zones, Durations, the dictionary encoding) that Parquet's own types lose.
 *
 * The columns named in `intervals` (Parquet INTERVAL, whose annotation `withoutIntervalTypes` takes
 * off) are read as their raw FixedSizeBinary(12), whatever Arrow type the schema gave them; the text
 * columns named in `dictionary` are read as Dictionary<Int32, Utf8> (see `asDictionary`).
 *
 * The footer is Thrift compact: the schema is the value of a key-value pair, a length-prefixed string
 * `ARROW:schema` followed by the value's field header (0x18), a varint length and base64 text. Only
 * that value and its length change; everything in a footer after it is relative, so nothing else moves.
 */
export function arrowSchemaPatch(footer: Uint8Array, intervals: string[] = [], dictionary: string[] = []): Uint8Array | undefined {
  const bytes = Buffer.from(footer.buffer, footer.byteOffset, footer.byteLength);
  const key = arrowSchemaAt(bytes);
  if (key < 0) return undefined;
  const start = key + ARROW_SCHEMA.length + 1;
  let length = 0;
  let at = start;
  for (let shift = 0; at < bytes.length; shift += 7) {
    const b = bytes[at++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
  }
  if (at + length > bytes.length) throw new Error(`its length ${length} runs past the footer`);
  const schema = schemaFromBase64(bytes.subarray(at, at + length).toString('latin1'));
  const fields = schema.fields.map((f) =>
    intervals.includes(f.name) && f.type.typeId !== Type.FixedSizeBinary
      ? new Field(f.name, new FixedSizeBinary(12), f.nullable, f.metadata)
      : asDictionary(withoutViews(f), dictionary),
  );
  if (fields.every((f, i) => f === schema.fields[i])) return undefined;
  const value = Buffer.from(schemaToBase64(new Schema(fields, schema.metadata)), 'latin1');
  return Buffer.concat([bytes.subarray(0, start), Uint8Array.from(unsignedVarint(value.length)), value, bytes.subarray(at + length)]);
}

/** Where the footer's ARROW:schema key is (its value follows as a Thrift binary), or −1. */
function arrowSchemaAt(bytes: Buffer): number {
  const key = bytes.indexOf(ARROW_SCHEMA);
  return key >= 0 && bytes[key + ARROW_SCHEMA.length] === 0x18 ? key : -1;
}

/** Whether a footer holds an Arrow schema (arrow-rs, pyarrow and Polars write one; DuckDB does not). */
export function hasArrowSchema(footer: Uint8Array): boolean {
  return arrowSchemaAt(Buffer.from(footer.buffer, footer.byteOffset, footer.byteLength)) >= 0;
}

/**
 * For a footer without an Arrow schema (DuckDB's): the footer with `schema` (the one parquet-wasm
 * makes of the Parquet types) added as its ARROW:schema, the text columns named in `dictionary` made
 * Dictionary<Int32, Utf8> (see `asDictionary`); undefined when none of them is a Utf8 column. arrow-rs
 * takes an embedded schema as the types to read into, so nothing else about the columns changes.
 */
export function withDictionarySchema(footer: Uint8Array, schema: Schema, dictionary: string[]): Uint8Array | undefined {
  const fields = schema.fields.map((f) => asDictionary(f, dictionary));
  if (fields.every((f, i) => f === schema.fields[i])) return undefined;
  return withKeyValue(footer, 'ARROW:schema', schemaToBase64(new Schema(fields, schema.metadata)));
}

/**
 * A top-level Utf8 field named in `dictionary` as Dictionary<Int32, Utf8>, else the field itself.
 * Asked for a dictionary, arrow-rs hands over a column chunk's dictionary page and each row's code
 * instead of a string per row (a plain-encoded chunk it encodes into a dictionary of its own): a job
 * that keys rows by such a column (groupby) then hashes each distinct value once per dictionary, not
 * once per row. Reading id1 of the 10M-row G1 file (Polars, zstd): 455 ms of CPU as Utf8, 278 ms as a
 * dictionary, before any hashing.
 */
function asDictionary(field: Field, dictionary: string[]): Field {
  if (!dictionary.includes(field.name) || field.type.typeId !== Type.Utf8) return field;
  return new Field(field.name, new Dictionary(new Utf8(), new Int32()), field.nullable, field.metadata);
}

function schemaFromBase64(text: string): Schema {
  const message = Buffer.from(text, 'base64');
  // Its vector lengths checked first: Arrow JS would allocate by a corrupt one until the heap ran out.
  const problem = messageBoundsProblem(message);
  if (problem) throw new Error(`its Arrow schema does not decode: ${problem}`);
  // An IPC stream is the schema message and an end-of-stream marker.
  return tableFromIPC(Buffer.concat([message, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])).schema;
}

function schemaToBase64(schema: Schema): string {
  const stream = tableToIPC(new Table(schema), 'stream');
  return Buffer.from(stream.subarray(0, stream.length - 8)).toString('base64');
}

/** The field with Utf8View → Utf8 and BinaryView → Binary, at any depth; the same object if none. */
function withoutViews(field: Field): Field {
  const type = typeWithoutViews(field.type);
  return type === field.type ? field : new Field(field.name, type, field.nullable, field.metadata);
}

function typeWithoutViews(type: DataType): DataType {
  if (type.typeId === Type.Utf8View) return new Utf8();
  if (type.typeId === Type.BinaryView) return new Binary();
  if (type instanceof Dictionary) {
    const values = typeWithoutViews(type.dictionary);
    return values === type.dictionary ? type : new Dictionary(values, type.indices, type.id, type.isOrdered);
  }
  const children = type.children as Field[] | undefined;
  if (!children?.length) return type;
  const fields = children.map(withoutViews);
  if (fields.every((f, i) => f === children[i])) return type;
  const copy = Object.create(Object.getPrototypeOf(type) as object) as DataType;
  return Object.assign(copy, type, { children: fields });
}

/**
 * Just enough of Thrift's compact protocol to find a Parquet footer's schema elements and rewrite
 * them: parquet-wasm neither reports a column's logical type nor writes UUID's, and it reads INTERVAL
 * wrongly and cannot write it, so quiver reads, takes away and adds those annotations itself
 * (`parquetAnnotations`, `withoutIntervalTypes`, `withAnnotations`).
 */

// Compact protocol type ids.
const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const BYTE = 3;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;
/** Parquet's physical type FIXED_LEN_BYTE_ARRAY, LogicalType's UUID member, ConvertedType INTERVAL. */
const FIXED_LEN_BYTE_ARRAY = 7;
const LOGICAL_UUID = 14;
const CONVERTED_INTERVAL = 21;
/** SchemaElement's fields: converted_type, logicalType. */
const CONVERTED_TYPE = 6;
const LOGICAL_TYPE = 10;
const I32 = 5;

export interface FieldBytes {
  id: number;
  type: number;
  /** Where the field's value starts and ends (empty for a boolean, held in its header). */
  value: [number, number];
}

/** One SchemaElement of the footer: where it is, its fields, and what quiver needs of them. */
export interface SchemaElement {
  start: number;
  end: number;
  fields: FieldBytes[];
  name: string;
  type?: number;
  typeLength?: number;
  children: number;
  convertedType?: number;
  uuid: boolean;
}

export class ThriftReader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('the footer ends inside a Thrift value');
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let n = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = this.byte();
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
    }
    throw new Error('a Thrift varint longer than 10 bytes');
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 ? -(n + 1) / 2 : n / 2;
  }

  /** A struct's fields, the reader left after its stop byte. */
  struct(): FieldBytes[] {
    const fields: FieldBytes[] = [];
    for (let last = 0; ; ) {
      const header = this.byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const id = header >> 4 ? last + (header >> 4) : this.zigzag();
      const start = this.at;
      if (type !== BOOL_TRUE && type !== BOOL_FALSE) this.skip(type);
      fields.push({ id, type, value: [start, this.at] });
      last = id;
    }
  }

  skip(type: number): void {
    if (type === BOOL_TRUE || type === BOOL_FALSE || type === BYTE) this.at += 1;
    else if (type === DOUBLE) this.at += 8;
    else if (type === BINARY) {
      const length = this.varint(); // read first: `this.at += this.varint()` would add to the old position
      this.at += length;
    } else if (type === LIST || type === SET) {
      const header = this.byte();
      const size = header >> 4 === 15 ? this.varint() : header >> 4;
      for (let i = 0; i < size; i++) this.skip(header & 0x0f);
    } else if (type === MAP) {
      const size = this.varint();
      const kinds = size ? this.byte() : 0;
      for (let i = 0; i < size; i++) this.skip(kinds >> 4), this.skip(kinds & 0x0f);
    } else if (type === STRUCT) this.struct();
    else if (type >= 4 && type <= 6) this.varint();
    else throw new Error(`unknown Thrift type ${type}`);
    if (this.at > this.bytes.length) throw new Error('the footer ends inside a Thrift value');
  }
}

/** The footer's schema elements, in order (the root first). */
export function schemaElements(footer: Uint8Array): SchemaElement[] {
  const r = new ThriftReader(footer);
  for (let last = 0; ; ) {
    const header = r.byte();
    if (header === 0) throw new Error('the footer has no schema');
    const type = header & 0x0f;
    const id = header >> 4 ? last + (header >> 4) : r.zigzag();
    last = id;
    if (id !== 2 || type !== LIST) {
      if (type !== BOOL_TRUE && type !== BOOL_FALSE) r.skip(type);
      continue;
    }
    const list = r.byte();
    const size = list >> 4 === 15 ? r.varint() : list >> 4;
    const elements: SchemaElement[] = [];
    for (let i = 0; i < size; i++) {
      const start = r.at;
      const fields = r.struct();
      const int = (fid: number) => {
        const f = fields.find((x) => x.id === fid);
        return f ? new ThriftReader(footer.subarray(f.value[0], f.value[1])).zigzag() : undefined;
      };
      const name = fields.find((f) => f.id === 4);
      const logical = fields.find((f) => f.id === LOGICAL_TYPE);
      const uuid = logical
        ? new ThriftReader(footer.subarray(logical.value[0], logical.value[1])).struct().some((f) => f.id === LOGICAL_UUID)
        : false;
      elements.push({
        start,
        end: r.at,
        fields,
        name: name ? text(footer.subarray(name.value[0], name.value[1])) : '',
        type: int(1),
        typeLength: int(2),
        children: int(5) ?? 0,
        convertedType: int(CONVERTED_TYPE),
        uuid,
      });
    }
    return elements;
  }
}

/** A Thrift binary value (a varint length, then UTF-8 bytes) as text. */
function text(value: Uint8Array): string {
  const r = new ThriftReader(value);
  const n = r.varint();
  return Buffer.from(value.subarray(r.at, r.at + n)).toString('utf8');
}

/** The root's direct children (top-level columns), skipping the subtrees of nested ones. */
export function topLevel(elements: SchemaElement[]): SchemaElement[] {
  const out: SchemaElement[] = [];
  const subtree = (i: number): number => {
    let end = i + 1;
    for (let c = 0; c < elements[i]!.children; c++) end = subtree(end);
    return end;
  };
  for (let i = 1; i < elements.length; i = subtree(i)) out.push(elements[i]!);
  return out;
}

/** Top-level columns whose Parquet annotation quiver reads itself, as parquet-wasm does not (or wrongly). */
export interface ParquetAnnotations {
  /** 16-byte FIXED_LEN_BYTE_ARRAY with the UUID logical type (parquet-wasm reads a bare FixedSizeBinary(16)). */
  uuids: string[];
  /** 12-byte FIXED_LEN_BYTE_ARRAY with the INTERVAL converted type (parquet-wasm drops its months). */
  intervals: string[];
}

const isInterval = (e: SchemaElement) => e.convertedType === CONVERTED_INTERVAL && e.type === FIXED_LEN_BYTE_ARRAY && e.typeLength === 12;
const isBareFixed = (e: SchemaElement, length: number) =>
  e.type === FIXED_LEN_BYTE_ARRAY && e.typeLength === length && !e.fields.some((f) => f.id === LOGICAL_TYPE || f.id === CONVERTED_TYPE);

/** The top-level UUID and INTERVAL columns of a Parquet footer. */
export function parquetAnnotations(footer: Uint8Array): ParquetAnnotations {
  const columns = topLevel(schemaElements(footer));
  return { uuids: columns.filter((e) => e.uuid).map((e) => e.name), intervals: columns.filter(isInterval).map((e) => e.name) };
}

/**
 * The footer with the INTERVAL annotation taken off the top-level columns named in `names`
 * (undefined when there are none), so parquet-wasm reads their raw 12 bytes (a FixedSizeBinary(12))
 * instead of an Interval<DAY_TIME> without the months; `intervalsFromBytes` then reads all three parts.
 */
export function withoutIntervalTypes(footer: Uint8Array, names: string[]): Uint8Array | undefined {
  const wanted = new Set(names);
  const targets = topLevel(schemaElements(footer)).filter((e) => wanted.has(e.name) && isInterval(e));
  return rewritten(footer, targets, (e) => e.fields.filter((f) => f.id !== CONVERTED_TYPE));
}

/**
 * The footer with the UUID annotation added to the top-level 16-byte FIXED_LEN_BYTE_ARRAY columns
 * named in `uuids`, and the INTERVAL annotation to the 12-byte ones named in `intervals`, that have no
 * annotation yet (undefined when there are none).
 */
export function withAnnotations(footer: Uint8Array, { uuids, intervals }: ParquetAnnotations): Uint8Array | undefined {
  const u = new Set(uuids);
  const iv = new Set(intervals);
  const targets = topLevel(schemaElements(footer)).filter(
    (e) => (u.has(e.name) && isBareFixed(e, 16)) || (iv.has(e.name) && isBareFixed(e, 12)),
  );
  return rewritten(footer, targets, (e) => {
    if (u.has(e.name) && e.typeLength === 16) {
      // logicalType (a struct): LogicalType { UUID: UUIDType {} }.
      return [...e.fields, { id: LOGICAL_TYPE, type: STRUCT, value: Uint8Array.of((LOGICAL_UUID << 4) | STRUCT, 0, 0) }];
    }
    return [...e.fields, { id: CONVERTED_TYPE, type: I32, value: Uint8Array.of(...zigzagVarint(CONVERTED_INTERVAL)) }];
  });
}

/** A field to write: one of the element's own (its bytes in the footer) or a new one (its value bytes). */
type NewField = FieldBytes | { id: number; type: number; value: Uint8Array };

/**
 * The footer with each of `targets` written again with the fields `edit` gives, in long-form field
 * headers (each field id in full, so fields can be added or left out whatever ids come before them);
 * undefined when there are no targets. Nothing else in the footer moves relative to anything.
 */
function rewritten(footer: Uint8Array, targets: SchemaElement[], edit: (e: SchemaElement) => NewField[]): Uint8Array | undefined {
  if (targets.length === 0) return undefined;
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const e of targets) {
    parts.push(footer.subarray(at, e.start));
    const fields = edit(e).sort((a, b) => a.id - b.id);
    for (const f of fields) {
      const value = f.value instanceof Uint8Array ? f.value : footer.subarray(f.value[0], f.value[1]);
      parts.push(Uint8Array.of(f.type, ...zigzagVarint(f.id)), value);
    }
    parts.push(Uint8Array.of(0));
    at = e.end;
  }
  parts.push(footer.subarray(at));
  return Buffer.concat(parts);
}

function zigzagVarint(n: number): number[] {
  return unsignedVarint(n >= 0 ? 2 * n : -2 * n - 1);
}

/** FileMetaData's key_value_metadata: a list of KeyValue { 1: key, 2: value }. */
const KEY_VALUE_METADATA = 5;

/**
 * The footer with one more key-value pair in its key_value_metadata (the list made when the footer
 * has none). The caller adds only a key the footer does not hold (`arrowSchemaPatch` rewrites an
 * ARROW:schema that is there). The footer's top-level fields are written again in long-form headers,
 * as `rewritten` writes schema elements; their values are the footer's own bytes.
 */
export function withKeyValue(footer: Uint8Array, key: string, value: string): Uint8Array {
  const r = new ThriftReader(footer);
  const fields = r.struct();
  const binary = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    return Buffer.concat([Uint8Array.from(unsignedVarint(bytes.length)), bytes]);
  };
  // KeyValue in short-form headers: field 1 (delta 1, BINARY), field 2 (delta 1, BINARY), stop.
  const pair = Buffer.concat([Uint8Array.of(0x18), binary(key), Uint8Array.of(0x18), binary(value), Uint8Array.of(0)]);
  const old = fields.find((f) => f.id === KEY_VALUE_METADATA && f.type === LIST);
  let list: Uint8Array;
  if (old) {
    const lr = new ThriftReader(footer.subarray(old.value[0], old.value[1]));
    const header = lr.byte();
    const size = header >> 4 === 15 ? lr.varint() : header >> 4;
    list = Buffer.concat([listHeader(size + 1, STRUCT), footer.subarray(old.value[0] + lr.at, old.value[1]), pair]);
  } else list = Buffer.concat([listHeader(1, STRUCT), pair]);
  const kept = fields.filter((f) => f !== old);
  const all: NewField[] = [...kept, { id: KEY_VALUE_METADATA, type: LIST, value: list }].sort((a, b) => a.id - b.id);
  const parts: Uint8Array[] = [];
  for (const f of all) {
    const v = f.value instanceof Uint8Array ? f.value : footer.subarray(f.value[0], f.value[1]);
    parts.push(Uint8Array.of(f.type, ...zigzagVarint(f.id)), v);
  }
  parts.push(Uint8Array.of(0));
  return Buffer.concat(parts);
}

function listHeader(size: number, type: number): Uint8Array {
  return size < 15 ? Uint8Array.of((size << 4) | type) : Uint8Array.of(0xf0 | type, ...unsignedVarint(size));
}

/** Thrift's (and protobuf's) unsigned varint: 7 bits a byte, low bits first. */
export function unsignedVarint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

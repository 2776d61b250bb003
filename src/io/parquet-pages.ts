import { closeSync, openSync } from 'node:fs';
import { InputError } from '../errors.js';
import { preadInto } from './file-range.js';
import { isS3Input } from './input-source.js';
import { ThriftReader } from './parquet-thrift.js';

/** Compact-protocol wire types of the fields checked (a boolean is either of its two). */
const I32 = 5;
const I64 = 6;
const BINARY = 8;
const LIST = 9;
const STRUCT = 12;
const BOOL = -1;

/** A struct's known fields: id → [name, wire type, sub-struct's fields]. Unknown ids are skipped (newer writers). */
type Shape = Record<number, [string, number, Shape?]>;
const STATISTICS: Shape = {
  1: ['max', BINARY],
  2: ['min', BINARY],
  3: ['null_count', I64],
  4: ['distinct_count', I64],
  5: ['max_value', BINARY],
  6: ['min_value', BINARY],
  7: ['is_max_value_exact', BOOL],
  8: ['is_min_value_exact', BOOL],
};
/** parquet.thrift's PageHeader and the headers it holds (apache/parquet-format). */
const PAGE_HEADER: Shape = {
  1: ['type', I32],
  2: ['uncompressed_page_size', I32],
  3: ['compressed_page_size', I32],
  4: ['crc', I32],
  5: [
    'data_page_header',
    STRUCT,
    {
      1: ['num_values', I32],
      2: ['encoding', I32],
      3: ['definition_level_encoding', I32],
      4: ['repetition_level_encoding', I32],
      5: ['statistics', STRUCT, STATISTICS],
    },
  ],
  6: ['index_page_header', STRUCT, {}],
  7: ['dictionary_page_header', STRUCT, { 1: ['num_values', I32], 2: ['encoding', I32], 3: ['is_sorted', BOOL] }],
  8: [
    'data_page_header_v2',
    STRUCT,
    {
      1: ['num_values', I32],
      2: ['num_nulls', I32],
      3: ['num_rows', I32],
      4: ['encoding', I32],
      5: ['definition_levels_byte_length', I32],
      6: ['repetition_levels_byte_length', I32],
      7: ['is_compressed', BOOL],
      8: ['statistics', STRUCT, STATISTICS],
    },
  ],
};
/** Which sub-header each page type (PageType: DATA_PAGE, INDEX_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2) needs. */
const HEADER_OF = [5, 6, 7, 8];

/** Where a column chunk's pages lie in the file, and how many values they hold, from the footer. */
export interface ChunkPages {
  column: string;
  start: number;
  length: number;
  values: number;
}
/** A row group's rows and its chunks' pages. */
export interface GroupPages {
  rows: number;
  chunks: ChunkPages[];
}

/** ColumnMetaData's fields used here. */
const PATH = 3;
const NUM_VALUES = 5;
const COMPRESSED = 7;
const DATA_PAGE_OFFSET = 9;
const DICTIONARY_PAGE_OFFSET = 11;

/**
 * The page ranges of every row group's column chunks (chunks kept in another file, or without offsets,
 * are left out), in one pass over the footer that keeps only those numbers: a worker makes it once per
 * handle, 5-6 ms of CPU warm on the 62 KB footer of DuckDB's 10M-row G1 file (a pass keeping every
 * struct's fields, then reading each ColumnMetaData again, took 9-11).
 */
export function pageLayout(footer: Uint8Array): GroupPages[] {
  const r = new ThriftReader(footer);
  const groups: GroupPages[] = [];
  eachField(r, (id, type) => {
    if (id !== 4 || type !== LIST) return;
    eachStruct(r, () => {
      const group: GroupPages = { rows: 0, chunks: [] };
      groups.push(group);
      eachField(r, (id, type) => {
        if (id === 3 && (type === I32 || type === I64)) group.rows = r.zigzag();
        else if (id === 1 && type === LIST) eachStruct(r, () => readChunk(r, group.chunks));
      });
    });
  });
  return groups;
}

/** A ColumnChunk's pages, added to `chunks` unless it is kept in another file or has no offsets. */
function readChunk(r: ThriftReader, chunks: ChunkPages[]): void {
  let elsewhere = false;
  const ints = new Map<number, number>();
  let column = '?';
  eachField(r, (id, type) => {
    if (id === 1)
      elsewhere = true; // file_path: the chunk's pages are in another file
    else if (id === 3 && type === STRUCT)
      eachField(r, (id, type) => {
        if (type === I32 || type === I64) ints.set(id, r.zigzag());
        else if (id === PATH && type === LIST) column = firstText(r);
      });
  });
  const data = ints.get(DATA_PAGE_OFFSET);
  const length = ints.get(COMPRESSED);
  if (elsewhere || data === undefined || length === undefined) return;
  // Some writers put a dictionary offset of 0 (or past the data) in chunks without one: the data page starts them then.
  const dict = ints.get(DICTIONARY_PAGE_OFFSET);
  const start = dict !== undefined && dict >= 4 && dict < data ? dict : data;
  chunks.push({ column, start, length, values: ints.get(NUM_VALUES) ?? -1 });
}

/** Calls `visit` with each field of a struct; a value `visit` leaves unread is skipped. The reader ends after the stop byte. */
function eachField(r: ThriftReader, visit: (id: number, type: number) => void): void {
  for (let last = 0; ; ) {
    const header = r.byte();
    if (header === 0) return;
    const type = header & 0x0f;
    const id = header >> 4 ? last + (header >> 4) : r.zigzag();
    last = id;
    const at = r.at;
    visit(id, type);
    if (r.at === at && type !== 1 && type !== 2) r.skip(type);
  }
}

/** Calls `each` at every element of a list of structs (a list of anything else is skipped). */
function eachStruct(r: ThriftReader, each: () => void): void {
  const header = r.byte();
  const size = header >> 4 === 15 ? r.varint() : header >> 4;
  for (let i = 0; i < size; i++) (header & 0x0f) === STRUCT ? each() : r.skip(header & 0x0f);
}

/** The first string of a Thrift list of strings (a chunk's path_in_schema: its top-level column first); the rest skipped. */
function firstText(r: ThriftReader): string {
  const header = r.byte();
  const size = header >> 4 === 15 ? r.varint() : header >> 4;
  let first = '?';
  for (let i = 0; i < size; i++) {
    const n = r.varint();
    if (i === 0) first = Buffer.from(r.bytes.subarray(r.at, r.at + n)).toString('utf8');
    r.at += n;
  }
  if (r.at > r.bytes.length) throw new Error('the footer ends inside a Thrift value');
  return first;
}

/**
 * Walks the page headers of a row group's column chunks (those of the top-level `columns`, or all) and
 * throws an InputError naming the file, row group, column and the header's byte offset at the first that
 * is inconsistent: a known field of the wrong Thrift wire type, a required field missing, a size that is
 * negative or runs past its chunk, or pages whose values do not add up to the chunk's. Why: fuzz case 913
 * (4 bits of a parquet-rs file) turned a data page header's num_values from an i32 into a Thrift type 13;
 * parquet-wasm (arrow-rs) skipped the field and read all 300 rows, exit 0, where DuckDB ("don't know what
 * type") and Polars refuse the file. Only headers are read (a pread of up to HEAD bytes a page), nothing is
 * decompressed: on DuckDB's 10M-row G1 file it costs about a millisecond of CPU a worker (bench/results/fast-paths.md).
 * S3 inputs are not walked (one request a page would cost more than the read).
 */
export function checkPageHeaders(file: string, group: number, layout: GroupPages | undefined, columns?: string[]): void {
  if (!layout || isS3Input(file)) return;
  const chunks = columns ? layout.chunks.filter((c) => columns.includes(c.column)) : layout.chunks;
  if (chunks.length === 0) return;
  const fd = openSync(file, 'r');
  try {
    for (const chunk of chunks) {
      const problem = chunkProblem(fd, chunk);
      if (!problem) continue;
      const [at, what] = problem;
      throw new InputError(
        `${file}: row group ${group}, column "${chunk.column}": the page header at byte ${at} ${what}: the file is corrupt`,
        { location: { file, rowGroup: group, column: chunk.column, byteOffset: at, expected: 'a Parquet page header' } },
      );
    }
  } finally {
    closeSync(fd);
  }
}

/** A page header is read HEAD bytes at a time (more when its statistics are longer). */
const HEAD = 256;
const buffer = { bytes: new Uint8Array(HEAD) };

/** The first inconsistency of a chunk's pages: [the header's file offset, what is wrong], or undefined. */
function chunkProblem(fd: number, chunk: ChunkPages): [number, string] | undefined {
  const end = chunk.start + chunk.length;
  if (chunk.start < 4 || chunk.length <= 0) return [chunk.start, `is where the footer puts a chunk of ${chunk.length} bytes`];
  let values = 0;
  for (let at = chunk.start; at < end; ) {
    let header: Header | string;
    for (let want = Math.min(HEAD, end - at); ; want = Math.min(want * 4, end - at)) {
      if (buffer.bytes.length < want) buffer.bytes = new Uint8Array(want);
      const bytes = buffer.bytes.subarray(0, preadInto(fd, buffer.bytes, 0, want, at));
      header = readHeader(bytes);
      // Out of bytes: read more, unless the chunk (or file) has no more.
      if (header !== SHORT || want === end - at || bytes.length < want) break;
    }
    if (header === SHORT) return [at, 'runs past the end of its column chunk'];
    if (typeof header === 'string') return [at, header];
    const next = at + header.length + header.compressed;
    if (next > end) return [at, `says its page has ${header.compressed} bytes, past the end of its column chunk at byte ${end}`];
    values += header.values;
    at = next;
  }
  if (chunk.values >= 0 && values !== chunk.values)
    return [chunk.start, `starts pages holding ${values} values, but the footer says the chunk holds ${chunk.values}`];
  return undefined;
}

interface Header {
  /** The header's own bytes. */
  length: number;
  compressed: number;
  /** A data page's values (a dictionary or index page counts none). */
  values: number;
}
const SHORT = 'runs past the end of its column chunk';

/** A page header at the start of `bytes`, checked against PAGE_HEADER, or what is wrong with it. */
function readHeader(bytes: Uint8Array): Header | string {
  const r = new ThriftReader(bytes);
  try {
    const fields = new Map<number, number | Map<number, number>>();
    const problem = readStruct(r, PAGE_HEADER, 'PageHeader', fields);
    if (problem) return problem;
    const type = fields.get(1) as number | undefined;
    const uncompressed = fields.get(2) as number | undefined;
    const compressed = fields.get(3) as number | undefined;
    if (type === undefined || uncompressed === undefined || compressed === undefined)
      return 'lacks a required field (type, uncompressed_page_size or compressed_page_size)';
    if (uncompressed < 0 || compressed < 0) return `has a negative page size (${uncompressed} uncompressed, ${compressed} compressed)`;
    const id = HEADER_OF[type];
    const sub = id === undefined ? undefined : (fields.get(id) as Map<number, number> | undefined);
    if (id === undefined || !sub) return `is of page type ${type} but has no ${id === undefined ? 'known type' : PAGE_HEADER[id]![0]}`;
    const values = sub.get(1) ?? (id === 6 ? 0 : undefined);
    if (values === undefined || values < 0)
      return `has ${values === undefined ? 'no' : 'a negative'} num_values in its ${PAGE_HEADER[id]![0]}`;
    if (id === 8 && (sub.get(5) ?? 0) + (sub.get(6) ?? 0) > compressed)
      return `has level lengths longer than its page (${compressed} bytes)`;
    return { length: r.at, compressed, values: id === 5 || id === 8 ? values : 0 };
  } catch (e) {
    return r.at >= bytes.length ? SHORT : `does not decode (${String(e)})`;
  }
}

/**
 * Reads a struct's fields, checking the wire types of the known ones; keeps their integers (and a
 * sub-header's integers, as a map) in `into`. Returns what is wrong, or undefined.
 */
function readStruct(r: ThriftReader, shape: Shape, name: string, into: Map<number, number | Map<number, number>>): string | undefined {
  for (let last = 0; ; ) {
    const header = r.byte();
    if (header === 0) return undefined;
    const type = header & 0x0f;
    const id = header >> 4 ? last + (header >> 4) : r.zigzag();
    last = id;
    const known = shape[id];
    const isBool = type === 1 || type === 2;
    if (!known) {
      if (!isBool) r.skip(type);
      continue;
    }
    const [field, wire, inner] = known;
    if (wire === BOOL ? !isBool : type !== wire)
      return `has ${name}.${field} (field ${id}) of Thrift type ${wireName(type)}, where parquet.thrift says ${wireName(wire)}`;
    if (wire === I32) into.set(id, r.zigzag());
    else if (wire === STRUCT) {
      const sub = new Map<number, number>();
      const problem = readStruct(r, inner!, field, sub as Map<number, number | Map<number, number>>);
      if (problem) return problem;
      into.set(id, sub);
    } else if (!isBool) r.skip(type);
  }
}

const WIRE = ['stop', 'bool', 'bool', 'byte', 'i16', 'i32', 'i64', 'double', 'binary', 'list', 'set', 'map', 'struct'];
const wireName = (type: number) => (type === BOOL ? 'bool' : (WIRE[type] ?? `${type} (no such type)`));

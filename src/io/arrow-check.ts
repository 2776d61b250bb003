import { isUtf8 } from 'node:buffer';
import { DataType, Type, type Data, type Field, type RecordBatch, type Schema } from 'apache-arrow';
import type { BufferRegion, FieldNode } from 'apache-arrow/ipc/metadata/message';
import { isFixedWidth } from './arrow-columns.js';

/** A record batch message's metadata, as `batchHeaderFromMessage` decodes it. */
export interface BatchHeader {
  length: number;
  nodes: FieldNode[];
  buffers: BufferRegion[];
  compressed: boolean;
}

/**
 * Why a record batch header cannot be true of a body of `bodyLength` bytes, or undefined when it is
 * consistent. A header's numbers are trusted by Arrow JS as they are: a row count beyond the buffers
 * reads garbage or allocates gigabytes, a buffer past the body silently comes out short. So before a
 * batch is decoded: the row count and every field node's length and null count are in range, every
 * buffer lies inside the body, every top-level column has the batch's length, and (bodies that are not
 * compressed) every buffer is long enough for its node's values. Costs a walk over the metadata only:
 * no page of the body is touched.
 */
export function batchHeaderProblem(header: BatchHeader, schema: Schema, bodyLength: number): string | undefined {
  return batchHeaderCheck(header, schema, bodyLength).problem;
}

/**
 * `batchHeaderProblem`'s finding, and whether its walk reached every field node and buffer: it stops,
 * finding nothing, at a layout it does not know (unions, views), whose buffers are then only bounded
 * by the body. A writer that relies on the check (arrow-part-writer.ts) needs to know which it was.
 */
export function batchHeaderCheck(header: BatchHeader, schema: Schema, bodyLength: number): { problem?: string; complete: boolean } {
  const problem = headerProblem(header, schema, bodyLength);
  return typeof problem === 'string' ? { problem, complete: true } : { complete: problem.complete };
}

function headerProblem(header: BatchHeader, schema: Schema, bodyLength: number): string | { complete: boolean } {
  const { length, nodes, buffers } = header;
  if (!Number.isSafeInteger(length) || length < 0) return `its row count ${length} is not a row count`;
  for (const [i, b] of buffers.entries()) {
    if (b.offset < 0 || b.length < 0 || b.offset + b.length > bodyLength) {
      return `buffer ${i} (bytes ${b.offset}–${b.offset + b.length}) lies outside the ${bodyLength}-byte body`;
    }
    // IPC bodies align every buffer to 8 bytes; Arrow JS cannot view an Int32 column at an odd offset
    // ("start offset of Int32Array should be a multiple of 4"), so a run failed with a RangeError while
    // inspect, which reads only the first batches, showed the file fine (fuzz seed 6, case 139: 464 → 463).
    if (b.length > 0 && b.offset % 8 !== 0)
      return `buffer ${i} starts at byte ${b.offset} of the body, not at a multiple of 8 as Arrow IPC aligns it`;
  }
  for (const [i, n] of nodes.entries()) {
    if (n.length < 0 || n.nullCount < 0 || n.nullCount > n.length)
      return `field node ${i} has ${n.length} values with ${n.nullCount} nulls`;
  }
  for (const field of schema.fields) {
    const problem = typeProblem(field);
    if (problem) return problem;
  }
  const walk = { node: 0, buffer: 0, problem: undefined as string | undefined };
  for (const field of schema.fields) {
    const n = nodes[walk.node];
    if (!n) return `it has ${nodes.length} field nodes, too few for its ${schema.fields.length} columns`;
    if (n.length !== length) return `column "${field.name}" has ${n.length} values in a batch of ${length} rows`;
    if (!visit(field, n.length, header, walk) || walk.problem) return walk.problem ?? { complete: false };
  }
  // Every column's nodes were walked: more nodes than that means the schema and the batch disagree
  // (fuzz case 853: a schema cut to no columns over batches of 3 read as 300 rows of nothing).
  if (walk.node !== nodes.length)
    return `it has ${nodes.length} field nodes, but its schema's ${schema.fields.length} column(s) need ${walk.node}`;
  // Buffers left over likewise (fuzz seed 7, case 1210: one bit made a Float64 column's type NONE, which
  // Arrow JS reads as Null, over its two buffers: 300 rows of nothing, and groupby failed on its null name).
  if (walk.buffer !== buffers.length)
    return `it has ${buffers.length} buffers, but its schema's ${schema.fields.length} column(s) need ${walk.buffer}`;
  return { complete: true };
}

/**
 * A type the Arrow format does not allow, which apache-arrow decodes anyway (fuzz case 931: an Int of
 * 31 bits, read as if it were 32): the schema is corrupt, whatever the batches hold.
 */
function typeProblem(field: Field): string | undefined {
  const t = field.type as { typeId: Type; bitWidth?: number; precision?: number; children?: Field[] };
  const bad = (what: string) => `its schema's column "${field.name}" has ${what}, which no Arrow type has`;
  if (t.typeId === Type.Int && ![8, 16, 32, 64].includes(t.bitWidth!)) return bad(`an integer of ${t.bitWidth} bits`);
  if (t.typeId === Type.Float && ![0, 1, 2].includes(t.precision!)) return bad(`a float precision of ${t.precision}`);
  if (t.typeId === Type.Decimal && ![32, 64, 128, 256].includes(t.bitWidth!)) return bad(`a decimal of ${t.bitWidth} bits`);
  for (const child of t.children ?? []) {
    const problem = typeProblem(child);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Checks one field's node and buffers (and its children's) against its length, advancing `walk`.
 * Returns false when the type's layout is not known here (unions, views), which ends the walk: the
 * bounds above still hold for those.
 */
function visit(field: Field, expected: number, header: BatchHeader, walk: { node: number; buffer: number; problem?: string }): boolean {
  const type = field.type;
  const node = header.nodes[walk.node++];
  if (!node) return fail(walk, `the field nodes end before column "${field.name}"`);
  if (node.length < expected) return fail(walk, `column "${field.name}" has ${node.length} values where ${expected} are needed`);
  const len = node.length;
  const buf = (min: number, what: string): boolean => {
    const b = header.buffers[walk.buffer++];
    if (!b) return fail(walk, `the buffers end before the ${what} of column "${field.name}"`);
    if (!header.compressed && b.length < min)
      return fail(walk, `the ${what} of column "${field.name}" has ${b.length} bytes, ${len} values need ${min}`);
    return true;
  };
  const validity = () => buf(node.nullCount > 0 ? Math.ceil(len / 8) : 0, 'validity bitmap');
  if (DataType.isNull(type)) return true;
  if (DataType.isDictionary(type)) return validity() && buf((len * type.indices.bitWidth) / 8, 'dictionary indices');
  if (DataType.isBool(type)) return validity() && buf(Math.ceil(len / 8), 'values');
  if (isFixedWidth(type)) {
    const width = DataType.isFixedSizeBinary(type) ? type.byteWidth : byteWidthOf(type);
    return validity() && buf(width === undefined ? 0 : len * width, 'values');
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type)) return validity() && buf(len > 0 ? (len + 1) * 4 : 0, 'offsets') && buf(0, 'data');
  if (DataType.isLargeUtf8(type) || DataType.isLargeBinary(type))
    return validity() && buf(len > 0 ? (len + 1) * 8 : 0, 'offsets') && buf(0, 'data');
  if (DataType.isList(type) || DataType.isMap(type))
    return validity() && buf(len > 0 ? (len + 1) * 4 : 0, 'offsets') && visit(type.children[0]!, 0, header, walk);
  if (DataType.isLargeList(type))
    return validity() && buf(len > 0 ? (len + 1) * 8 : 0, 'offsets') && visit(type.children[0]!, 0, header, walk);
  if (DataType.isFixedSizeList(type)) return validity() && visit(type.children[0]!, len * type.listSize, header, walk);
  if (DataType.isStruct(type)) return validity() && type.children.every((c) => visit(c, len, header, walk));
  return false;
}

function fail(walk: { problem?: string }, problem: string): false {
  walk.problem = problem;
  return false;
}

/** Bytes per value of a fixed-width type, from Arrow JS's typed array (decimals and intervals by their bit width). */
function byteWidthOf(type: DataType): number | undefined {
  const t = type as DataType & { bitWidth?: number; unit?: number };
  if (DataType.isDecimal(type)) return type.bitWidth / 8;
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isTime(type)) {
    const bits = DataType.isFloat(type) ? [16, 32, 64][type.precision] : t.bitWidth;
    return bits === undefined ? undefined : bits / 8;
  }
  if (DataType.isDate(type)) return type.unit === 0 ? 4 : 8;
  if (DataType.isTimestamp(type) || DataType.isDuration(type)) return 8;
  // Intervals by unit: YEAR_MONTH one int32, DAY_TIME two, MONTH_DAY_NANO two int32s and an int64.
  if (DataType.isInterval(type)) return [4, 8, 16][type.unit];
  return undefined;
}

/**
 * Why a decoded batch's columns are not what their buffers can hold, or undefined. The header check
 * cannot see offsets or bitmaps (they are data), and Arrow JS reads past them as empty or garbage values.
 * With `full` false only the first and last offset of each column are read (two reads a column). With
 * `full` (every read of a job's columns, and convert) it also checks that every offset follows the one
 * before, that strings are UTF-8 and that each stated null count is the bitmap's: one integer pass over
 * each column's offsets and bitmap, and simdutf over its string bytes (Node's `isUtf8`). On a 10M-row
 * Arrow group-by on a string key that is 8-17% of the run's CPU (src/io/README.md), UTF-8 under 1% of
 * it: the price of never answering a garbage group (fuzz: offsets that go back made a 2,000-character
 * group of its neighbours' bytes, exit 0).
 */
export function batchDataProblem(batch: RecordBatch, full = false): string | undefined {
  for (const [i, field] of batch.schema.fields.entries()) {
    const problem = dataProblem(batch.data.children[i]!, full);
    if (problem) return `column "${field.name}": ${problem}`;
  }
  return undefined;
}

function dataProblem(data: Data, full: boolean): string | undefined {
  const type = data.type;
  if (full) {
    const problem = nullCountProblem(data);
    if (problem) return problem;
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  if (
    offsets &&
    (DataType.isUtf8(type) ||
      DataType.isBinary(type) ||
      DataType.isLargeUtf8(type) ||
      DataType.isLargeBinary(type) ||
      DataType.isList(type) ||
      DataType.isMap(type) ||
      DataType.isLargeList(type))
  ) {
    // A sliced Data's offsets are already sliced to its rows (data.offset only moves its bitmap).
    if (data.length > 0) {
      if (offsets.length < data.length + 1) return `its offsets stop after ${offsets.length} of ${data.length + 1}`;
      const first = Number(offsets[0]!);
      const last = Number(offsets[data.length]!);
      const room =
        DataType.isList(type) || DataType.isMap(type) || DataType.isLargeList(type)
          ? (data.children[0]?.length ?? 0)
          : (data.values?.length ?? 0);
      if (first < 0 || last < first || last > room) return `its values run from offset ${first} to ${last}, but it holds ${room}`;
      if (full) {
        const text = DataType.isUtf8(type) || DataType.isLargeUtf8(type) ? (data.values as Uint8Array | undefined) : undefined;
        const problem = offsetsProblem(offsets, data.length, text);
        if (problem) return problem;
        // Arrow's strings are UTF-8 by definition; writers that validate (parquet-wasm) refuse others.
        if (text && !isUtf8(text.subarray(first, last))) return `its strings are not valid UTF-8 (bytes ${first}–${last} of its data)`;
      }
    }
  }
  if (DataType.isDictionary(type) && data.dictionary) {
    const problem = full ? dataProblem(data.dictionary.data[0]!, full) : undefined;
    if (problem) return problem;
  }
  for (const child of data.children) {
    const problem = dataProblem(child, full);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Why a column's offsets do not step forward, or (strings) one cuts a UTF-8 character in two, or
 * undefined. The data being valid UTF-8 as a whole is not enough: an offset moved back one byte
 * (fuzz case 440: 872 → 871) splits a two-byte character between two values, and parquet-wasm then
 * failed with "incomplete utf-8 byte sequence", naming the output file instead of the input.
 */
const EMPTY = new Uint8Array(0);

function offsetsProblem(offsets: Int32Array | BigInt64Array, length: number, text: Uint8Array | undefined): string | undefined {
  // The common case (a Utf8 column's Int32 offsets) in a monomorphic loop of its own, which only says whether all is
  // well; the loop below says what is wrong.
  if (offsets instanceof Int32Array && text && firstBadTextOffset(offsets, length, text) < 0) return undefined;
  // Large offsets as numbers (byte positions, far below 2^53), so one monomorphic loop checks both kinds.
  const o = offsets instanceof Int32Array ? offsets : Float64Array.from(offsets.subarray(0, length + 1), Number);
  // One pass: a byte 10xxxxxx continues a character, so no string may start on one (empty values at the end
  // start at the end of the data, which is not read).
  const last = o[length]!;
  const bytes = text ?? EMPTY;
  for (let r = 1; r <= length; r++) {
    const at = o[r]!;
    if (at < o[r - 1]!) return `the offset of value ${r} (${at}) is before the one of value ${r - 1} (${o[r - 1]})`;
    if (text && at < last && (bytes[at]! & 0xc0) === 0x80)
      return `value ${r} starts inside a UTF-8 character (its offset ${at} cuts the character before it)`;
  }
  return undefined;
}

/**
 * The first value of a Utf8 column whose offset goes back or starts inside a UTF-8 character, or −1.
 * The whole check of a 1M-row Utf8 column of 12-byte keys (the offsets, then simdutf), best of 15, Node 20,
 * beside a test run: 23-43 ns a row with only the loop below (either kind of offsets, with or without
 * text: polymorphic), 1.9-2.2 with this one. q3 from Arrow spent 111-113 ms of each worker's CPU in the check (profile), 16 ms with it.
 */
function firstBadTextOffset(o: Int32Array, length: number, bytes: Uint8Array): number {
  const last = o[length]!;
  let prev = o[0]!;
  for (let r = 1; r <= length; r++) {
    const at = o[r]!;
    if (at < prev || (at < last && (bytes[at]! & 0xc0) === 0x80)) return r;
    prev = at;
  }
  return -1;
}

/**
 * Whether the null count a header states matches the validity bitmap: Arrow JS trusts the stated
 * count (0 makes it skip the bitmap), writers that validate refuse the batch. Sliced data has its
 * count computed from the bitmap, so only a stated one is compared.
 */
function nullCountProblem(data: Data): string | undefined {
  const stated = (data as unknown as { _nullCount: number })._nullCount;
  const bitmap = data.nullBitmap;
  if (stated === undefined || stated < 0 || !bitmap || bitmap.length === 0 || DataType.isNull(data.type)) return undefined;
  if (bitmap.length * 8 < data.offset + data.length) return `its validity bitmap has ${bitmap.length * 8} bits for ${data.length} values`;
  const valid = countSetBits(bitmap, data.offset, data.offset + data.length);
  if (data.length - valid !== stated) return `its header says ${stated} nulls, its validity bitmap holds ${data.length - valid}`;
  return undefined;
}

/** Set bits from bit `from` to bit `to` (exclusive) of a bitmap: a word-wide popcount, bit by bit only at the ends. */
export function countSetBits(bits: Uint8Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  for (; i < to && (i & 7) !== 0; i++) n += (bits[i >> 3]! >> (i & 7)) & 1;
  if (i >= to) return n;
  let byte = i >> 3;
  const end = to >> 3;
  while (byte < end && (bits.byteOffset + byte) % 4 !== 0) n += popcount32(bits[byte++]!);
  const words = (end - byte) >> 2;
  if (words > 0) {
    const w = new Uint32Array(bits.buffer, bits.byteOffset + byte, words);
    for (let k = 0; k < words; k++) n += popcount32(w[k]!);
    byte += words * 4;
  }
  while (byte < end) n += popcount32(bits[byte++]!);
  for (i = end * 8; i < to; i++) n += (bits[i >> 3]! >> (i & 7)) & 1;
  return n;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

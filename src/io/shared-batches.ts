import { Data, type DataType, makeVector, RecordBatch, type Schema, Struct, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { TypedArray } from '../util/typed-arrays.js';

/**
 * Record batches another thread of this process can read without a copy: each column's buffers as
 * typed arrays over SharedArrayBuffers (postMessage shares their memory, it does not copy it), the
 * layout (offset, length, null count, children, dictionary) as plain numbers, and the types once, as
 * the schema's IPC bytes. Buffers already in shared memory (a result whose tasks wrote it there) are
 * passed as they are; any other buffer is copied once into one SharedArrayBuffer for all of them.
 */

/** One Arrow Data: its layout and buffers, the type left to the schema. */
export interface SharedData {
  offset: number;
  length: number;
  nullCount: number;
  /** valueOffsets, values, nullBitmap, typeIds (Arrow's BufferType order). */
  buffers: Array<TypedArray | undefined>;
  variadic: Uint8Array[];
  children: SharedData[];
  dictionary?: SharedData[];
}

/** Batches of one schema, readable in any thread of this process. */
export interface SharedBatches {
  /** The schema as an IPC stream of no rows. */
  schema: Uint8Array;
  batches: SharedData[];
}

/** Bytes a buffer is aligned to in the shared copy: every typed array's element size divides it. */
const ALIGN = 8;

/** `batches` (of one schema) as SharedBatches, copying the buffers that are not in shared memory yet. */
export function shareBatches(schema: Schema, batches: RecordBatch[]): SharedBatches {
  const own = new Map<TypedArray, TypedArray | undefined>();
  const walk = (d: Data, visit: (a: TypedArray) => void) => {
    for (const a of buffersOf(d)) if (a) visit(a);
    for (const v of d.variadicBuffers) visit(v);
    for (const c of d.children) walk(c, visit);
    for (const c of d.dictionary?.data ?? []) walk(c, visit);
  };
  let bytes = 0;
  for (const b of batches)
    walk(b.data, (a) => {
      if (!(a.buffer instanceof SharedArrayBuffer) && !own.has(a)) {
        own.set(a, undefined);
        bytes += Math.ceil(a.byteLength / ALIGN) * ALIGN;
      }
    });
  if (bytes > 0) {
    const shared = new SharedArrayBuffer(bytes);
    let at = 0;
    for (const a of own.keys()) {
      const copy = new (a.constructor as new (b: SharedArrayBuffer, o: number, n: number) => TypedArray)(shared, at, a.length);
      copy.set(a as never);
      own.set(a, copy);
      at += Math.ceil(a.byteLength / ALIGN) * ALIGN;
    }
  }
  const shareOf = (a: TypedArray) => own.get(a) ?? a;
  const describe = (d: Data): SharedData => ({
    offset: d.offset,
    length: d.length,
    nullCount: d.nullCount,
    buffers: buffersOf(d).map((a) => a && shareOf(a)),
    variadic: d.variadicBuffers.map((v) => shareOf(v) as Uint8Array),
    children: d.children.map(describe),
    dictionary: d.dictionary?.data.map(describe),
  });
  return { schema: tableToIPC(new Table(schema), 'stream'), batches: batches.map((b) => describe(b.data)) };
}

/** The batches of `shared` as Arrow JS record batches over the same memory. */
export function batchesOfShared(shared: SharedBatches): RecordBatch[] {
  const schema = tableFromIPC(shared.schema).schema;
  const struct = new Struct(schema.fields);
  return shared.batches.map((d) => new RecordBatch(schema, dataOf(struct, d) as Data<Struct>));
}

function dataOf(type: DataType, d: SharedData): Data {
  const children = d.children.map((c, i) => dataOf(type.children[i]!.type, c));
  const dictionary =
    d.dictionary && makeVector(d.dictionary.map((c) => dataOf((type as DataType & { dictionary: DataType }).dictionary, c)));
  return new Data(type, d.offset, d.length, d.nullCount, d.buffers as never, children, dictionary, d.variadic);
}

/** A Data's own buffers in Arrow's BufferType order (none of its children's), as Arrow JS holds them. */
const rawBuffersOf = (d: Data): unknown[] => [d.valueOffsets, d.values, d.nullBitmap, d.typeIds];

/** A Data's own buffers that are typed arrays, in Arrow's BufferType order. */
function buffersOf(d: Data): Array<TypedArray | undefined> {
  return rawBuffersOf(d).map((a) => (ArrayBuffer.isView(a) ? (a as TypedArray) : undefined));
}

/** True when a batch's data can be described so: every buffer a typed array (no JS arrays). */
export function isShareable(batch: RecordBatch): boolean {
  const ok = (d: Data): boolean =>
    rawBuffersOf(d).every((a) => a == null || ArrayBuffer.isView(a)) && d.children.every(ok) && (d.dictionary?.data.every(ok) ?? true);
  return ok(batch.data);
}

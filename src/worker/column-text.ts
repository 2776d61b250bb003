import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { dataOf, wrongType } from './column-kind.js';
import { validityOf } from './column-validity.js';

/**
 * `ctx.strings`: the values of a text column — Utf8, LargeUtf8, Utf8View (Polars' layout) or a
 * dictionary of any of them — as JS strings, decoded once per batch. Nulls become '' (what jobs
 * written before validity existed rely on); `ctx.valid` or `ctx.values` tell them apart.
 */
export function columnStrings(batch: RecordBatch, name: string): string[] {
  const data = dataOf(batch, name);
  const out = textOf(data, name);
  if (data.nullCount > 0) {
    const valid = validityOf(data);
    for (let i = 0; i < out.length; i++) if (!valid(i)) out[i] = '';
  }
  return out;
}

/** The strings of text data of any layout (null slots hold whatever the layout stores there). */
export function textOf(data: Data, name: string): string[] {
  const t = data.type;
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return offsetStrings(data);
  if (DataType.isUtf8View(t)) return viewStrings(data);
  if (DataType.isDictionary(t)) return dictionaryStrings(data, name);
  throw wrongType('ctx.strings', name, data, 'strings');
}

/** Utf8 and LargeUtf8 (32- or 64-bit offsets into one byte buffer). */
function offsetStrings(data: Data): string[] {
  const n = data.length;
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  const values = data.values as Uint8Array;
  const base = Number(offsets[0]);
  const bytes = Buffer.from(values.buffer, values.byteOffset + base, Number(offsets[n]) - base);
  const out = new Array<string>(n);
  const all = bytes.toString('utf8');
  if (all.length === bytes.length) {
    // Pure ASCII: byte offsets are character offsets, so one decode serves every value.
    for (let i = 0; i < n; i++) out[i] = all.slice(Number(offsets[i]) - base, Number(offsets[i + 1]) - base);
  } else {
    for (let i = 0; i < n; i++) out[i] = bytes.toString('utf8', Number(offsets[i]) - base, Number(offsets[i + 1]) - base);
  }
  return out;
}

/** Bytes per view of a Utf8View / BinaryView column; strings up to 12 bytes live inside their view. */
const VIEW = 16;
const INLINE = 12;

/** Utf8View: 16-byte views, each holding a short string or (buffer, offset) of a long one. */
function viewStrings(data: Data): string[] {
  const views = data.values as Uint8Array;
  const head = new DataView(views.buffer, views.byteOffset, views.byteLength);
  const viewBytes = Buffer.from(views.buffer, views.byteOffset, views.byteLength);
  const buffers = data.variadicBuffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    const at = i * VIEW;
    const size = head.getInt32(at, true);
    if (size <= INLINE) out[i] = size <= 0 ? '' : viewBytes.toString('utf8', at + 4, at + 4 + size);
    else {
      const start = head.getInt32(at + 12, true);
      out[i] = buffers[head.getInt32(at + 8, true)]!.toString('utf8', start, start + size);
    }
  }
  return out;
}

/** A dictionary of text: each dictionary string decoded once, then looked up by index. */
function dictionaryStrings(data: Data, name: string): string[] {
  const dict = data.dictionary!;
  if (!dict.data.every((d) => DataType.isUtf8(d.type) || DataType.isLargeUtf8(d.type) || DataType.isUtf8View(d.type)))
    throw wrongType('ctx.strings', name, data, 'strings');
  const words = dict.data.flatMap((d) => textOf(d, name));
  const idx = data.values as ArrayLike<number | bigint>;
  const out = new Array<string>(data.length);
  if (idx instanceof BigInt64Array || idx instanceof BigUint64Array)
    for (let i = 0; i < data.length; i++) out[i] = words[Number(idx[i])] ?? '';
  else for (let i = 0; i < data.length; i++) out[i] = words[idx[i] as number] ?? '';
  return out;
}

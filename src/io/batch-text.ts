import { DataType, makeVector, type Data, type RecordBatch } from 'apache-arrow';
import { cellValue, csvQuote } from './text-formats.js';

/**
 * Record batches as CSV or NDJSON text, column by column: each column's cells become JS strings once
 * (numbers with String(), dictionary text decoded once per dictionary), then rows are joined. This is
 * what `quiver convert` workers run per batch; it avoids Arrow's per-cell `get(i)`.
 */

type Cells = (i: number) => string | null;

/** The cells of one column chunk as text (null for nulls); `json` quotes strings as JSON does. */
function cellsOf(data: Data, json: boolean): Cells {
  const t = data.type;
  const valid = data.nullCount > 0 ? (i: number) => data.getValid(i) : undefined;
  let get: Cells;
  if (DataType.isInt(t) && t.bitWidth <= 32) {
    const v = data.values as Int32Array;
    get = (i) => String(v[i]);
  } else if (DataType.isFloat(t)) {
    const v = data.values as Float64Array;
    get = (i) => (Number.isFinite(v[i]!) ? String(v[i]) : json ? null : String(v[i]));
  } else if (DataType.isUtf8(t) || DataType.isDictionary(t)) {
    const words = DataType.isDictionary(t) ? data.dictionary!.toArray() as string[] : undefined;
    const idx = words ? (data.values as Int32Array) : undefined;
    const offsets = words ? undefined : (data.valueOffsets as Int32Array);
    const bytes = words ? undefined : Buffer.from((data.values as Uint8Array).buffer, (data.values as Uint8Array).byteOffset, (data.values as Uint8Array).byteLength);
    const raw = words ? (i: number) => words[idx![i]!]! : (i: number) => bytes!.toString('utf8', offsets![i]!, offsets![i + 1]!);
    get = json ? (i) => JSON.stringify(raw(i)) : (i) => csvQuote(raw(i));
  } else if (DataType.isBool(t)) {
    const v = data.values as Uint8Array;
    const off = data.offset;
    get = (i) => ((v[(off + i) >> 3]! >> ((off + i) & 7)) & 1 ? 'true' : 'false');
  } else {
    // Anything else (64-bit integers, dates, nested): Arrow's own accessor, formatted as the sinks do.
    return genericCells(data, json);
  }
  return valid ? (i) => (valid(i) ? get(i) : null) : get;
}

function genericCells(data: Data, json: boolean): Cells {
  const vector = makeVector(data);
  return (i) => {
    if (!data.getValid(i)) return null;
    const c = cellValue(vector.get(i));
    if (c === null || c === undefined) return null;
    if (json) return JSON.stringify(c);
    return csvQuote(typeof c === 'object' ? JSON.stringify(c) : String(c));
  };
}

/** The rows of a batch as CSV lines (no header); nulls are empty fields, empty strings `""`. */
export function batchToCsv(batch: RecordBatch): string {
  const cols = batch.schema.fields.map((_, j) => cellsOf(batch.getChildAt(j)!.data[0]!, false));
  let out = '';
  for (let i = 0; i < batch.numRows; i++) {
    let line = '';
    for (let j = 0; j < cols.length; j++) {
      if (j > 0) line += ',';
      line += cols[j]!(i) ?? '';
    }
    out += line + '\n';
  }
  return out;
}

/** The rows of a batch as JSON lines. */
export function batchToNdjson(batch: RecordBatch): string {
  const names = batch.schema.fields.map((f) => JSON.stringify(f.name));
  const cols = batch.schema.fields.map((_, j) => cellsOf(batch.getChildAt(j)!.data[0]!, true));
  let out = '';
  for (let i = 0; i < batch.numRows; i++) {
    let line = '{';
    for (let j = 0; j < cols.length; j++) line += `${j > 0 ? ',' : ''}${names[j]}:${cols[j]!(i) ?? 'null'}`;
    out += line + '}\n';
  }
  return out;
}

import { DataType, makeVector, type Data, type RecordBatch } from 'apache-arrow';
import { joinKey, UsageError, type Key } from 'quiver';

/**
 * Join keys: the value of one key column, or of several joined with joinKey, in a canonical form so
 * both sides compare by value. Numbers are numbers (int32 3, int64 3 and 3.0 are one key; 64-bit
 * integers beyond 2^53 lose precision); text that spells a number the way JS prints it ("42", not
 * "042") is that number, so a CSV column of ids joins an integer one; other text is itself. A null
 * or NaN in any key column makes no key (undefined): it never matches, as in SQL.
 */
export type RowKey = Key | undefined;

/** The keys of a batch's rows, from the columns `names` (`param` names the param, for errors). */
export function batchKeys(batch: RecordBatch, names: string[], param: string, where: string): RowKey[] {
  const parts = names.map((name) => {
    const column = batch.getChild(name);
    if (!column) throw new UsageError(`--param ${param}: no column "${name}" in ${where} (it has ${batch.schema.fields.map((f) => f.name).join(', ')})`);
    return columnKeys(column.data[0]!);
  });
  if (parts.length === 1) return parts[0]!;
  return parts[0]!.map((_, i) => {
    const p = parts.map((col) => col[i]);
    return p.includes(undefined) ? undefined : joinKey(...(p as Key[]));
  });
}

/** The canonical keys of one column's values. */
function columnKeys(data: Data): RowKey[] {
  const n = data.length;
  const t = data.type;
  const hasNulls = data.nullCount > 0;
  const valid = (i: number) => !hasNulls || data.getValid(i);
  const out = new Array<RowKey>(n);
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isDate(t) || DataType.isTimestamp(t) || DataType.isTime(t)) {
    const values = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) {
      const x = Number(values[i]!) + 0; // + 0 makes −0 the key 0
      out[i] = x === x && valid(i) ? x : undefined;
    }
  } else if (DataType.isUtf8(t)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength);
    for (let i = 0; i < n; i++) out[i] = valid(i) ? canonical(bytes.toString('utf8', offsets[i]!, offsets[i + 1]!)) : undefined;
  } else {
    // Dictionaries (decoded), booleans and the rest: their JS values, as text unless they are numbers.
    const vector = makeVector(data);
    for (let i = 0; i < n; i++) {
      const v = valid(i) ? vector.get(i) : null;
      out[i] = v === null || v === undefined ? undefined : typeof v === 'number' ? (v === v ? v + 0 : undefined) : canonical(String(v));
    }
  }
  return out;
}

/** Text as its key: the number it spells, if it spells one canonically, else the text. */
function canonical(s: string): Key {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45) {
    const x = Number(s);
    if (String(x) === s) return x;
  }
  return s;
}

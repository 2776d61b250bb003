import { DataType, DateUnit, Precision, TimeUnit, makeVector, type Data, type RecordBatch } from 'apache-arrow';
import { joinKey, UsageError, type Key } from 'quiver-engine';

/**
 * Join keys: the value of one key column, or of several joined with joinKey, in a canonical form so
 * both sides compare by value. Numbers are numbers (int32 3, int64 3 and 3.0 are one key), except
 * integers beyond ±2^53, which a JS number cannot tell from their neighbours: those are their exact
 * decimal text, from a 64-bit integer or a float alike. Text that spells a number the way JS prints it
 * ("42", not "042") is that number (its decimal text beyond 2^53), so a CSV column of ids joins an
 * integer one; other text is itself. A null or NaN in any key column makes no key (undefined): it
 * never matches, as in SQL.
 *
 * Dates, timestamps, times and durations are counts of their unit; where the two sides' units differ,
 * `units` gives the unit (in nanoseconds) both are counted in, so they compare by instant (see
 * join/check.ts).
 */
export type RowKey = Key | undefined;

/**
 * The keys of a batch's rows, from the columns `names` (`param` names the param, for errors); `units[j]` > 0
 * counts time column j in that unit.
 */
export function batchKeys(batch: RecordBatch, names: string[], param: string, where: string, units: number[] = []): RowKey[] {
  const parts = names.map((name, j) => {
    const column = batch.getChild(name);
    if (!column)
      throw missingColumn(
        param,
        name,
        where,
        batch.schema.fields.map((f) => f.name),
      );
    return columnKeys(column.data[0]!, units[j] ?? 0);
  });
  if (parts.length === 1) return parts[0]!;
  return parts[0]!.map((_, i) => {
    const p = parts.map((col) => col[i]);
    return p.includes(undefined) ? undefined : joinKey(...(p as Key[]));
  });
}

/** The error for a key column an input does not have. */
export function missingColumn(param: string, name: string, where: string, has: string[]): UsageError {
  const fix =
    param === 'on' ? 'name a column of the left input (-i) with on' : 'name a column of the right input with rightOn (it defaults to on)';
  return new UsageError(`--param ${param}: no column "${name}" in ${where} (it has ${has.join(', ')}); ${fix}`);
}

/** Nanoseconds per unit of TimeUnit.SECOND … NANOSECOND. */
const NANOS = { [TimeUnit.SECOND]: 1e9, [TimeUnit.MILLISECOND]: 1e6, [TimeUnit.MICROSECOND]: 1e3, [TimeUnit.NANOSECOND]: 1 };

/**
 * What a time-like column counts: instants (dates and timestamps), times of day or durations, and the
 * nanoseconds in its unit; undefined for other types.
 */
export function timeUnitOf(t: DataType): { kind: 'instant' | 'time of day' | 'duration'; nanos: number } | undefined {
  if (DataType.isTimestamp(t)) return { kind: 'instant', nanos: NANOS[t.unit] };
  if (DataType.isDate(t)) return { kind: 'instant', nanos: t.unit === DateUnit.DAY ? 86_400e9 : 1e6 };
  if (DataType.isTime(t)) return { kind: 'time of day', nanos: NANOS[t.unit] };
  if (DataType.isDuration(t)) return { kind: 'duration', nanos: NANOS[t.unit] };
  return undefined;
}

/** The canonical keys of one column's values; a time-like column is counted in `unit` ns when that is > 0. */
function columnKeys(data: Data, unit: number): RowKey[] {
  const n = data.length;
  const t = data.type;
  const hasNulls = data.nullCount > 0;
  const valid = (i: number) => !hasNulls || data.getValid(i);
  const out = new Array<RowKey>(n);
  const time = timeUnitOf(t);
  if (DataType.isInt(t) || (DataType.isFloat(t) && t.precision !== Precision.HALF) || time) {
    const values = data.values as ArrayLike<number | bigint>;
    // How many of `unit` one of the column's units is: whole, since `unit` is the finer of the two sides'.
    const scale = time && unit > 0 ? time.nanos / unit : 1;
    if (scale === 1) for (let i = 0; i < n; i++) out[i] = valid(i) ? numberKey(values[i]!) : undefined;
    else for (let i = 0; i < n; i++) out[i] = valid(i) ? scaledKey(values[i]!, scale) : undefined;
  } else if (DataType.isUtf8(t)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, data.values.byteLength);
    for (let i = 0; i < n; i++) out[i] = valid(i) ? canonical(bytes.toString('utf8', offsets[i]!, offsets[i + 1]!)) : undefined;
  } else {
    // Dictionaries (decoded), booleans and the rest: their JS values, as text unless they are numbers.
    const vector = makeVector(data);
    for (let i = 0; i < n; i++) {
      const v = valid(i) ? vector.get(i) : null;
      out[i] = v === null || v === undefined ? undefined : typeof v === 'number' ? numberKey(v) : canonical(String(v));
    }
  }
  return out;
}

/** Text as its key: the number it spells, if it spells one canonically, else the text. */
function canonical(s: string): Key {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45) {
    const x = Number(s);
    if (String(x) === s) return numberKey(x)!;
  }
  return s;
}

/** A number's key: itself within ±2^53 (−0 as 0), its exact decimal text beyond, none for NaN. */
function numberKey(v: number | bigint): RowKey {
  const x = Number(v) + 0;
  if (x <= Number.MAX_SAFE_INTEGER && x >= -Number.MAX_SAFE_INTEGER) return x;
  if (x !== x) return undefined;
  // Past 2^53 every float is an integer; rounding is monotonic, so only values truly past it get here.
  return typeof v === 'bigint' ? v.toString() : Number.isFinite(x) ? BigInt(x).toString() : x;
}

/** The key of an integer count of units times `scale`, exact whatever its size. */
function scaledKey(v: number | bigint, scale: number): RowKey {
  const x = Number(v) * scale;
  if (x <= Number.MAX_SAFE_INTEGER && x >= -Number.MAX_SAFE_INTEGER) return x + 0;
  return (BigInt(v) * BigInt(scale)).toString();
}

import {
  Bool,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Schema,
  TimeMicrosecond,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  type DataType,
} from 'apache-arrow';
import { UsageError } from '../errors.js';

/** Units of a timestamp, as written in type names (`timestamp[ns]`). */
export type TimeUnitName = 's' | 'ms' | 'us' | 'ns';

/**
 * The column types the text readers (CSV, NDJSON) decode into, by canonical name: plain data, so it
 * travels inside splits. `dict` is a dictionary-encoded string column (Int32 indices into a per-batch
 * dictionary of Utf8 values), used for low-cardinality text; `date` is Date32 (days), `time` is
 * Time64 in microseconds (DuckDB's TIME); a timestamp names its unit and, when it has one, its zone;
 * `list<item>` is a List of an item type, which NDJSON arrays are read as.
 */
export type ColumnType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'utf8'
  | 'dict'
  | 'date'
  | 'time'
  | `timestamp[${TimeUnitName}]`
  | `timestamp[${TimeUnitName}, ${string}]`
  | `decimal(${number},${number})`
  | `list<${string}>`;

/** One column of a text input: its name and type. Plain data, so it travels inside splits. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** The type was inferred from a sample (not given): a later value that does not fit widens it instead of being a bad record. */
  inferred?: boolean;
}

/** A column type taken apart, for the code that builds and parses values. */
export type TypeInfo =
  | { kind: 'int'; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { kind: 'float'; bits: 32 | 64 }
  | { kind: 'bool' }
  | { kind: 'utf8' }
  | { kind: 'dict' }
  | { kind: 'date' }
  | { kind: 'time' }
  | { kind: 'timestamp'; unit: TimeUnitName; tz?: string }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'list'; item: ColumnType };

const ALIASES: Record<string, ColumnType> = {
  int8: 'int8',
  tinyint: 'int8',
  int16: 'int16',
  smallint: 'int16',
  short: 'int16',
  int32: 'int32',
  int: 'int32',
  integer: 'int32',
  int64: 'int64',
  bigint: 'int64',
  long: 'int64',
  uint8: 'uint8',
  utinyint: 'uint8',
  uint16: 'uint16',
  usmallint: 'uint16',
  uint32: 'uint32',
  uinteger: 'uint32',
  uint64: 'uint64',
  ubigint: 'uint64',
  float32: 'float32',
  real: 'float32',
  // `float` meant float64 before float32 existed here; it keeps that meaning (DuckDB's FLOAT is float32: say `float32`).
  float64: 'float64',
  float: 'float64',
  double: 'float64',
  number: 'float64',
  bool: 'bool',
  boolean: 'bool',
  utf8: 'utf8',
  string: 'utf8',
  str: 'utf8',
  text: 'utf8',
  varchar: 'utf8',
  dict: 'dict',
  dictionary: 'dict',
  category: 'dict',
  categorical: 'dict',
  date: 'date',
  date32: 'date',
  time: 'time',
  time64: 'time',
  timestamp: 'timestamp[us]',
  datetime: 'timestamp[us]',
  timestamptz: 'timestamp[us, UTC]',
  'timestamp with time zone': 'timestamp[us, UTC]',
  timestamp_s: 'timestamp[s]',
  timestamp_ms: 'timestamp[ms]',
  timestamp_us: 'timestamp[us]',
  timestamp_ns: 'timestamp[ns]',
};

/** Every spelling users may give, for the error that lists them. */
export const TYPE_NAMES =
  'int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, bool, utf8 (string), dict, date, time, timestamp, ' +
  "timestamp[s|ms|us|ns], timestamp[us, UTC] (any zone), decimal(p,s) with p ≤ 38, and DuckDB's names (BIGINT, DOUBLE, VARCHAR, " +
  'TIMESTAMPTZ, …)';

/**
 * Parses a type name as users write it: `int64`, `float64`, `string`, `date`, `timestamp[ns, UTC]`,
 * `decimal(15,2)`, DuckDB's `BIGINT`, ….
 */
export function parseColumnType(text: string, option = '--column'): ColumnType {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const alias = ALIASES[t];
  if (alias) return alias;
  const ts = /^timestamp ?[[(] ?(s|ms|us|µs|ns) ?(?:, ?(.+?))? ?[\])]$/.exec(t);
  if (ts) {
    const unit = (ts[1] === 'µs' ? 'us' : ts[1]) as TimeUnitName;
    if (!ts[2]) return `timestamp[${unit}]`;
    // Zone names keep their case (Europe/Paris); utc and z are UTC.
    const zone = /^(utc|z|\+00:?00)$/.test(ts[2])
      ? 'UTC'
      : text
          .trim()
          .replace(/^.*?,\s*/, '')
          .replace(/\s*[\])]$/, '');
    return `timestamp[${unit}, ${zone}]`;
  }
  const dec = /^(?:decimal|numeric) ?\( ?(\d+) ?(?:, ?(\d+) ?)?\)$/.exec(t);
  if (dec) {
    const precision = Number(dec[1]);
    const scale = Number(dec[2] ?? 0);
    if (precision < 1 || precision > 38 || scale > precision)
      throw new UsageError(
        `${option}: "${text}" is not a decimal quiver reads: precision 1 to 38, scale 0 to the precision (e.g. decimal(15,2))`,
      );
    return `decimal(${precision},${scale})`;
  }
  if (t === 'decimal' || t === 'numeric') return 'decimal(18,3)'; // DuckDB's default
  throw new UsageError(`${option}: unknown column type "${text}"; use one of ${TYPE_NAMES}`);
}

/** Parses `name:type` pairs from `--column` flags. */
export function parseColumnFlags(flags: string[]): ColumnSpec[] {
  return flags.map((f) => {
    // The type may hold a colon (`timestamp[us, Europe/Paris]` does not, but `d:decimal(15,2)` has one before it):
    // split at the first colon after which a type parses.
    const at = f.indexOf(':');
    if (at <= 0) throw new UsageError(`--column must look like name:type (e.g. --column price:float64), got "${f}"`);
    const last = f.lastIndexOf(':');
    const cut = last !== at && !/[[(]/.test(f.slice(at + 1, last)) ? last : at;
    return { name: f.slice(0, cut), type: parseColumnType(f.slice(cut + 1)) };
  });
}

/** A column type taken apart. */
export function typeInfo(type: ColumnType): TypeInfo {
  switch (type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return { kind: 'int', bits: Number(type.slice(3)) as 8 | 16 | 32 | 64, signed: true };
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return { kind: 'int', bits: Number(type.slice(4)) as 8 | 16 | 32 | 64, signed: false };
    case 'float32':
      return { kind: 'float', bits: 32 };
    case 'float64':
      return { kind: 'float', bits: 64 };
    case 'bool':
    case 'utf8':
    case 'dict':
    case 'date':
    case 'time':
      return { kind: type };
  }
  const ts = /^timestamp\[(s|ms|us|ns)(?:, (.+))?\]$/.exec(type);
  if (ts) return ts[2] ? { kind: 'timestamp', unit: ts[1] as TimeUnitName, tz: ts[2] } : { kind: 'timestamp', unit: ts[1] as TimeUnitName };
  if (type.startsWith('list<')) return { kind: 'list', item: type.slice(5, -1) as ColumnType };
  const dec = /^decimal\((\d+),(\d+)\)$/.exec(type)!;
  return { kind: 'decimal', precision: Number(dec[1]), scale: Number(dec[2]) };
}

const UNITS: Record<TimeUnitName, TimeUnit> = {
  s: TimeUnit.SECOND,
  ms: TimeUnit.MILLISECOND,
  us: TimeUnit.MICROSECOND,
  ns: TimeUnit.NANOSECOND,
};

/** The Arrow type of a column type. Dictionary fields get a fresh dictionary id each call. */
export function arrowTypeOf(type: ColumnType): DataType {
  const t = typeInfo(type);
  switch (t.kind) {
    case 'int': {
      const C = t.signed ? { 8: Int8, 16: Int16, 32: Int32, 64: Int64 }[t.bits] : { 8: Uint8, 16: Uint16, 32: Uint32, 64: Uint64 }[t.bits];
      return new C();
    }
    case 'float':
      return t.bits === 32 ? new Float32() : new Float64();
    case 'bool':
      return new Bool();
    case 'utf8':
      return new Utf8();
    case 'dict':
      return new Dictionary(new Utf8(), new Int32());
    case 'date':
      return new DateDay();
    case 'time':
      return new TimeMicrosecond();
    case 'timestamp':
      return new Timestamp(UNITS[t.unit], t.tz ?? null);
    case 'decimal':
      return new Decimal(t.scale, t.precision, 128);
    case 'list':
      return new List(new Field('item', arrowTypeOf(t.item), true));
  }
}

/** An Arrow schema for columns (all nullable). */
export function schemaOfColumns(columns: ColumnSpec[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowTypeOf(c.type), true)));
}

/** The column type of an Arrow type, when it is one the text readers and writers know. */
export function columnTypeOfArrow(type: DataType): ColumnType | undefined {
  const s = String(type);
  const simple: Record<string, ColumnType> = {
    Int8: 'int8',
    Int16: 'int16',
    Int32: 'int32',
    Int64: 'int64',
    Uint8: 'uint8',
    Uint16: 'uint16',
    Uint32: 'uint32',
    Uint64: 'uint64',
    Float32: 'float32',
    Float64: 'float64',
    Bool: 'bool',
    Utf8: 'utf8',
    'Date32<DAY>': 'date',
    'Time64<MICROSECOND>': 'time',
  };
  if (simple[s]) return simple[s];
  if (s.startsWith('Dictionary<') && s.endsWith('Utf8>')) return 'dict';
  if (type instanceof Timestamp) {
    const unit = (['s', 'ms', 'us', 'ns'] as const)[type.unit]!;
    return type.timezone ? `timestamp[${unit}, ${type.timezone}]` : `timestamp[${unit}]`;
  }
  if (type instanceof Decimal && type.bitWidth === 128) return `decimal(${type.precision},${type.scale})`;
  return undefined;
}

import { Bool, Dictionary, Field, Float64, Int32, Schema, Utf8, type DataType } from 'apache-arrow';
import { UsageError } from '../errors.js';

/**
 * The column types the text readers (CSV, NDJSON) decode into. `dict` is a dictionary-encoded string
 * column (Int32 indices into a per-batch dictionary of Utf8 values), used for low-cardinality text.
 */
export type ColumnType = 'int32' | 'float64' | 'bool' | 'utf8' | 'dict';

/** One column of a text input: its name and type. Plain data, so it travels inside splits. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

const ALIASES: Record<string, ColumnType> = {
  int32: 'int32', int: 'int32', integer: 'int32',
  float64: 'float64', float: 'float64', double: 'float64', number: 'float64',
  bool: 'bool', boolean: 'bool',
  utf8: 'utf8', string: 'utf8', str: 'utf8', text: 'utf8',
  dict: 'dict', dictionary: 'dict', category: 'dict',
};

/** Parses a type name as users write it (`int32`, `float64`, `double`, `bool`, `utf8`, `string`, `dict`). */
export function parseColumnType(text: string, option = '--column'): ColumnType {
  const t = ALIASES[text.trim().toLowerCase()];
  if (!t) throw new UsageError(`${option}: unknown column type "${text}"; use int32, float64, bool, utf8 or dict`);
  return t;
}

/** Parses `name:type` pairs from `--column` flags. */
export function parseColumnFlags(flags: string[]): ColumnSpec[] {
  return flags.map((f) => {
    const at = f.lastIndexOf(':');
    if (at <= 0) throw new UsageError(`--column must look like name:type (e.g. --column price:float64), got "${f}"`);
    return { name: f.slice(0, at), type: parseColumnType(f.slice(at + 1)) };
  });
}

/** The Arrow type of a column type. Dictionary fields get a fresh dictionary id each call. */
export function arrowTypeOf(type: ColumnType): DataType {
  switch (type) {
    case 'int32':
      return new Int32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'utf8':
      return new Utf8();
    case 'dict':
      return new Dictionary(new Utf8(), new Int32());
  }
}

/** An Arrow schema for columns (all nullable). */
export function schemaOfColumns(columns: ColumnSpec[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowTypeOf(c.type), true)));
}

/** The column type of an Arrow type, when it is one the text readers and writers know. */
export function columnTypeOfArrow(type: DataType): ColumnType | undefined {
  const s = String(type);
  if (s === 'Int32') return 'int32';
  if (s === 'Float64') return 'float64';
  if (s === 'Bool') return 'bool';
  if (s === 'Utf8') return 'utf8';
  if (s.startsWith('Dictionary<') && s.endsWith('Utf8>')) return 'dict';
  return undefined;
}

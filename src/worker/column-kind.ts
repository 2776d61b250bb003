import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { TaskError } from '../errors.js';

/**
 * The families of Arrow types the job API reads, each with the `ctx` calls that fit it. One table, so
 * that every accessor's error names the calls that do fit, instead of pointing at one another.
 */
export type ColumnKind = 'number' | 'int64' | 'decimal' | 'date' | 'time' | 'bool' | 'text' | 'bytes' | 'nested' | 'null' | 'other';

const FITTING: Record<ColumnKind, string> = {
  number: 'ctx.column (numbers), ctx.values',
  int64: 'ctx.bigints (exact), ctx.column (numbers within ±2^53), ctx.values (bigints)',
  decimal: 'ctx.decimals (exact), ctx.column (nearest numbers), ctx.values (exact text)',
  date: 'ctx.dates (Date objects), ctx.column (epoch milliseconds), ctx.bigints (stored integers), ctx.values',
  time: 'ctx.column (milliseconds), ctx.bigints (stored integers), ctx.values',
  bool: 'ctx.booleans, ctx.values',
  text: 'ctx.strings, ctx.values',
  bytes: 'ctx.values (Uint8Array per row)',
  nested: 'ctx.values (arrays, objects, [key, value] entries)',
  null: 'ctx.values (every row is null)',
  other: 'ctx.values',
};

/** The family of an Arrow type (a dictionary is the family of its values). */
export function kindOf(type: DataType): ColumnKind {
  if (DataType.isDictionary(type)) return kindOf(type.dictionary);
  if (DataType.isInt(type)) return type.bitWidth === 64 ? 'int64' : 'number';
  if (DataType.isFloat(type)) return 'number';
  if (DataType.isDecimal(type)) return 'decimal';
  if (DataType.isDate(type) || DataType.isTimestamp(type)) return 'date';
  if (DataType.isTime(type) || DataType.isDuration(type)) return 'time';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return 'text';
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isBinaryView(type) || DataType.isFixedSizeBinary(type))
    return 'bytes';
  if (
    DataType.isList(type) ||
    DataType.isLargeList(type) ||
    DataType.isFixedSizeList(type) ||
    DataType.isStruct(type) ||
    DataType.isMap(type)
  )
    return 'nested';
  if (DataType.isNull(type)) return 'null';
  return 'other';
}

/** The one chunk of a batch's column, or an error that lists the columns there are. */
export function dataOf(batch: RecordBatch, name: string): Data {
  const child = batch.getChild(name);
  if (!child) {
    const have = batch.schema.fields.map((f) => f.name).join(', ');
    throw columnError(
      `no column "${name}" in the input (columns: ${have}); check the column name, --columns or --param`,
      `no column "${name}"`,
    );
  }
  return child.data[0]!;
}

/**
 * The error of a `ctx` call on a column of a type it does not read: names the column, its type, and
 * the calls that read that type.
 */
export function wrongType(call: string, name: string, data: Data, wants: string): TaskError {
  const t = data.type;
  const kind = kindOf(t);
  // A dictionary is read as its values only when they are text; other dictionaries through ctx.values.
  const fits = DataType.isDictionary(t) && kind !== 'text' ? FITTING.other : FITTING[kind];
  return columnError(
    `${call}(batch, '${name}'): column "${name}" has type ${t}, not ${wants}; for ${t} use ${fits}`,
    `column "${name}" is ${t}`,
  );
}

/** A TaskError of the map phase about a column, as user code that misread it would raise. */
export function columnError(message: string, short: string): TaskError {
  return new TaskError('map', message, { name: 'ColumnError', message: short });
}

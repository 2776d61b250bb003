import { Decimal, Float64, Int64, DataType, Precision, type Field } from 'apache-arrow';
import { UsageError, didYouMean } from 'quiver-engine';
import type { Agg, ColumnKind } from './types.js';
import { isNestedKey } from '../shared/nested-image.js';
import { isNumeric, kindOf, scaleOf } from './values.js';

/**
 * The groupby driver's view of the input's schema: the fields of the key and value columns (one type
 * per column across every file), the kind of each value column for the workers' plan, and the type
 * of each output column, SQL's:
 *
 *   count, count:col                   Int64 (BIGINT)
 *   sum of floats                      Float64
 *   sum of integers of ≤ 32 bits       Int64 (exact; DuckDB's HUGEINT holds the same values)
 *   sum of Int64 / UInt64              Decimal128(38, 0) (exact, as DuckDB's HUGEINT)
 *   sum of DECIMAL(p, s)               Decimal128(38, s); Decimal256(76, s) when p > 38 (a Decimal256 of
 *                                      up to 38 digits is DuckDB's DECIMAL(p, s), whose sum is DECIMAL(38, s))
 *   min, max                           the column's own type (dates, timestamps with unit and zone, intervals, …)
 *   mean, median, sd, r2, top, range   Float64
 */

/** The field of each named column, checked to exist with one type in every file. */
export function fieldsOf(schemas: Array<{ file: string; schema: { fields: Field[] } }>, names: string[]): Map<string, Field> {
  const out = new Map<string, Field>();
  for (const name of names) {
    for (const { file, schema } of schemas) {
      const f = schema.fields.find((x) => x.name === name);
      if (!f) {
        const have = schema.fields.map((x) => x.name);
        throw new UsageError(
          `groupby: no column "${name}" in ${file}${didYouMean(name, have)} (it has ${have.join(', ')}); name columns of the input in ` +
            `--param by and --param agg`,
        );
      }
      const seen = out.get(name);
      if (!seen) out.set(name, f);
      else if (String(seen.type) !== String(f.type) && !(DataType.isDictionary(seen.type) || DataType.isDictionary(f.type))) {
        throw new UsageError(
          `groupby: column "${name}" is ${seen.type} in one file and ${f.type} in ${file}; give every file of the input the same type ` +
            `for it`,
        );
      }
    }
  }
  return out;
}

/**
 * Where a column's type came from, for messages: a file whose bytes were mutated or mistyped can turn
 * a numeric column into text, and the error must say which file (e.g. `data.csv`, or `a.csv and 3 more files`).
 */
export function inputsText(schemas: Array<{ file: string }>): string {
  if (schemas.length === 0) return 'the input';
  return schemas.length === 1 ? schemas[0]!.file : `${schemas[0]!.file} and ${schemas.length - 1} more file(s)`;
}

/**
 * Checks that every key column has a type groupby keys by: the primitive types, intervals, and lists
 * and structs of integers, floats, text and booleans (not maps, unions, nor nested dates or decimals).
 */
export function checkKeys(by: string[], fields: Map<string, Field>, where = 'the input'): void {
  for (const name of by) {
    const t = fields.get(name)!.type;
    const v = DataType.isDictionary(t) ? t.dictionary : t;
    const ok =
      DataType.isUtf8(v) ||
      DataType.isLargeUtf8(v) ||
      DataType.isUtf8View(v) ||
      DataType.isBinary(v) ||
      DataType.isLargeBinary(v) ||
      DataType.isBinaryView(v) ||
      DataType.isFixedSizeBinary(v) ||
      DataType.isBool(v) ||
      DataType.isNull(v) ||
      isNestedKey(v) ||
      kindOf(v) !== undefined;
    if (!ok)
      throw new UsageError(
        `--param by: groupby cannot group by column "${name}" of type ${t} in ${where}; group by columns of text, numbers, decimals, ` +
          `dates, times, timestamps, intervals, booleans or bytes, or lists and structs of integers, floats, text and booleans`,
      );
  }
}

/**
 * The kind of each value column, checking that every aggregate applies to its column's type, and of
 * each INTERVAL key column of `by` (whose groups keep a spelling: intervals.ts).
 */
export function kindsOf(aggs: Agg[], fields: Map<string, Field>, where = 'the input', by: string[] = []): Record<string, ColumnKind> {
  const kinds: Record<string, ColumnKind> = {};
  for (const name of by) if (DataType.isInterval(fields.get(name)!.type)) kinds[name] = { kind: 'interval', scale: 1 };
  for (const a of aggs) {
    for (const col of a.columns) {
      const type = fields.get(col)!.type;
      const kind = kindOf(type);
      const countable = a.op === 'count' || a.op === 'min' || a.op === 'max';
      if (a.op === 'count') continue;
      if (kind === undefined || (!countable && !isNumeric(type))) {
        const what = kind === undefined ? 'count' : 'count, min or max';
        throw new UsageError(
          `--param agg: ${a.op} cannot aggregate column "${col}" of type ${type} in ${where}; aggregate it with ${what}, or give a ` +
            `numeric column` +
            (DataType.isUtf8(type) || DataType.isDictionary(type)
              ? ` (in a CSV or NDJSON file, a value that is not a number makes the column text: --column ${col}:float64 reads it as ` +
                `numbers and reports the values that are not)`
              : ''),
        );
      }
      kinds[col] = { kind, scale: scaleOf(type) };
    }
  }
  return kinds;
}

/** The output type of each of an aggregate's columns. */
export function outputTypes(a: Agg, fields: Map<string, Field>): DataType[] {
  const type = a.columns.length ? fields.get(a.columns[0]!)!.type : undefined;
  switch (a.op) {
    case 'count':
      return [new Int64()];
    case 'sum': {
      const kind = kindOf(type!);
      if (kind === 'float') return [new Float64()];
      if (kind === 'int') return [new Int64()];
      if (DataType.isDecimal(type!)) return [type.precision > 38 ? new Decimal(type.scale, 76, 256) : new Decimal(type.scale, 38, 128)];
      return [new Decimal(0, 38, 128)];
    }
    case 'min':
    case 'max':
      return [DataType.isFloat(type!) && type.precision === Precision.HALF ? new Float64() : type!];
    default:
      return a.names.map(() => new Float64());
  }
}

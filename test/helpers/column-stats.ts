import type { RecordBatch } from 'apache-arrow';
import { duckRows } from './duckdb.js';

/** How a column's values compare: integers (and dates as days, timestamps as epoch µs or ns) exactly, floats closely, text as text. */
export type StatKind = 'int' | 'float' | 'bool' | 'text' | 'date' | 'ts_us' | 'ts_ns';

/** Count, sum, min and max of a column as text (exact for integers and temporal values). */
export interface ColumnStats {
  count: string;
  sum: string | null;
  min: string | null;
  max: string | null;
}

/**
 * The stats of a column from Arrow's stored values (not a display): Int64 and timestamps as their
 * 64-bit integers, dates as days, so nothing is rounded on the way.
 */
export function arrowStats(batches: RecordBatch[], column: string, kind: StatKind): ColumnStats {
  let count = 0n;
  let sum: bigint | number = kind === 'float' ? 0 : 0n;
  let min: bigint | number | string | undefined;
  let max: bigint | number | string | undefined;
  for (const b of batches) {
    const v = b.getChild(column);
    if (!v) throw new Error(`no column ${column} in ${b.schema.fields.map((f) => f.name).join(', ')}`);
    for (const data of v.data) {
      for (let i = 0; i < data.length; i++) {
        if (!data.getValid(i)) continue;
        let x: bigint | number | string;
        if (kind === 'text') x = String(v.get(i));
        else if (kind === 'bool') x = (data.values[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1 ? 1n : 0n;
        else if (kind === 'float') x = Number(data.values[data.offset + i]);
        else x = BigInt(data.values[data.offset + i] as number | bigint);
        count++;
        if (typeof x === 'bigint') sum = (sum as bigint) + x;
        else if (typeof x === 'number') sum = (sum as number) + x;
        if (min === undefined || x < min) min = x;
        if (max === undefined || x > max) max = x;
      }
    }
  }
  return {
    count: String(count),
    sum: kind === 'text' || count === 0n ? null : String(sum),
    min: min === undefined ? null : String(min),
    max: max === undefined ? null : String(max),
  };
}

/** The same stats computed by DuckDB over `from` (e.g. `read_csv('x.csv', …)`). */
export async function duckStats(from: string, column: string, kind: StatKind): Promise<ColumnStats> {
  const c = `"${column}"`;
  const e = {
    int: c,
    float: c,
    text: c,
    bool: `${c}::INT`,
    date: `(${c} - DATE '1970-01-01')`,
    ts_us: `epoch_us(${c})`,
    ts_ns: `epoch_ns(${c})`,
  }[kind];
  const sum = kind === 'text' ? 'NULL' : kind === 'float' ? `sum(${e})` : `sum(${e})::VARCHAR`;
  const [r] = await duckRows(
    `SELECT count(${e})::VARCHAR AS count, ${sum} AS sum, min(${e})::VARCHAR AS min, max(${e})::VARCHAR AS max FROM ${from}`,
  );
  const text = (x: unknown) => (x === null || x === undefined ? null : String(x));
  return { count: String(r!.count), sum: text(r!.sum), min: text(r!.min), max: text(r!.max) };
}

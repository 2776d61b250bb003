import { DataType, type RecordBatch, type Data } from 'apache-arrow';
import { TaskError } from '../errors.js';
import type { ColumnValues, JobContext, ParamValue, SplitInfo } from '../job/types.js';

/** Builds the `ctx` handed to user functions, and collects its counters. */
export function makeContext(params: Record<string, ParamValue>, split: SplitInfo, counters: Record<string, number>, state: Record<string, unknown> = {}): JobContext {
  return {
    params,
    split,
    state,
    column: columnValues,
    strings: columnStrings,
    count(name: string, n = 1) {
      counters[name] = (counters[name] ?? 0) + n;
    },
    log(...args: unknown[]) {
      console.error(`[${split.describe}]`, ...args);
    },
  };
}

function dataOf(batch: RecordBatch, name: string): Data {
  const child = batch.getChild(name);
  if (!child) {
    const have = batch.schema.fields.map((f) => f.name).join(', ');
    throw new TaskError('map', `no column "${name}" in the input (columns: ${have}); check the column name or --param`, {
      name: 'ColumnError',
      message: `no column "${name}"`,
    });
  }
  return child.data[0]!;
}

/** Zero-copy typed-array values of a fixed-width column. */
export function columnValues(batch: RecordBatch, name: string): ColumnValues {
  const data = dataOf(batch, name);
  const t = data.type;
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isDate(t) || DataType.isTimestamp(t) || DataType.isTime(t)) {
    return (data.values as ColumnValues).subarray(0, data.length * (data.stride ?? 1)) as ColumnValues;
  }
  throw new TaskError('map', `column "${name}" has type ${t}, not numbers; use ctx.strings(batch, '${name}') for text columns`, {
    name: 'ColumnError',
    message: `column "${name}" is ${t}`,
  });
}

/** The values of a Utf8 (or dictionary-of-Utf8) column as JS strings; nulls become ''. */
export function columnStrings(batch: RecordBatch, name: string): string[] {
  const data = dataOf(batch, name);
  const out = DataType.isDictionary(data.type) ? dictionaryStrings(data) : utf8Strings(data);
  if (data.nullCount > 0) for (let i = 0; i < out.length; i++) if (!data.getValid(i)) out[i] = '';
  return out;
}

function utf8Strings(data: Data): string[] {
  if (!DataType.isUtf8(data.type) && !DataType.isLargeUtf8(data.type)) {
    throw new TaskError('map', `column has type ${data.type}, not strings; use ctx.column(batch, name) for numbers`, {
      name: 'ColumnError',
      message: `column is ${data.type}`,
    });
  }
  const n = data.length;
  const offsets = data.valueOffsets as Int32Array;
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

function dictionaryStrings(data: Data): string[] {
  const dict = data.dictionary!;
  const words = dict.data.flatMap((d) => utf8Strings(d));
  const idx = data.values as Int32Array;
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = words[idx[i]!]!;
  return out;
}

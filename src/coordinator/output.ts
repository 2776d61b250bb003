import { Float64, Table, vectorFromArray, type Vector } from 'apache-arrow';
import { JobError } from '../errors.js';
import { NULL_KEY_PART, splitKey } from '../job/key.js';
import { checkOutputColumns } from '../job/define-job.js';
import type { EmitKey, KeyedJob, ParamValue } from '../job/types.js';
import { columnFromValues, isPlainObject } from './value-columns.js';

export { columnFromValues };

/**
 * Columns of composite-key parts: numeric when every part reads back as the same number, Int64 when
 * every part is an integer and one is beyond 2^53 (a bigint part); a null key part (see joinKey) is a null.
 */
function keyColumns(names: string[], keys: EmitKey[]): Record<string, Vector> {
  if (names.length === 1)
    return { [names[0]!]: columnFromValues(keys.includes(NULL_KEY_PART) ? keys.map((k) => (k === NULL_KEY_PART ? null : k)) : keys) };
  const parts = names.map(() => new Array<string | null>(keys.length));
  keys.forEach((k, i) => {
    const p = splitKey(k as string);
    if (p.length !== names.length) {
      throw new JobError(
        `a key has ${p.length} part(s) but output.key names ${names.length} columns (${names.join(', ')}); build keys with ` +
          `joinKey(${names.join(', ')})`,
      );
    }
    for (let j = 0; j < names.length; j++) parts[j]![i] = p[j] === NULL_KEY_PART ? null : p[j]!;
  });
  const out: Record<string, Vector> = {};
  names.forEach((name, j) => {
    const col = parts[j]!;
    const numeric = col.every((s) => s === null || (s !== '' && String(Number(s)) === s));
    const integers = !numeric && col.every((s) => s === null || INTEGER_TEXT.test(s));
    out[name] = columnFromValues(
      numeric ? col.map((s) => (s === null ? null : Number(s))) : integers ? col.map((s) => (s === null ? null : BigInt(s))) : col,
    );
  });
  return out;
}

/** Turns a keyed job's sorted (key, value) rows into its output table. */
export function pairsToTable(job: KeyedJob, params: Record<string, ParamValue>, keys: EmitKey[], values: unknown[]): Table {
  const output = typeof job.output === 'function' ? job.output(params) : job.output;
  if (typeof job.output === 'function') checkOutputColumns(`job "${job.name}"`, output);
  const keyNames = asNames(output?.key, 'key');
  const columns: Record<string, Vector> = keyColumns(keyNames, keys);
  const first = values.find((v) => v !== undefined && v !== null);
  const valueNames = output?.value;
  if (Array.isArray(first)) {
    const names = Array.isArray(valueNames) ? valueNames : first.map((_, j) => `${valueNames ?? 'value'}_${j}`);
    names.forEach((name, j) => {
      columns[name] = columnFromValues(values.map((v) => (v as unknown[] | null)?.[j] ?? null));
    });
  } else if (isPlainObject(first)) {
    for (const name of Object.keys(first))
      columns[name] = columnFromValues(values.map((v) => (v as Record<string, unknown> | null)?.[name] ?? null));
  } else {
    const name = Array.isArray(valueNames) ? valueNames[0]! : (valueNames ?? 'value');
    columns[name] = columnFromValues(values);
  }
  return keys.length === 0 && first === undefined ? emptyTable(keyNames, valueNames) : new Table(columns);
}

function emptyTable(keyNames: string[], valueNames: string | string[] | undefined): Table {
  const cols: Record<string, Vector> = {};
  for (const n of [...keyNames, ...asNames(valueNames, 'value')]) cols[n] = vectorFromArray([], new Float64());
  return new Table(cols);
}

/** Turns a fold job's finished value into a table: an Arrow table as it is, a row object, an array of row objects, or a single value. */
export function valueToTable(value: unknown): Table {
  if (value instanceof Table) return value;
  if (Array.isArray(value) && value.every(isPlainObject)) {
    const names = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
    const cols: Record<string, Vector> = {};
    for (const n of names) cols[n] = columnFromValues(value.map((r) => (r as Record<string, unknown>)[n] ?? null));
    return new Table(cols);
  }
  if (isPlainObject(value)) {
    const cols: Record<string, Vector> = {};
    for (const [k, v] of Object.entries(value)) cols[k] = columnFromValues([v]);
    return new Table(cols);
  }
  if (Array.isArray(value)) return new Table({ value: columnFromValues(value) });
  return new Table({ value: columnFromValues([value]) });
}

function asNames(n: string | string[] | undefined, fallback: string): string[] {
  return n === undefined ? [fallback] : Array.isArray(n) ? n : [n];
}

/** An integer's text as `String(bigint)` writes it (no leading zeros, no '+'), so the text reads back the same. */
const INTEGER_TEXT = /^(0|-?[1-9][0-9]*)$/;

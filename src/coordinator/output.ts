import { Bool, Field, Float64, Int32, List, Table, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { JobError } from '../errors.js';
import { NULL_KEY_PART, splitKey } from '../job/key.js';
import { checkOutputColumns } from '../job/define-job.js';
import type { Key, KeyedJob, ParamValue } from '../job/types.js';

/**
 * Builds an Arrow column from JS values: int32 when every number is a 32-bit integer, else float64;
 * strings; booleans; arrays and typed arrays as a List column of their items (by these same rules);
 * anything else as JSON text.
 */
export function columnFromValues(values: unknown[]): Vector {
  let kind: 'num' | 'str' | 'bool' | 'list' | 'json' | undefined;
  let ints = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const k = typeof v === 'number' ? 'num' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : isList(v) ? 'list' : 'json';
    if (kind === undefined) kind = k;
    else if (kind !== k) kind = 'json';
    if (k === 'num' && ints && !((v as number) === ((v as number) | 0) && !Object.is(v, -0))) ints = false;
  }
  const hasNulls = values.some((v) => v === null || v === undefined);
  switch (kind ?? 'num') {
    case 'num':
      // Plain numbers straight into a typed array: Arrow's builders cost ~10× more per value.
      if (!hasNulls) return makeVector(ints ? Int32Array.from(values as number[]) : Float64Array.from(values as number[]));
      return vectorFromArray(values as Array<number | null>, ints ? new Int32() : new Float64());
    case 'str':
      if (!hasNulls) return utf8Vector(values as string[]);
      return vectorFromArray(values as Array<string | null>, new Utf8());
    case 'bool':
      return vectorFromArray(values as Array<boolean | null>, new Bool());
    case 'list':
      return listVector(values as Array<ArrayLike<unknown> | null | undefined>);
    default:
      return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))), new Utf8());
  }
}

/** A Utf8 vector from strings: one UTF-8 encode of all of them joined, offsets from their byte lengths. */
function utf8Vector(strings: string[]): Vector {
  const joined = strings.join('');
  const data = Buffer.from(joined, 'utf8');
  const offsets = new Int32Array(strings.length + 1);
  const ascii = data.length === joined.length;
  let at = 0;
  for (let i = 0; i < strings.length; i++) {
    at += ascii ? strings[i]!.length : Buffer.byteLength(strings[i]!, 'utf8');
    offsets[i + 1] = at;
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return makeVector(makeData({ type: new Utf8(), length: strings.length, nullCount: 0, valueOffsets: offsets, data: bytes }));
}

/** Typed arrays whose items Arrow takes as they are (not Uint8ClampedArray, not DataView). */
const TYPED_ITEMS = [Float64Array, Float32Array, Int32Array, Int16Array, Int8Array, Uint32Array, Uint16Array, Uint8Array, BigInt64Array, BigUint64Array];

function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** A List column: every list's items in one child column, offsets from the lists' lengths, null for a missing list. */
function listVector(lists: Array<ArrayLike<unknown> | null | undefined>): Vector {
  const offsets = new Int32Array(lists.length + 1);
  const valid = new Uint8Array((lists.length + 7) >> 3);
  let nullCount = 0;
  let total = 0;
  lists.forEach((l, i) => {
    if (l === null || l === undefined) nullCount++;
    else {
      valid[i >> 3]! |= 1 << (i & 7);
      total += l.length;
    }
    offsets[i + 1] = total;
  });
  const items = itemsVector(lists, total);
  const type = new List(new Field('item', items.type, true));
  return makeVector(makeData({ type, length: lists.length, nullCount, nullBitmap: nullCount > 0 ? valid : undefined, valueOffsets: offsets, child: items.data[0]! }));
}

/** The items of all lists as one column: one typed-array copy when every list is the same kind of typed array. */
function itemsVector(lists: Array<ArrayLike<unknown> | null | undefined>, total: number): Vector {
  const present = lists.filter((l): l is ArrayLike<unknown> => l !== null && l !== undefined);
  const Typed = TYPED_ITEMS.find((T) => present.length > 0 && present.every((l) => l instanceof T));
  if (Typed) {
    const items = new Typed(total);
    let at = 0;
    for (const l of present) {
      items.set(l as never, at);
      at += l.length;
    }
    return makeVector(items);
  }
  const items = new Array<unknown>(total);
  let at = 0;
  for (const l of present) for (let j = 0; j < l.length; j++) items[at++] = l[j];
  return columnFromValues(items);
}

/** Columns of composite-key parts: numeric when every part reads back as the same number; a null key part (see joinKey) is a null. */
function keyColumns(names: string[], keys: Key[]): Record<string, Vector> {
  if (names.length === 1) return { [names[0]!]: columnFromValues(keys.includes(NULL_KEY_PART) ? keys.map((k) => (k === NULL_KEY_PART ? null : k)) : keys) };
  const parts = names.map(() => new Array<string | null>(keys.length));
  keys.forEach((k, i) => {
    const p = splitKey(k);
    if (p.length !== names.length) {
      throw new JobError(`a key has ${p.length} part(s) but output.key names ${names.length} columns (${names.join(', ')}); build keys with joinKey(${names.join(', ')})`);
    }
    for (let j = 0; j < names.length; j++) parts[j]![i] = p[j] === NULL_KEY_PART ? null : p[j]!;
  });
  const out: Record<string, Vector> = {};
  names.forEach((name, j) => {
    const col = parts[j]!;
    const numeric = col.every((s) => s === null || (s !== '' && String(Number(s)) === s));
    out[name] = columnFromValues(numeric ? col.map((s) => (s === null ? null : Number(s))) : col);
  });
  return out;
}

/** Turns a keyed job's sorted (key, value) rows into its output table. */
export function pairsToTable(job: KeyedJob, params: Record<string, ParamValue>, keys: Key[], values: unknown[]): Table {
  const output = typeof job.output === 'function' ? job.output(params) : job.output;
  if (typeof job.output === 'function') checkOutputColumns(`job "${job.name}"`, output);
  const keyNames = asNames(output?.key, 'key');
  const columns: Record<string, Vector> = keyColumns(keyNames, keys);
  const first = values.find((v) => v !== undefined && v !== null);
  const valueNames = output?.value;
  if (Array.isArray(first)) {
    const names = Array.isArray(valueNames) ? valueNames : first.map((_, j) => `${valueNames ?? 'value'}_${j}`);
    names.forEach((name, j) => (columns[name] = columnFromValues(values.map((v) => (v as unknown[] | null)?.[j] ?? null))));
  } else if (isPlainObject(first)) {
    for (const name of Object.keys(first)) columns[name] = columnFromValues(values.map((v) => (v as Record<string, unknown> | null)?.[name] ?? null));
  } else {
    const name = Array.isArray(valueNames) ? valueNames[0]! : valueNames ?? 'value';
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

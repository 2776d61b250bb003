import { describe, expect, it } from 'vitest';
import type { RecordBatch, Vector } from 'apache-arrow';
import { BadRecords } from '../../dist/src/io/bad-records.js';
import type { ColumnSpec } from '../../dist/src/io/column-types.js';
import { NdjsonDecoder, type NdjsonProblem } from '../../dist/src/io/ndjson-decode.js';
import { makeRandom } from '../../dist/src/datasets/random.js';

// Differential test of the NDJSON byte decoder (src/io/ndjson-bytes.ts): random and edge-case lines go
// through it and through the JSON.parse reference path of the same decoder; the Arrow columns, the bad
// records and the widenings must be identical.

const COLUMNS: ColumnSpec[] = [
  { name: 'a', type: 'int32' },
  { name: 'b', type: 'float64' },
  { name: 'n.x', type: 'utf8' },
  { name: 'n.y.z', type: 'int64' },
  { name: 'key', type: 'dict' },
  { name: 'é', type: 'utf8' },
  { name: '', type: 'int32' },
  { name: '1', type: 'bool' },
  { name: 's', type: 'utf8' },
  { name: 'arr', type: 'utf8' },
  { name: 'big', type: 'int64' },
  { name: 'd', type: 'date' },
  { name: 't', type: 'timestamp[us]' },
  { name: 'tz', type: 'timestamp[ns, UTC]' },
  { name: 'u8', type: 'uint8' },
  { name: 'dec', type: 'decimal(10,2)' },
  { name: 'tm', type: 'time' },
  { name: 'ds', type: 'dict' },
  { name: 'q', type: 'bool' },
];
const KEYS = [...COLUMNS.map((c) => c.name), 'k\\u0065y', '\\u00e9', 'n', 'n.y', 'zz', 'q\\"', 'arr'];

const INTS = ['0', '-0', '7', '-12', '2147483647', '2147483648', '-2147483648', '-2147483649', '255', '256', '123456789012345'];
const BIGS = [
  '1234567890123456',
  '-9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '12345678901234567890',
];
const FLOATS = [
  '1.5',
  '-0.0',
  '1e5',
  '1E-7',
  '123.456e2',
  '0.1',
  '1e400',
  '5e-324',
  '12345678901234567.5',
  '3.14159265358979',
  '2.5e+3',
  '1.0',
];
const STRINGS = [
  '"plain"',
  '"é✓😀"',
  '"q\\"uote\\\\ \\/ \\b\\f\\n\\r\\t"',
  '"\\u00e9\\uD83D\\uDE00\\u001f\\u2028"',
  '"\\ud800 lone"',
  '"\\u0000int:5"',
  '"a\\u0000b"',
  '"2024-02-29"',
  '" 2024-01-01"',
  '"2024-02-30"',
  '"2024-01-02T03:04:05.123456789Z"',
  '"2024-01-02 03:04"',
  '"2024-01-02 03:04:05+01:00"',
  '"13:45:30.25"',
  '"123"',
  '"true"',
  '"12.345"',
  '""',
];
const BROKEN = [
  '{',
  '{"a":1',
  '{"a":1,}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
  '{"s":"x\ty"}',
  '{"s":"\\x"}',
  '[1,2]',
  '5',
  'null',
  '{"a":1} x',
  "{'a':1}",
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

const blank = (r: () => number) => (r() < 0.15 ? pick(r, [' ', '\t', '  ', '\r']) : '');

/** A JSON value's text, as a writer might spell it (blanks, escapes, nesting). */
function value(r: () => number, depth: number): string {
  const k = r();
  if (k < 0.18) return pick(r, INTS);
  if (k < 0.26) return pick(r, BIGS);
  if (k < 0.38) return r() < 0.5 ? pick(r, FLOATS) : String(Math.round((r() - 0.5) * 1e8) / 10 ** Math.floor(r() * 6));
  if (k < 0.62) return pick(r, STRINGS);
  if (k < 0.68) return pick(r, ['true', 'false']);
  if (k < 0.74) return 'null';
  if (depth > 3) return '0';
  if (k < 0.87) {
    const n = Math.floor(r() * 4);
    const items = Array.from({ length: n }, () => (r() < 0.2 ? object(r, depth + 1, ['1', 'x', 'y', 'x']) : value(r, depth + 1)));
    return `[${blank(r)}${items.join(`${blank(r)},${blank(r)}`)}${blank(r)}]`;
  }
  return object(r, depth + 1, ['x', 'y', 'z', 'n', 'y.z']);
}

/**
 * An object of up to 8 members (3 nested). Its keys are mostly distinct: a key repeated (5% of the
 * draws that meet one again, and escaped spellings of one key, `k\u0065y` and `key`) makes a bad
 * record, at the top, nested, inside arrays and among keys that are no column.
 */
function object(r: () => number, depth: number, keys: readonly string[]): string {
  const n = Math.floor(r() * (depth === 0 ? 9 : 4));
  const used = new Set<string>();
  const members: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = pick(r, keys);
    if (used.has(key) && r() > 0.05) continue;
    used.add(key);
    members.push(`${blank(r)}"${key}"${blank(r)}:${blank(r)}${value(r, depth)}`);
  }
  return `{${members.join(',')}${blank(r)}}`;
}

/** A line: mostly a valid object, sometimes broken, deep, not UTF-8 or blank. */
function line(r: () => number): Buffer {
  const k = r();
  if (k < 0.04) return Buffer.from(pick(r, BROKEN));
  if (k < 0.05) return Buffer.from(`{"a":1,"n":${'{"y":'.repeat(64)}1${'}'.repeat(64)}}`);
  if (k < 0.06) return Buffer.concat([Buffer.from('{"s":"bad '), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]);
  if (k < 0.07) return Buffer.from(pick(r, ['', '   ', '\r']));
  return Buffer.from(blank(r) + object(r, 0, KEYS) + blank(r));
}

/** Each column's values, row by row, in a form that tells every value apart (exact 64-bit, -0, NaN, nulls). */
function columnsOf(batches: RecordBatch[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const b of batches)
    for (const f of b.schema.fields) {
      const v = b.getChild(f.name)! as Vector;
      const col = (out[`${f.name}: ${String(f.type)}`] ??= []);
      for (let i = 0; i < v.length; i++) col.push(v.isValid(i) ? show(v, i) : 'null');
    }
  return out;
}

function show(v: Vector, i: number): string {
  const d = v.data[0]!;
  const x = v.get(i);
  if (typeof x === 'string' || typeof x === 'boolean') return JSON.stringify(x);
  const stride = d.stride;
  return Array.from(d.values.subarray(i * stride, (i + 1) * stride) as ArrayLike<number | bigint>, (n) =>
    Object.is(n, -0) ? '-0' : String(n),
  ).join(',');
}

function decodeWith(path: 'bytes' | 'json-parse', text: Buffer, columns: ColumnSpec[], projection: string[] | undefined, cuts: number[]) {
  const problems: string[] = [];
  const bad = new BadRecords(1e9);
  const decoder = new NdjsonDecoder(
    columns,
    37,
    projection,
    bad,
    (p: NdjsonProblem) => {
      const at = `${p.offset} ${p.column ?? ''}: ${p.expected}; ${p.found ?? ''}`;
      problems.push(at);
      return { file: 'f.ndjson', byteOffset: p.offset, message: at };
    },
    path,
  );
  let error = '';
  let from = 0;
  try {
    for (const cut of [...cuts, text.length]) {
      const to = Math.max(from, cut);
      // A chunk as the reader hands it over: the unfinished line is carried to the front of the next one.
      from = decoder.decode(text, from, to, to === text.length);
    }
  } catch (e) {
    error = (e as Error).message;
  }
  return {
    columns: columnsOf(decoder.finish()),
    problems,
    error,
    bad: bad.count,
    jsonParsed: path === 'bytes' ? decoder.jsonParsed : undefined,
  };
}

function compare(seed: number, lines: number, columns: ColumnSpec[], projection?: string[]) {
  const r = makeRandom(seed);
  const all = Array.from({ length: lines }, () => Buffer.concat([line(r), Buffer.from(r() < 0.1 ? '\r\n' : '\n')]));
  const text = Buffer.concat(all);
  const cuts = Array.from({ length: 6 }, () => Math.floor(r() * text.length)).sort((x, y) => x - y);
  const { jsonParsed, ...fast } = decodeWith('bytes', text, columns, projection, cuts);
  const { jsonParsed: _, ...reference } = decodeWith('json-parse', text, columns, projection, cuts);
  if (JSON.stringify(fast) !== JSON.stringify(reference)) {
    // Name the first line that differs on its own, so a failure shows its input.
    for (const one of all) {
      const [x, y] = [decodeWith('bytes', one, columns, projection, []), decodeWith('json-parse', one, columns, projection, [])];
      expect(x, `line ${one.toString()}`).toEqual(y);
    }
  }
  expect(fast).toEqual(reference);
  return { ...reference, jsonParsed: jsonParsed! };
}

const SEEDS = Number(process.env.NDJSON_BYTES_SEEDS ?? 40);

/** The columns of the bad records that repeat a key. */
function repeatedKeyColumns(problems: string[]): string[] {
  return problems.flatMap((p) => (p.includes('each key once in an object') ? [p.slice(p.indexOf(' ') + 1, p.indexOf(': '))] : []));
}

/** Repeated keys were met, and made bad records, at the top, in nested objects, in arrays and among keys that are no column. */
function expectRepeatsEverywhere(columns: string[]) {
  expect(columns.length).toBeGreaterThan(SEEDS);
  expect(columns).toContain('a');
  expect(columns.some((c) => c.startsWith('n.'))).toBe(true);
  expect(columns).toContain('zz');
  expect(columns).toContain('arr');
}

describe('NDJSON byte decoder against JSON.parse', () => {
  it('writes the same columns and reports the same bad records for random lines, given types', () => {
    let rows = 0;
    let jsonParsed = 0;
    const repeated: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const ref = compare(seed, 300, COLUMNS);
      expect(ref.error).toBe('');
      expect(Object.values(ref.columns)[0]!.length + ref.bad).toBeGreaterThan(250);
      rows += Object.values(ref.columns)[0]!.length;
      jsonParsed += ref.jsonParsed - ref.bad;
      repeated.push(...repeatedKeyColumns(ref.problems));
    }
    // Bad lines (most of these) go through JSON.parse to be reported; of the good ones, most take the byte path.
    expect(jsonParsed).toBeLessThan(rows / 2);
    expectRepeatsEverywhere(repeated);
  });

  it('reads projected columns only, the same as JSON.parse', () => {
    const repeated: string[] = [];
    for (let seed = 100; seed <= 100 + SEEDS / 2; seed++)
      repeated.push(...repeatedKeyColumns(compare(seed, 300, COLUMNS, ['a', 'n.y.z', 'key', 'arr', 'tz']).problems));
    // A record that repeats a key is bad whether or not the job reads that key's column.
    expectRepeatsEverywhere(repeated);
  });

  it('stops at the same value with the same widening when the types were inferred', () => {
    const inferred = COLUMNS.map((c) => ({ ...c, inferred: true }));
    let widened = 0;
    for (let seed = 200; seed <= 200 + SEEDS; seed++) if (compare(seed, 60, inferred).error.includes('needs type')) widened++;
    expect(widened).toBeGreaterThan(SEEDS / 2);
  });

  it('reads edge cases of numbers, strings, keys and nesting the same', () => {
    const lines = [
      '{"big":9223372036854775807,"n":{"y":{"z":-9223372036854775808}},"a":-0,"b":-0.0}',
      '{"big":-1234567890123456789,"s":12345678901234567,"arr":[12345678901234567, 1.50, -0, 1e2, "\\/"]}',
      '{"arr":[{"x":1,"y":[true,null]}, {"b":1,"a":2}],"key":["x"],"n.x":"dotted","s":"\\ud83d\\ude00"}',
      '{"n.x":"first","n":{"x":"second"}}',
      '{"a":1,"a":2}',
      '{"n":{"x":"a"},"n":{"y":{"z":5}}}',
      '{"arr":[{"x":1,"x":2}],"s":"ok"}',
      '{"n":{"x":"a","x":"b"}}',
      '{"key":"a","k\\u0065y":"b"}',
      '{"zz":1,"a":2,"zz":3}',
      '{"zz":{"q":1,"q":2}}',
      '{"z\\u007a":1,"zz":2}',
      '{"zz":[0,{"w":{"v":1,"v":2}}]}',
      '{"\\ud800":1,"\\ud800":2}',
      `{${Array.from({ length: 100 }, (_, i) => `"w${i}":${i}`).join(',')},"w7":0}`,
      `{"zz":{${Array.from({ length: 100 }, (_, i) => `"w${i}":${i}`).join(',')},"w99":0}}`,
      `{"arr":[{${Array.from({ length: 100 }, (_, i) => `"w${i}":${i}`).join(',')},"w0":0}]}`,
      '{"arr":[{"1":1,"x":2}]}',
      '{"arr":"\\u0000int:7","s":"\\u0000int:8"}',
      '{"zz":{"deep":[1,2,{"q":3}]},"q":true,"1":false}',
      '{"d":"2024-02-29","t":"2024-01-02","tz":"2024-01-02T03:04:05.123456789+05:30","tm":"24:00","dec":12.345,"u8":255}',
      '{"d":" 2024-02-29","t":"2024-01-02 03:04:05.5 ","u8":-1,"dec":"1.005"}',
      `{"n":${'{"y":'.repeat(63)}{}${'}'.repeat(63)}}`,
      `{"n":${'{"y":'.repeat(64)}{}${'}'.repeat(64)}}`,
      `{"arr":${'['.repeat(300)}${']'.repeat(300)}}`,
      '{"é":"x","\\u00e9":"y"}',
      '{"":5,"1":true}',
      '  {"a":5}  \r',
    ];
    const text = Buffer.from(lines.join('\n') + '\n');
    const { jsonParsed: _, ...fast } = decodeWith('bytes', text, COLUMNS, undefined, []);
    const reference = decodeWith('json-parse', text, COLUMNS, undefined, []);
    delete reference.jsonParsed;
    expect(fast).toEqual(reference);
    expect(reference.columns['big: Int64']!.slice(0, 2)).toEqual(['9223372036854775807', '-1234567890123456789']);
    expect(reference.columns['arr: Utf8']![1]).toBe(JSON.stringify('[12345678901234567,1.5,0,100,"/"]'));
    // Two spellings of one column (`n.x` and `x` in `n`) are two keys: the last value stands. A key repeated is a bad record.
    expect(reference.columns['n.x: Utf8']![3]).toBe('"second"');
    expect(repeatedKeyColumns(reference.problems)).toEqual([
      'a',
      'n',
      'arr',
      'n.x',
      'key',
      'zz',
      'zz.q',
      'zz',
      'zz',
      '\ud800',
      'w7',
      'zz.w99',
      'arr',
      'é',
    ]);
  });
});

describe('NDJSON byte decoder', () => {
  it('reads plain lines (db-benchmark G1, DuckDB-written, nulls, nested objects) without JSON.parse', () => {
    const r = makeRandom(7);
    const rows = Array.from({ length: 500 }, (_, i) => ({
      id1: `id${String(1 + Math.floor(r() * 100)).padStart(3, '0')}`,
      id4: i % 17 === 0 ? null : Math.floor(r() * 100),
      v3: Math.round(r() * 1e8) / 1e6,
      big: BigInt(2 ** 53) + BigInt(i),
      when: { day: '2024-03-01', at: '2024-03-01 10:00:00.5' },
      tags: i % 3 ? ['x', i, 1.5] : [],
      note: i % 5 ? `n\u00e9 "${i}"` : null,
    }));
    const text = Buffer.from(
      rows.map((o) => JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `#${v}#` : v)).replace(/"#(\d+)#"/g, '$1')).join('\n') + '\n',
    );
    const columns: ColumnSpec[] = [
      { name: 'id1', type: 'dict', inferred: true },
      { name: 'id4', type: 'int32', inferred: true },
      { name: 'v3', type: 'float64', inferred: true },
      { name: 'big', type: 'int64', inferred: true },
      { name: 'when.day', type: 'date', inferred: true },
      { name: 'when.at', type: 'timestamp[us]', inferred: true },
      { name: 'tags', type: 'utf8', inferred: true },
      { name: 'note', type: 'utf8', inferred: true },
    ];
    const fast = decodeWith('bytes', text, columns, undefined, [1000, 5000]);
    expect(fast.jsonParsed).toBe(0);
    expect(fast.columns['big: Int64']![3]).toBe(String(2n ** 53n + 3n));
    const { jsonParsed: _, ...rest } = fast;
    const { jsonParsed: __, ...reference } = decodeWith('json-parse', text, columns, undefined, [1000, 5000]);
    expect(rest).toEqual(reference);
  });
});

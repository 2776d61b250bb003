import { describe, expect, it } from 'vitest';
import { duplicateKey, duplicateKeysByElement } from '../../dist/src/io/duplicate-keys.js';
import { makeRandom } from '../../dist/src/datasets/random.js';
import { duckRows } from '../helpers/duckdb.js';

// The repeated-key scan of the JSON.parse path (src/io/duplicate-keys.ts) against DuckDB, which refuses an
// object with a duplicate key when it transforms it (`json_transform_strict` to the value's own structure).

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

// Each key holds one kind of value, as DuckDB checks only parts of one type (a part of mixed types stays
// JSON text, an empty object too); `k\u0065y` is `key` and `\u00e9` is `é` escaped; a few objects are wide (40 keys).
const KIND: Record<string, 'number' | 'text' | 'object' | 'list'> = {
  a: 'number',
  b: 'text',
  'q\\"': 'text',
  key: 'object',
  'k\\u0065y': 'object',
  é: 'list',
  '\\u00e9': 'list',
};
const KEYS = Object.keys(KIND);

function value(r: () => number, key: string, depth: number): string {
  switch (KIND[key]) {
    case 'number':
      return pick(r, ['1', '-2.5e3', '7']);
    case 'text':
      return pick(r, ['"x"', '" : "', '"{\\"a\\":1,\\"a\\":2}"']);
    case 'object':
      return depth > 3 ? '{"a":1}' : object(r, depth + 1);
    default:
      return `[${Array.from({ length: Math.floor(r() * 3) }, () => (depth > 3 ? '{"a":1}' : object(r, depth + 1))).join(', ')}]`;
  }
}

function object(r: () => number, depth: number): string {
  if (r() < 0.03) return `{${Array.from({ length: 40 }, (_, i) => `"w${i}":${i}`).join(',')}${r() < 0.5 ? ',"w3":0' : ''}}`;
  const n = 1 + Math.floor(r() * 4);
  const members = Array.from({ length: n }, () => {
    const key = pick(r, KEYS);
    return `"${key}" :${value(r, key, depth)}`;
  });
  return `{ ${members.join(' ,\n')} }`;
}

/**
 * DuckDB's verdict on one JSON object: whether it repeats a key, or undefined when DuckDB cannot say (a
 * part of mixed types is kept as JSON text, unchecked; a strict transform also refuses array elements
 * that lack a key another element has).
 */
async function duckRepeats(json: string): Promise<boolean | undefined> {
  const j = `'${json.replace(/'/g, "''")}'`;
  const [{ s }] = (await duckRows(`SELECT json_structure(${j})::VARCHAR AS s`)) as [{ s: string }];
  if (s.includes('"JSON"')) return undefined;
  try {
    await duckRows(`SELECT json_transform_strict(${j}, json_structure(${j}))`);
    return false;
  } catch (e) {
    if (/has duplicate key/.test((e as Error).message)) return true;
    if (/does not have key/.test((e as Error).message)) return undefined;
    throw e;
  }
}

describe('repeated keys in JSON text', () => {
  it('are found where DuckDB finds them, at any depth, inside arrays and whatever the escapes', async () => {
    const r = makeRandom(26);
    let repeated = 0;
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const json = object(r, 0);
      const duck = await duckRepeats(json);
      if (duck === undefined) continue;
      compared++;
      const bytes = Buffer.from(json);
      // Only whether: with several repeats in one value DuckDB may name another (it checks nested objects first).
      expect(duplicateKey(bytes, 0, bytes.length) !== undefined, json).toBe(duck);
      if (duck) repeated++;
    }
    expect(compared).toBeGreaterThan(250);
    expect(repeated).toBeGreaterThan(compared / 10);
    expect(repeated).toBeLessThan(compared * 0.9);
  });

  it('name the key, the column it belongs to and where it is met again', () => {
    const cases: Array<[string, { key: string; column: string; offset: number } | undefined]> = [
      ['{"a":1,"b":2}', undefined],
      ['{"a":1,"a":2}', { key: 'a', column: 'a', offset: 7 }],
      ['{"s":{"p":1,"q":{"p":2}},"t":{"p":1,"p":2}}', { key: 'p', column: 't.p', offset: 36 }],
      ['{"l":[{"x":1},{"x":2,"y":{"z":0,"x":1,"z":1}}]}', { key: 'z', column: 'l', offset: 38 }],
      ['{"\\ud800":1,"\\ud800":2}', { key: '\ud800', column: '\ud800', offset: 12 }],
      ['{"a":"\\"a\\":","b":{},"c":[]}', undefined],
    ];
    for (const [json, expected] of cases) expect(duplicateKey(Buffer.from(json), 0, json.length), json).toEqual(expected);
  });

  it('are told apart by element in a JSON array read whole', () => {
    const text = '\ufeff[\n  {"a": 1},\n  {"a": 1,\n   "a": 2},\n  {"b": {"c": [{"d": 0, "d": 1}]}},\n  {"a": 3}\n]\n';
    const byElement = duplicateKeysByElement(Buffer.from(text), 0, Buffer.byteLength(text));
    expect([...byElement].map(([i, d]) => [i, d.key, d.column])).toEqual([
      [1, 'a', 'a'],
      [2, 'd', 'b.c'],
    ]);
    expect([...duplicateKeysByElement(Buffer.from(text), 0, Buffer.byteLength(text), 2).keys()]).toEqual([1]);
  });
});

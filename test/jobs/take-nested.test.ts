import { Field, Int32, List, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { take } from '../../dist/jobs/join/take.js';

/**
 * `take` (rows of a column, in an order; what join and sort's store shuffle carry columns with) keeps
 * lists, structs and lists of structs, nulls inside and whole: before, Arrow's builders were handed
 * Vectors and a List<Int32> came out as zeros. Checked against the plain values taken by hand.
 */
describe('take of nested columns', () => {
  const struct = new Struct([new Field('x', new Int32(), true), new Field('y', new Utf8(), true)]);
  const columns = {
    'List<Int32>': { type: new List(new Field('item', new Int32(), true)), values: [[1, 2], null, [3, null], []] },
    Struct: { type: struct, values: [{ x: 1, y: 'a' }, null, { x: null, y: 'b' }, { x: 4, y: null }] },
    'List<Struct>': { type: new List(new Field('item', struct, true)), values: [[{ x: 1, y: 'a' }, null], [], null, [{ x: 2, y: 'c' }]] },
  };
  const rows = Int32Array.from([2, 0, -1, 3, 1, 0]);
  for (const [label, { type, values }] of Object.entries(columns)) {
    it(`${label}: rows in the order asked, a -1 row null`, () => {
      const got = take(vectorFromArray(values as unknown[], type as never), rows);
      expect(String(got.type)).toBe(String(type));
      expect(JSON.parse(JSON.stringify(got.toJSON()))).toEqual(Array.from(rows, (r) => (r < 0 ? null : values[r])));
    });
  }
});

import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { compareTables, describeDifference } from '../../dist/src/speedup/compare-tables.js';

const table = (word: string[], count: Int32Array | Float64Array) => tableFromArrays({ word, count });

describe('comparing the results of two runs', () => {
  it('finds equal tables equal', () => {
    expect(compareTables(table(['a', 'b'], new Int32Array([1, 2])), table(['a', 'b'], new Int32Array([1, 2])))).toEqual({ state: 'equal' });
  });

  it('compares integers exactly and names the first differing row', () => {
    const c = compareTables(table(['a', 'b', 'c'], new Int32Array([1, 2, 3])), table(['a', 'b', 'c'], new Int32Array([1, 5, 3])));
    expect(c).toMatchObject({ state: 'different', reason: 'cell', row: 1, column: 'count', expected: 2, found: 5 });
    if (c.state === 'different')
      expect(describeDifference(c)).toBe('first difference at row 2 (word="b", count=5): count is 5, expected 2');
  });

  it('compares floats within a relative 1e-9, since sums are added in a different order on another plan', () => {
    const a = table(['x'], new Float64Array([0.1 + 0.2 + 0.3]));
    expect(compareTables(a, table(['x'], new Float64Array([0.3 + 0.2 + 0.1])))).toEqual({ state: 'equal' });
    expect(compareTables(a, table(['x'], new Float64Array([0.6 * (1 + 1e-8)])))).toMatchObject({ state: 'different', reason: 'cell' });
  });

  it('compares strings exactly', () => {
    expect(compareTables(table(['a'], new Int32Array([1])), table(['A'], new Int32Array([1])))).toMatchObject({
      state: 'different',
      column: 'word',
    });
  });

  it('reports a different row count or different columns', () => {
    expect(compareTables(table(['a'], new Int32Array([1])), table(['a', 'b'], new Int32Array([1, 2])))).toEqual({
      state: 'different',
      reason: 'rows',
      expected: 1,
      found: 2,
    });
    const other = tableFromArrays({ word: ['a'], n: new Int32Array([1]) });
    expect(compareTables(table(['a'], new Int32Array([1])), other)).toMatchObject({ state: 'different', reason: 'columns' });
  });
});

import { describe, expect, it } from 'vitest';
import { ValueLists, joinValues, median, valueCount } from '../../dist/jobs/groupby/lists.js';

/**
 * groupby's value lists (jobs/groupby/lists.ts) against plain arrays: each group's values in append
 * order, rows appended after a first `take`, and the median of lists and of joined lists against a
 * sort (even and odd counts, ties, sorted and reversed runs, NaN, no values, one list larger than the
 * reused scratch array).
 */

/** A reproducible stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The median by sorting; null for no values, NaN if one is NaN. */
function sortedMedian(values: number[]): number | null {
  if (values.length === 0) return null;
  if (values.some((v) => Number.isNaN(v))) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

describe('groupby value lists', () => {
  it("keeps each group's values in order, also for rows appended after a take", () => {
    const next = random(7);
    const lists = new ValueLists();
    const want: number[][] = Array.from({ length: 50 }, () => []);
    const append = (rows: number) => {
      const ids = Int32Array.from({ length: rows }, () => Math.floor(next() * 50));
      const x = Float64Array.from({ length: rows }, () => Math.round(next() * 1000) / 8);
      ids.forEach((g, i) => {
        want[g]!.push(x[i]!);
      });
      lists.append(ids, x);
    };
    for (const rows of [1, 1000, 70000, 3]) append(rows);
    expect(want.map((_, g) => Array.from(lists.take(g)))).toEqual(want);
    append(500);
    append(100000);
    expect(want.map((_, g) => Array.from(lists.take(g)))).toEqual(want);
    expect(Array.from(lists.take(50))).toEqual([]);
  });

  it('selects the median of lists and joined lists as a sort does', () => {
    const next = random(11);
    const cases: number[][] = [
      [],
      [3],
      [2, 1],
      [5, 5, 5, 5],
      [1, NaN, 2],
      [-0.5, 0, -1],
      Array.from({ length: 1001 }, (_, i) => i),
      Array.from({ length: 1000 }, (_, i) => 1000 - i),
      Array.from({ length: 999 }, () => Math.floor(next() * 4)),
      Array.from({ length: 4000 }, () => next() * 200 - 100),
      [Infinity, -Infinity, 1, 2],
    ];
    for (const values of cases) {
      expect(median(Float64Array.from(values)), `${values.length} values`).toBe(sortedMedian(values));
      // The same values as three partials joined, as a reducer merges them.
      const a = Float64Array.from(values.slice(0, values.length >> 2));
      const b = Float64Array.from(values.slice(values.length >> 2, values.length >> 1));
      const c = Float64Array.from(values.slice(values.length >> 1));
      const joined = joinValues(joinValues(a, b), c);
      expect(valueCount(joined)).toBe(values.length);
      expect(median(joined), `${values.length} values in 3 partials`).toBe(sortedMedian(values));
      // Selection reorders a copy, never the partials (which view the shuffle's shared memory).
      expect(Array.from(c)).toEqual(values.slice(values.length >> 1));
    }
  });

  it('selects the median of a list larger than the scratch array it keeps', () => {
    const next = random(3);
    const values = Array.from({ length: (1 << 20) + 3 }, () => next());
    expect(median(Float64Array.from(values))).toBe(sortedMedian(values));
    expect(median(Float64Array.of(4, 1, 3))).toBe(3);
  });
});

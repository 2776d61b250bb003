import { describe, expect, it } from 'vitest';
import { decodePairs, encodePairs, transferablesOf, byteSizeOf } from '../../dist/src/worker/partials.js';
import { sharePairs } from '../../dist/src/worker/share-pairs.js';
import { pairsFromSegment, segmentOf } from '../../dist/src/io/spill-file.js';
import { pairsFromBytes, pairsToChunks } from '../../dist/src/cluster/output-bytes.js';
import { concat } from '../helpers/bytes.js';

/**
 * Values made of numbers followed by Float64Arrays (groupby's slots and median value lists) travel
 * as flat arrays (the `lists` encoding): they come back equal to what was encoded, through shared
 * memory, a spill segment and a cluster store object, and anything else keeps its old encoding.
 */

const keys = ['a', 'b', 'c', 'd'];
const values = [
  [1, -0.5, Float64Array.of(3, 1, 2), Float64Array.of(9)],
  [2, NaN, new Float64Array(0), Float64Array.of(-1, -2)],
  [0, Infinity, Float64Array.of(4.25), new Float64Array(0)],
  // A view into a larger buffer: only its own items travel.
  [7, 8, new Float64Array([0, 5, 6, 0]).subarray(1, 3), Float64Array.of(1e300)],
];

/** The values as plain arrays (lists as number arrays), to compare whatever the arrays' buffers. */
function plain(vs: unknown[]): unknown[] {
  return vs.map((v) => (v as unknown[]).map((x) => (x instanceof Float64Array ? Array.from(x) : x)));
}

describe('the lists encoding of (key, value) pairs', () => {
  it('encodes numbers and Float64Arrays as flat arrays and decodes them equal', () => {
    const encoded = encodePairs(keys, values);
    expect(encoded.values.kind).toBe('lists');
    // The keys' 7 bytes of text ('a\0b\0c\0d'); 4 × 2 numbers, then per list position 4 lengths and the items (3 + 0 + 1 + 2, 1 + 2 + 0 + 1).
    expect(byteSizeOf(encoded)).toBe(7 + 8 * (8 + 4 + 6 + 4 + 4));
    // Keys, numbers and the two lengths arrays move; the items are in shared memory from the start.
    expect(transferablesOf(encoded)).toHaveLength(4);
    const back = decodePairs(encoded);
    expect(back.keys).toEqual(keys);
    expect(plain(back.values)).toEqual(plain(values));
    expect((back.values[0] as unknown[])[2]).toBeInstanceOf(Float64Array);
  });

  it('decodes the same through shared memory, a spill segment and a cluster store object', () => {
    const encoded = encodePairs(keys, values);
    const shared = sharePairs(encoded);
    expect(transferablesOf(shared)).toEqual([]);
    expect(plain(decodePairs(shared).values)).toEqual(plain(values));
    const spilled = pairsFromSegment(concat(segmentOf(encoded)), 'test');
    expect(plain(decodePairs(spilled).values)).toEqual(plain(values));
    const stored = pairsFromBytes(concat(pairsToChunks(encoded)));
    expect(plain(decodePairs(stored).values)).toEqual(plain(values));
  });

  it('keeps the general encoding for values that are not numbers then Float64Arrays', () => {
    const cases: unknown[][] = [
      [
        [1, Float64Array.of(1)],
        [2, [1]],
      ],
      [
        [1, Float64Array.of(1)],
        [2, Float64Array.of(1), 3],
      ],
      [
        [1, Float64Array.of(1)],
        ['x', Float64Array.of(1)],
      ],
      [
        [1, Float32Array.of(1)],
        [2, Float32Array.of(2)],
      ],
    ];
    for (const vs of cases) {
      const encoded = encodePairs(['k', 'l'], vs);
      expect(encoded.values.kind).toBe('any');
      expect(decodePairs(encoded).values).toEqual(vs);
    }
    expect(encodePairs(['k'], [[1, 2]]).values.kind).toBe('tuple');
  });
});

import { describe, expect, it } from 'vitest';
import { byteSizeOf, decodePairs, encodePairs, transferablesOf } from '../../dist/src/worker/partials.js';
import { sharePairs } from '../../dist/src/worker/share-pairs.js';
import { pairsFromSegment, segmentOf } from '../../dist/src/io/spill-file.js';
import { pairsFromBytes, pairsToChunks } from '../../dist/src/cluster/output-bytes.js';
import { concat } from '../helpers/bytes.js';

/**
 * Values that are typed arrays, or records and arrays holding them (groupby's partials: a bucket's key
 * bytes, offsets and slots; a composite key's part codes and spelled values), travel as one buffer of
 * bytes per column (the `typed` encoding): they come back equal, of the same class, owned by the reader,
 * through shared memory, a spill segment and a cluster store object; an array several values hold
 * travels once and comes back one object, as v8's format keeps it.
 */

/** Every way a map task's partition reaches a reducer. */
function roundTrips(values: unknown[]): unknown[][] {
  const keys = values.map((_, i) => i);
  const encoded = encodePairs(keys, values);
  return [
    decodePairs(encoded).values,
    decodePairs(sharePairs(encodePairs(keys, values))).values,
    decodePairs(pairsFromSegment(concat(segmentOf(encoded)), 'test')).values,
    decodePairs(pairsFromBytes(concat(pairsToChunks(encoded)))).values,
  ];
}

describe('the typed encoding of (key, value) pairs', () => {
  it('carries typed arrays of every class, and Buffers, equal and of their class (views of larger buffers too)', () => {
    const big = new Int32Array([9, 1, 2, 3, 9]);
    const cases: unknown[][] = [
      [Int8Array.of(-1, 2), new Int8Array(0), Int8Array.of(127)],
      [Uint8Array.of(255), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9)],
      [Uint8ClampedArray.of(0, 255)],
      [Int16Array.of(-32768), Uint16Array.of(65535)].slice(0, 1),
      [Uint16Array.of(1, 65535)],
      [big.subarray(1, 4), Int32Array.of(-2147483648)],
      [Uint32Array.of(4294967295, 0)],
      [Float32Array.of(1.5, Number.NaN)],
      [Float64Array.of(-0, Number.POSITIVE_INFINITY, 1e-300)],
      [BigInt64Array.of(-(2n ** 63n), 1n), BigUint64Array.of(2n ** 64n - 1n)].slice(0, 1),
      [BigUint64Array.of(2n ** 64n - 1n)],
      [Buffer.from('héllo'), Buffer.alloc(0), Buffer.from('x'.repeat(20_000))],
    ];
    for (const values of cases) {
      expect(encodePairs([0], values.slice(0, 1)).values.kind).toBe('typed');
      for (const back of roundTrips(values)) {
        expect(back).toHaveLength(values.length);
        back.forEach((v, i) => {
          const want = values[i] as ArrayLike<unknown>;
          expect(v!.constructor).toBe(want.constructor);
          expect(Array.from(v as ArrayLike<unknown>)).toEqual(Array.from(want));
        });
      }
    }
  });

  it('gives the reader arrays of its own: changing one leaves the encoding as it was (a retried reduce reads it again)', () => {
    const encoded = sharePairs(encodePairs(['a', 'b'], [Float64Array.of(1, 2), Float64Array.of(3)]));
    const first = decodePairs(encoded).values as Float64Array[];
    expect(first[0]!.buffer).toBeInstanceOf(ArrayBuffer);
    first[0]![0] = 99;
    expect(Array.from((decodePairs(encoded).values as Float64Array[])[0]!)).toEqual([1, 2]);
  });

  it('carries an array several values hold once, and gives it back as one object', () => {
    const shared = Buffer.from('id1id2id3');
    const values = [0, 1, 2].map((i) => ({
      n: i,
      codes: [Int32Array.of(i, i + 1)],
      values: [{ bytes: shared, offsets: Int32Array.of(0, 3, 6, 9) }],
      repeats: false,
    }));
    const encoded = encodePairs(['a', 'b', 'c'], values);
    const once = encodePairs(['a'], values.slice(0, 1));
    // Three values but the shared bytes' 9 (+ padding) only once more than one value's.
    expect(byteSizeOf(encoded) - byteSizeOf(once)).toBeLessThan(2 * 9 + 200);
    for (const back of roundTrips(values) as Array<Array<(typeof values)[number]>>) {
      expect(back.map((v) => v.n)).toEqual([0, 1, 2]);
      expect(back.map((v) => Array.from(v.codes[0]!))).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
      ]);
      expect(back[0]!.values[0]!.bytes.toString()).toBe('id1id2id3');
      expect(back[1]!.values[0]!.bytes).toBe(back[0]!.values[0]!.bytes);
      expect(back.every((v) => v.repeats === false)).toBe(true);
    }
    expect(transferablesOf(sharePairs(encoded))).toEqual([]);
  });

  it('leaves to v8 what it does not carry column by column: mixed classes, DataViews, arrays with holes or of numbers and objects', () => {
    const mixed = [Int32Array.of(1), Float64Array.of(2)];
    const holes = [
      [Int32Array.of(1), undefined],
      [Int32Array.of(2), Int32Array.of(3)],
    ];
    const views = [new DataView(new ArrayBuffer(4))];
    const words = ['a', 'bé', ''];
    for (const values of [mixed, holes, views, words]) {
      expect(
        encodePairs(
          values.map((_, i) => i),
          values,
        ).values.kind,
      ).toBe('any');
      // Through every way too: a cluster store object once wrote v8's bytes (a Buffer) as JSON and read back none.
      for (const back of roundTrips(values)) expect(back).toEqual(values);
    }
  });
});

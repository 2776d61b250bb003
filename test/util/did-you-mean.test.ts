import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from '../../dist/src/util/did-you-mean.js';

/** Optimal string alignment distance, written out plainly as the reference (a full matrix of arrays). */
function referenceDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const options = [d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)];
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) options.push(d[i - 2]![j - 2]! + 1);
      d[i]![j] = Math.min(...options);
    }
  return d[a.length]![b.length]!;
}

describe('closestName', () => {
  it('finds the typos users make: a letter extra, missing, wrong, or two swapped; case ignored', () => {
    const columns = ['status', 'id1', 'v1', 'v3', 'created_at'];
    expect(closestName('statuss', columns)).toBe('status');
    expect(closestName('stats', columns)).toBe('status');
    expect(closestName('creatde_at', columns)).toBe('created_at');
    expect(closestName('STATUS', columns)).toBe('status');
    expect(closestName('v4', columns)).toBe('v1'); // the first of equally close candidates
    expect(closestName('wrodcount', ['grep', 'wordcount', 'sort'])).toBe('wordcount');
  });

  it('offers nothing when no candidate is within a third of the longer name', () => {
    expect(closestName('price', ['status', 'id1', 'v1'])).toBeUndefined();
    expect(closestName('abc', ['xyz'])).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });

  it('picks a candidate at the least reference distance, within the limit, on random names', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const word = (n: number) => Array.from({ length: n }, () => 'abcde'[Math.floor(random() * 5)]).join('');
    for (let round = 0; round < 500; round++) {
      const typed = word(1 + Math.floor(random() * 8));
      const candidates = Array.from({ length: 1 + Math.floor(random() * 6) }, () => word(1 + Math.floor(random() * 8)));
      const within = candidates.filter((c) => referenceDistance(typed, c) <= Math.max(1, Math.floor(Math.max(typed.length, c.length) / 3)));
      const got = closestName(typed, candidates);
      if (within.length === 0) {
        expect(got, `${typed} among ${candidates}`).toBeUndefined();
      } else {
        const best = Math.min(...within.map((c) => referenceDistance(typed, c)));
        expect(got, `${typed} among ${candidates}`).toBe(within.find((c) => referenceDistance(typed, c) === best));
      }
    }
  });
});

describe('didYouMean', () => {
  it('ends an error clause with the suggestion, or adds nothing', () => {
    expect(didYouMean('statuss', ['status'])).toBe('; did you mean "status"?');
    expect(didYouMean('price', ['status'])).toBe('');
  });
});

import { makeData, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { planAggs } from '../../dist/jobs/groupby/aggregates.js';
import { Groups } from '../../dist/jobs/groupby/groups.js';
import { keyPartsOf, spelledParts, textSpellings } from '../../dist/jobs/groupby/row-keys.js';

/** A Utf8 column's data of the given bytes and value lengths. */
function utf8(bytes: Uint8Array, lengths: number[]) {
  const valueOffsets = new Int32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) valueOffsets[i + 1] = valueOffsets[i]! + lengths[i]!;
  return makeData({ type: new Utf8(), length: lengths.length, nullCount: 0, valueOffsets, data: bytes });
}

const TEXTS = ['', 'a', 'id0000012345', 'é中😀', 'x'.repeat(254), 'y'.repeat(255), 'z'.repeat(70_000)];

describe('a text key spelled from its bytes (row-keys.ts textSpellings, Groups.textSpelling)', () => {
  it('spells text values byte for byte as their strings are spelled, short and long, and reads them back', () => {
    const bytes = Buffer.from(TEXTS.join(''), 'utf8');
    const ends = new Int32Array(TEXTS.length);
    TEXTS.reduce((at, t, i) => (ends[i] = at + Buffer.byteLength(t)), 0);
    const direct = textSpellings(bytes, ends);
    const viaStrings = spelledParts({ values: [TEXTS], codes: [undefined] }, TEXTS.length).spelled[0]!;
    expect(Buffer.from(direct.bytes).equals(Buffer.from(viaStrings.bytes))).toBe(true);
    expect([...direct.offsets]).toEqual([...viaStrings.offsets]);
    expect(keyPartsOf(direct.bytes, direct.offsets, TEXTS.length, 1)[0]).toEqual(TEXTS);
  });

  it('gives the groups of one text key their spelling from the bytes, the same as through their keys', () => {
    const groups = new Groups(planAggs(['count'], {}, ['k']));
    const keys = ['b', 'a', 'b', 'é', '', 'a', 'c'];
    groups.assignText(
      utf8(
        Buffer.from(keys.join('')),
        keys.map((k) => Buffer.byteLength(k)),
      ),
      keys.length,
    );
    const spelled = groups.textSpelling()!;
    expect(groups.size).toBe(5);
    expect(keyPartsOf(spelled.bytes, spelled.offsets, groups.size, 1)[0]).toEqual(['b', 'a', 'é', '', 'c']);
    expect(groups.keys).toEqual(['b', 'a', 'é', '', 'c']);
  });

  it('leaves bytes that are not UTF-8 to the strings (every worker then spells such a key alike)', () => {
    const groups = new Groups(planAggs(['count'], {}, ['k']));
    groups.assignText(utf8(Uint8Array.of(0x61, 0xff, 0x62), [1, 1, 1]), 3);
    expect(groups.size).toBe(3);
    expect(groups.textSpelling()).toBeUndefined();
  });
});

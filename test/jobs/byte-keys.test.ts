import { describe, expect, it } from 'vitest';
import { ByteKeys, keyHash } from '../../dist/jobs/shared/byte-keys.js';

/** Keys as one UTF-8 buffer with start/end offsets, as a Utf8 column or a tokenizer gives them. */
function packed(keys: string[], pad = 0): { bytes: Uint8Array; starts: Int32Array; ends: Int32Array } {
  const parts = keys.map((k) => Buffer.from(k, 'utf8'));
  const starts = new Int32Array(keys.length);
  const ends = new Int32Array(keys.length);
  let at = 0;
  parts.forEach((p, i) => {
    starts[i] = at;
    ends[i] = at += p.length;
  });
  const bytes = new Uint8Array(at + pad);
  for (let i = 0; i < parts.length; i++) bytes.set(parts[i]!, starts[i]!);
  return { bytes, starts, ends };
}

/** The reference: ids by first sight in a Map of strings. */
function referenceIds(keys: string[], seen = new Map<string, number>()): number[] {
  return keys.map((k) => {
    if (!seen.has(k)) seen.set(k, seen.size);
    return seen.get(k)!;
  });
}

/** One key's bytes and range, as idOf takes them. */
function oneKey(key: string): [Uint8Array, number, number] {
  const b = Buffer.from(key, 'utf8');
  return [b, 0, b.length];
}

function idsOf(table: ByteKeys, keys: string[], pad = 0): number[] {
  const { bytes, starts, ends } = packed(keys, pad);
  const out = new Int32Array(keys.length);
  table.idsOf(bytes, starts, ends, keys.length, out);
  return [...out];
}

/** Deterministic pseudo-random keys of 0–40 characters, ASCII and multi-byte, from a small alphabet so they repeat. */
function randomKeys(n: number, seed: number): string[] {
  const alphabet = ['a', 'b', 'Z', '0', ' ', 'é', 'ß', '中', '😀', '\u00a0'];
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const len = Math.floor(next() * next() * 41);
    let k = '';
    for (let i = 0; i < len; i++) k += alphabet[Math.floor(next() * (i < 10 ? 3 : alphabet.length))];
    return k;
  });
}

describe('ByteKeys (text keys as bytes → dense ids)', () => {
  it('gives the ids a Map of strings gives, over several batches, and each key back as its string', () => {
    const table = new ByteKeys();
    const seen = new Map<string, number>();
    for (let batch = 0; batch < 6; batch++) {
      const keys = randomKeys(20_000, batch + 1);
      expect(idsOf(table, keys)).toEqual(referenceIds(keys, seen));
    }
    expect(table.size).toBe(seen.size);
    expect(seen.size).toBeGreaterThan(5000); // the table grew past its first sizes
    for (const [k, id] of seen) expect(table.keyAt(id)).toBe(k);
  });

  it('finds every key again after its table grew many times, the keys that made it grow too', () => {
    // Distinct keys one at a time and in batches, short (in the slot) and long: each growth is made by a key's add.
    const keys = Array.from({ length: 70_000 }, (_, i) => (i % 3 === 0 ? `user-${i}-with-a-longer-name` : `u${i}`));
    const ones = new ByteKeys();
    const { bytes, starts, ends } = packed(keys);
    for (let i = 0; i < keys.length; i++) expect(ones.idOf(bytes, starts[i]!, ends[i]!)).toBe(i);
    const batched = new ByteKeys();
    expect(idsOf(batched, keys)).toEqual(keys.map((_, i) => i));
    for (const table of [ones, batched]) {
      expect(table.size).toBe(keys.length);
      // Looked up again, every key is found (a lost key would be added anew, with id 70,000 or more).
      expect(idsOf(table, keys)).toEqual(keys.map((_, i) => i));
      expect(keys.every((_, i) => table.idOf(bytes, starts[i]!, ends[i]!) === i)).toBe(true);
      expect(table.size).toBe(keys.length);
    }
  });

  it('tells apart keys of one length that share their first 12 bytes, and a key from its prefixes', () => {
    const keys = [
      'abcdefghijklX',
      'abcdefghijklY',
      'abcdefghijkl',
      'abcdefghijk',
      'abcdefghijklX',
      '',
      'a',
      '',
      'abcdefghijklmnopqrstuvwxyz1',
      'abcdefghijklmnopqrstuvwxyz2',
    ];
    expect(idsOf(new ByteKeys(), keys)).toEqual(referenceIds(keys));
  });

  it('tells apart keys whose hashes collide', () => {
    // Birthday search: among 300K keys some two share a 32-bit hash.
    const byHash = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const k = `key-${i}-é`;
      const b = Buffer.from(k, 'utf8');
      const h = keyHash(b, 0, b.length);
      const other = byHash.get(h);
      if (other !== undefined) pair = [other, k];
      else byHash.set(h, k);
    }
    const keys = [pair[0], pair[1], pair[1], pair[0], 'x', pair[1]];
    const table = new ByteKeys();
    expect(idsOf(table, keys)).toEqual([0, 1, 1, 0, 2, 1]);
    expect([table.keyAt(0), table.keyAt(1)]).toEqual(pair);
  });

  it('tells apart long keys that share their hash and first 8 bytes (compared byte by byte)', () => {
    // A long key's slot holds its hash and first 8 bytes: two keys equal in both differ only further on.
    const byHash = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const k = `abcdefgh-${i}-tail`;
      const b = Buffer.from(k, 'utf8');
      const h = keyHash(b, 0, b.length);
      const other = byHash.get(h);
      if (other !== undefined) pair = [other, k];
      else byHash.set(h, k);
    }
    const keys = [pair[0], pair[1], pair[0], pair[1], 'abcdefgh', pair[1]];
    const table = new ByteKeys();
    expect(idsOf(table, keys)).toEqual([0, 1, 0, 1, 2, 1]);
    expect(keys.map((_, i) => table.idOf(...oneKey(keys[i]!)))).toEqual([0, 1, 0, 1, 2, 1]);
    expect([table.keyAt(0), table.keyAt(1)]).toEqual(pair);
  });

  it('tells apart short keys that differ only by trailing zero bytes (the length is part of the slot)', () => {
    const keys = ['a', 'a\0', 'a\0\0', '', '\0', 'abcd\0\0\0\0', 'abcd', 'abcdefgh\0\0\0\0', 'abcdefgh', 'a\0'];
    expect(idsOf(new ByteKeys(), keys)).toEqual(referenceIds(keys));
  });

  it('spreads keys that differ only in the top byte of each word over distinct hashes', () => {
    // 'aaaXaaaYaaaZ': a hash that sums products of the words would give these 64,000 keys 256 values.
    const chars = [...'0123456789abcdefghijklmnopqrstuvwxyzABCD'];
    const keys = chars.flatMap((x) => chars.flatMap((y) => chars.map((z) => `aaa${x}aaa${y}aaa${z}`)));
    const hashes = new Set(keys.map((k) => keyHash(Buffer.from(k), 0, 12)));
    expect(hashes.size).toBeGreaterThan(keys.length * 0.99);
    expect(idsOf(new ByteKeys(), keys)).toEqual(referenceIds(keys));
  });

  it('reads a key the same at the end of its buffer as in the middle (word loads near the end go byte by byte)', () => {
    const table = new ByteKeys();
    const keys = ['ab', 'abcdefghijklmn', 'xyz12345', 'ab', 'abcdefghijklmn', 'xyz12345'];
    // No padding: the last keys end at the buffer's last byte; then 16 bytes of padding after them.
    expect(idsOf(table, keys)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(idsOf(table, [...keys].reverse(), 16)).toEqual([2, 1, 0, 2, 1, 0]);
    for (const k of keys) expect(idsOf(table, [k])).toEqual([referenceIds(keys).at(keys.indexOf(k))]);
  });

  it('gives the same ids one key at a time as a batch at a time, on one table', () => {
    const table = new ByteKeys();
    const seen = new Map<string, number>();
    for (let batch = 0; batch < 4; batch++) {
      const keys = randomKeys(5000, 100 + batch);
      const want = referenceIds(keys, seen);
      if (batch % 2 === 0) expect(idsOf(table, keys)).toEqual(want);
      else {
        const { bytes, starts, ends } = packed(keys);
        const got = keys.map((_, i) => table.idOf(bytes, starts[i]!, ends[i]!));
        expect(got).toEqual(want);
      }
    }
    for (const [k, id] of seen) expect(table.keyAt(id)).toBe(k);
  });

  it('holds no keys before any batch, and a batch of none adds none', () => {
    const table = new ByteKeys();
    expect(idsOf(table, [])).toEqual([]);
    expect(table.size).toBe(0);
  });
  it('gives the same ids, bytes and keys after reserve as when it grows key by key, whenever reserve is called', () => {
    const grown = new ByteKeys();
    const reserved = new ByteKeys();
    const seen = new Map<string, number>();
    for (let batch = 0; batch < 3; batch++) {
      const keys = randomKeys(20000, 7 + batch);
      const want = referenceIds(keys, seen);
      // Room for every key of the batch, more than needed when keys repeat; the first batch on an empty table.
      reserved.reserve(reserved.size + keys.length, reserved.bytes.length + Buffer.byteLength(keys.join('')));
      expect(idsOf(reserved, keys)).toEqual(want);
      expect(idsOf(grown, keys)).toEqual(want);
    }
    expect(reserved.size).toBe(grown.size);
    expect(Buffer.from(reserved.bytes).equals(Buffer.from(grown.bytes))).toBe(true);
    for (const [k, id] of seen) expect(reserved.keyAt(id)).toBe(k);
  });
});

import { describe, expect, it } from 'vitest';
import { parseSize, UsageError } from 'quiver-engine';
import { formatCount, formatSize } from '../../dist/src/util/size.js';

describe('parseSize', () => {
  it('reads sizes as users write them, in powers of 1024', () => {
    const cases: Array<[string | number, number]> = [
      ['4KB', 4096],
      ['64MB', 64 * 2 ** 20],
      ['1GB', 2 ** 30],
      ['1gb', 2 ** 30],
      ['2 MiB', 2 * 2 ** 20],
      ['512', 512],
      ['512b', 512],
      ['1.5G', 1.5 * 2 ** 30],
      ['3k', 3072],
      ['1T', 2 ** 40],
      [' 8 kb ', 8192],
      [4096, 4096],
      [10.7, 10],
    ];
    for (const [text, bytes] of cases) expect(parseSize(text), String(text)).toBe(bytes);
  });

  it('rejects what is not a positive size, naming the option and an example', () => {
    for (const text of ['', 'MB', '-4KB', '0', '0KB', '4XB', '4 K B', '1e3', 'four', '64MB!']) {
      expect(() => parseSize(text), text).toThrow(UsageError);
      expect(() => parseSize(text), text).toThrow(`--split-size must be a size such as 4KB, 64MB or 1GB, got "${text}"`);
    }
    expect(() => parseSize(0)).toThrow(/--split-size must be a positive size, got 0/);
    expect(() => parseSize(Number.NaN, '--worker-memory')).toThrow(/--worker-memory must be a positive size, got NaN/);
  });
});

describe('formatSize', () => {
  it('writes bytes below 1 KB as they are, and larger sizes in the largest binary unit with one decimal', () => {
    const cases: Array<[number, string]> = [
      [0, '0 B'],
      [1023, '1023 B'],
      [1024, '1.0 KB'],
      [1536, '1.5 KB'],
      [64 * 2 ** 20, '64.0 MB'],
      [2 ** 30 - 1, '1024.0 MB'],
      [2 ** 30, '1.0 GB'],
      [3 * 2 ** 40, '3.0 TB'],
      [2 ** 50, '1024.0 TB'],
    ];
    for (const [bytes, text] of cases) expect(formatSize(bytes), String(bytes)).toBe(text);
  });

  it('reads back through parseSize to within the rounding of its one decimal', () => {
    for (const bytes of [1024, 5000, 123_456_789, 7.5 * 2 ** 30]) {
      const back = parseSize(formatSize(bytes).replace(' ', ''));
      expect(Math.abs(back - bytes) / bytes).toBeLessThan(0.05);
    }
  });
});

describe('formatCount', () => {
  it("groups digits exactly as toLocaleString('en-US') does", () => {
    const counts = [0, 7, 999, 1000, 1001, 65_536, 999_999, 1_000_000, 10_000_000, 123_456_789, -1, -1234, -1_234_567];
    for (const n of [...counts, Number.MAX_SAFE_INTEGER, 2 ** 40 + 3]) expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves what is not a safe integer to toLocaleString', () => {
    for (const n of [1.5, 1234.5678, -0.25, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY])
      expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
  });
});

import { describe, expect, it } from 'vitest';
import { parseSize, UsageError } from 'quiver-engine';

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

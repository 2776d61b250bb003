import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mapRange, mmapAvailable } from '../../dist/src/io/mmap.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

// These run where native/mmap.c is built, as `npm run build` does on Linux and macOS; a machine
// without a C compiler fails them on purpose, to say that quiver there reads files with copies.
describe('memory-mapped file ranges', () => {
  afterEach(() => {
    delete process.env.QUIVER_MMAP;
  });

  const file = path.join(dir, 'bytes.bin');
  const bytes = new Uint8Array(3 * 4096 + 123).map((_, i) => (i * 7 + (i >> 12)) & 255);
  writeFileSync(file, bytes);

  it('give the same bytes as reading the file, at any offset and length', () => {
    process.env.QUIVER_MMAP = '1';
    expect(mmapAvailable()).toBe(true);
    for (const [offset, length] of [[0, bytes.length], [1, 10], [4095, 2], [4096, 4096], [5000, 7000], [bytes.length - 1, 1], [777, 0], [bytes.length, 0]] as const) {
      const view = mapRange(file, offset, length)!;
      expect(view.byteLength).toBe(length);
      expect(Buffer.from(view).equals(Buffer.from(bytes.subarray(offset, offset + length))), `${offset}+${length}`).toBe(true);
    }
  });

  it('keep writes into a view to this process: the file does not change', () => {
    process.env.QUIVER_MMAP = '1';
    const view = mapRange(file, 100, 50)!;
    view.fill(0);
    expect(view.every((b) => b === 0)).toBe(true);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(mapRange(file, 100, 50)!).equals(Buffer.from(bytes.subarray(100, 150)))).toBe(true);
  });

  it('say which file is too short or missing', () => {
    process.env.QUIVER_MMAP = '1';
    expect(() => mapRange(file, 4096, bytes.length)).toThrow(/cannot read 12411 bytes at offset 4096 of .*bytes\.bin: .*bytes\.bin has 12411 bytes, fewer than the 16507 asked for \(was it truncated\?\)/);
    expect(() => mapRange(path.join(dir, 'missing.bin'), 0, 1)).toThrow(/missing\.bin: cannot open .*missing\.bin: No such file or directory/);
  });

  it('are off with QUIVER_MMAP=0, and the readers then read with copies', () => {
    process.env.QUIVER_MMAP = '0';
    expect(mmapAvailable()).toBe(false);
    expect(mapRange(file, 0, 10)).toBeUndefined();
  });
});

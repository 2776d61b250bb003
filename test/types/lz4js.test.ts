import lz4, { decompressBlock } from 'lz4js';
import { describe, expect, it } from 'vitest';

// src/types/lz4js.d.ts declares the one function quiver uses from lz4js (which ships no types). These
// check the runtime does what the declaration says, so a new lz4js cannot change it unnoticed.
describe('the lz4js declaration', () => {
  it('decompressBlock decodes a hand-written LZ4 block into dst from dIndex and returns the end in dst', () => {
    // One sequence: 5 literals "hello", then a match of 4 + 4 = 8 bytes at offset 5 (repeating "hello"),
    // then the last 5 literals " lz4!" (an LZ4 block must end in at least 5 literals).
    const block = Uint8Array.from([0x54, ...Buffer.from('hello'), 5, 0, 0x50, ...Buffer.from(' lz4!')]);
    const padded = new Uint8Array(block.length + 3);
    padded.set(block, 3);
    const dst = new Uint8Array(40).fill(0x2e);
    const end = decompressBlock(padded, dst, 3, block.length, 2);
    const expected = 'hello' + 'hellohel' + ' lz4!';
    expect(end).toBe(2 + expected.length);
    expect(Buffer.from(dst.subarray(2, end)).toString()).toBe(expected);
    expect(dst[0]).toBe(0x2e); // nothing before dIndex is written
  });

  it('the default export carries the same function', () => {
    expect(lz4.decompressBlock).toBe(decompressBlock);
  });

  it('agrees with lz4js compressing a block (round trip of generated text)', () => {
    const src = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(200));
    const { compressBlock, compressBound } = lz4 as unknown as {
      compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
      compressBound(n: number): number;
    };
    const packed = new Uint8Array(compressBound(src.length));
    const n = compressBlock(src, packed, 0, src.length, new Uint32Array(1 << 16));
    expect(n).toBeLessThan(src.length / 4);
    const out = new Uint8Array(src.length);
    expect(decompressBlock(packed, out, 0, n, 0)).toBe(src.length);
    expect(Buffer.from(out).equals(src)).toBe(true);
  });
});

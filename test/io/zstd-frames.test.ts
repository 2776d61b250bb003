import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompressedChunks } from '../../dist/src/io/read-compressed.js';
import { Xxh64 } from '../../dist/src/io/xxh64.js';

// The .zst files were written by the zstd CLI (`zstd --check`), whose frame checksum is the reference
// for ours; the text they hold is made again here the same way.
const DIR = path.resolve(import.meta.dirname, '../fixtures/data/zstd');
const text = (n: number) => {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `line ${i} of the quick brown fox café\n`;
  return Buffer.from(s).subarray(0, n);
};

async function decompress(file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of decompressedChunks(file, 'zstd')) parts.push(c);
  return Buffer.concat(parts);
}

describe('zstd frame checksums', () => {
  it('XXH64 gives the published digests', () => {
    const low32 = (s: string) => {
      const h = new Xxh64();
      h.update(Buffer.from(s));
      return h.digest32();
    };
    // XXH64 of "" is 0xEF46DB3751D8E999 and of "abc" 0x44BC2CF5AD770999; a frame keeps the low 32 bits.
    expect(low32('')).toBe(0x51d8e999);
    expect(low32('abc')).toBe(0xad770999);
  });

  it.each([0, 5, 31, 32, 33, 100, 5000, 200000])(
    'a %i-byte text compressed by the zstd CLI passes its checksum and decodes exactly',
    async (n) => {
      expect(await decompress(path.join(DIR, `text-${n}.txt.zst`))).toEqual(text(n));
    },
  );

  it('two frames one after the other, and a frame without a checksum', async () => {
    expect(await decompress(path.join(DIR, 'two-frames.txt.zst'))).toEqual(Buffer.concat([text(100), text(5000)]));
    expect(await decompress(path.join(DIR, 'no-checksum.txt.zst'))).toEqual(text(5000));
  });

  it('any flipped checksum bit fails, naming the file and the frame', async () => {
    const bytes = readFileSync(path.join(DIR, 'text-5000.txt.zst'));
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync(path.join((await import('node:os')).tmpdir(), 'zstd-'));
    for (let bit = 0; bit < 32; bit += 5) {
      const c = Buffer.from(bytes);
      c[c.length - 4 + (bit >> 3)]! ^= 1 << (bit & 7);
      const file = path.join(dir, `flip-${bit}.zst`);
      writeFileSync(file, c);
      await expect(decompress(file)).rejects.toThrow(
        new RegExp(`flip-${bit}\\.zst does not decompress as zstd: the frame at byte 0 fails its checksum`),
      );
    }
  });

  it('a frame whose header states another content size than it decodes to fails (was: accepted; fuzz seed 14, case 228)', async () => {
    const bytes = readFileSync(path.join(DIR, 'text-5000.txt.zst'));
    // Frame_Content_Size's place in the header (RFC 8878 3.1.1.1): after the descriptor, the window
    // descriptor unless single-segment, and the dictionary id.
    const fhd = bytes[4]!;
    const single = (fhd >> 5) & 1;
    const fcsBytes = fhd >> 6 === 0 ? single : 1 << (fhd >> 6);
    expect(fcsBytes).toBeGreaterThan(0); // the zstd CLI states the size of what it compressed
    const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync(path.join((await import('node:os')).tmpdir(), 'zstd-'));
    const c = Buffer.from(bytes);
    c[at]! ^= 4; // the data and its checksum intact: only the stated size is wrong
    const file = path.join(dir, 'size.zst');
    writeFileSync(file, c);
    await expect(decompress(file)).rejects.toThrow(
      /size\.zst does not decompress as zstd: the frame at byte 0 decodes to 5000 bytes, but its header says \d+: the file is corrupt/,
    );
  });

  it('a file cut inside a frame fails', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync(path.join((await import('node:os')).tmpdir(), 'zstd-'));
    const file = path.join(dir, 'cut.zst');
    writeFileSync(file, readFileSync(path.join(DIR, 'text-5000.txt.zst')).subarray(0, 40));
    await expect(decompress(file)).rejects.toThrow(/cut\.zst does not decompress as zstd/);
  });
});

/// <reference path="../types/lz4js.d.ts" />
import { CompressionType, compressionRegistry } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';
import lz4 from 'lz4js';

/**
 * Decoders for compressed Arrow IPC bodies (the format's LZ4_FRAME and ZSTD buffer codecs), as Polars
 * (`writeIPC(…, { compression })`), pyarrow and DuckDB write them. Arrow JS reads a compressed body
 * only through a codec in its registry and fails with "Record batch is compressed but codec not
 * found" otherwise, so every thread that reads Arrow bodies registers these first. Pure JS: fzstd,
 * and lz4js's block decoder under our own frame parser (below); quiver never writes compressed IPC.
 */
export function registerIpcCodecs(): void {
  if (registered) return;
  registered = true;
  compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: (data) => lz4FrameDecode(data, uncompressedLength(data)) });
  compressionRegistry.set(CompressionType.ZSTD, {
    decode: (data) => {
      const n = uncompressedLength(data);
      const out = zstdDecompress(data, n === undefined ? undefined : new Uint8Array(n));
      if (n !== undefined && out.length !== n)
        throw new Error(`a zstd-compressed buffer decoded to ${out.length} bytes, its header says ${n}; the file may be corrupt`);
      return out;
    },
  });
}

let registered = false;

/**
 * The buffer's uncompressed length, when it can be known before decoding. Arrow JS hands a codec the
 * bytes after the IPC format's 8-byte little-endian length prefix (a view into the body), so the
 * prefix is just before them: with it the output is allocated once at its size, and checked.
 */
function uncompressedLength(data: Uint8Array): number | undefined {
  if (data.byteOffset < 8) return undefined;
  const n = new DataView(data.buffer, data.byteOffset - 8, 8).getBigInt64(0, true);
  // A value that could not be this buffer's length means the view was not what we assume: decode without it.
  return n >= 0n && n <= 2n ** 31n ? Number(n) : undefined;
}

const LZ4_MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 1 << 16, 1 << 18, 1 << 20, 1 << 22];

/**
 * Decodes LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md). lz4js's own
 * `decompress` skips a block's checksum *before* the block instead of after it, so it returns garbage
 * for frames with block checksums, which Polars writes; its block decoder is right and is used here.
 * Linked blocks need nothing special: every block decodes into the one output, after the previous.
 */
export function lz4FrameDecode(src: Uint8Array, size?: number): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let out = new Uint8Array(size ?? lz4Bound(src, view));
  let s = 0;
  let d = 0;
  while (s < src.length) {
    if (view.getUint32(s, true) !== LZ4_MAGIC)
      throw new Error(`not an LZ4 frame at byte ${s} of a compressed buffer; the file may be corrupt`);
    const flags = src[s + 4]!;
    s += 6 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0) + 1; // magic, FLG, BD, content size, dictionary id, header checksum
    for (;;) {
      const word = view.getUint32(s, true);
      s += 4;
      if (word === 0) break;
      const n = word & 0x7fffffff;
      if (s + n > src.length) throw new Error('an LZ4 block runs past the end of its buffer; the file may be corrupt');
      if (word & 0x80000000) {
        out.set(src.subarray(s, s + n), d);
        d += n;
      } else {
        d = lz4.decompressBlock(src, out, s, n, d);
      }
      s += n + (flags & 0x10 ? 4 : 0); // block checksum
    }
    if (flags & 0x04) s += 4; // content checksum
  }
  if (size !== undefined && d !== size)
    throw new Error(`an LZ4-compressed buffer decoded to ${d} bytes, its header says ${size}; the file may be corrupt`);
  if (d < out.length) out = out.subarray(0, d);
  return out;
}

/** An upper bound of a frame's decoded size when the IPC prefix does not give it: each block's maximum. */
function lz4Bound(src: Uint8Array, view: DataView): number {
  let total = 0;
  let s = 0;
  while (s + 7 <= src.length && view.getUint32(s, true) === LZ4_MAGIC) {
    const flags = src[s + 4]!;
    const max = BLOCK_MAX[(src[s + 5]! >> 4) & 7] ?? 1 << 22;
    s += 7 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0);
    for (;;) {
      const word = view.getUint32(s, true);
      s += 4;
      if (word === 0) break;
      total += word & 0x80000000 ? word & 0x7fffffff : max;
      s += (word & 0x7fffffff) + (flags & 0x10 ? 4 : 0);
    }
    if (flags & 0x04) s += 4;
  }
  return total;
}

import { Xxh64 } from './xxh64.js';

type Decompress = import('fzstd').Decompress;

/**
 * Decompresses a zstd stream chunk by chunk with fzstd and checks every frame's content checksum and
 * its declared content size, which fzstd skips. It walks the frame structure itself (header, block
 * headers, checksum: a few bytes per 128 KB block, no decoding) to know where each frame ends, gives
 * each frame a fresh fzstd decoder, and counts and hashes its output. A checksum that does not match,
 * a frame whose output is not the size its header states (fuzz seed 14, case 228: one bit of the size
 * flipped, the data intact; the zstd CLI and DuckDB refuse the file), a frame cut short or a reserved
 * block type throws `Error` with the frame's offset; the caller names the file.
 */
export class ZstdFrames {
  private pending: Uint8Array = new Uint8Array(0);
  private at = 0; // compressed offset of pending[0]
  private frame: Frame | undefined;
  private skip = 0;

  constructor(
    private readonly fzstd: typeof import('fzstd'),
    private readonly out: (chunk: Uint8Array) => void,
  ) {}

  /** Feeds compressed bytes; decompressed ones go to `out` as they come. */
  push(chunk: Uint8Array): void {
    this.pending = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    for (let n: number; (n = this.step()) >= 0; ) {
      this.pending = this.pending.subarray(n);
      this.at += n;
    }
  }

  /** Ends the stream: it must end between frames. */
  end(): void {
    if (this.frame || this.skip > 0 || this.pending.length > 0)
      throw new Error(`the stream ends inside the frame at byte ${this.frame?.start ?? this.at} (truncated?)`);
  }

  /**
   * Consumes one unit (a frame header, a block, a checksum, some of a skippable frame) when all of it
   * is pending and returns its size, or -1 when more bytes are needed. 0 ends a frame without a checksum.
   */
  private step(): number {
    const p = this.pending;
    if (this.skip > 0) {
      const n = Math.min(this.skip, p.length);
      this.skip -= n;
      return n > 0 ? n : -1;
    }
    const f = this.frame;
    if (!f) {
      if (p.length < 8) return -1;
      const magic = readU32(p, 0);
      if ((magic & 0xfffffff0) === 0x184d2a50) {
        this.skip = 8 + readU32(p, 4); // a skippable frame: its bytes are not data
        return 0;
      }
      if (magic !== 0xfd2fb528) throw new Error(`no zstd frame starts at byte ${this.at}`);
      const fhd = p[4]!;
      const single = (fhd >> 5) & 1;
      const fcs = fhd >> 6;
      const size = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + (fcs === 0 ? single : 1 << fcs);
      if (p.length < size) return -1;
      const checksum = ((fhd >> 2) & 1) === 1;
      const frame: Frame = {
        start: this.at,
        z: new this.fzstd.Decompress((data) => {
          frame.decoded += data.length;
          frame.hash?.update(data);
          this.out(data);
        }),
        hash: checksum ? new Xxh64() : undefined,
        last: false,
        checksum,
        declared: contentSize(p, size - (fcs === 0 ? single : 1 << fcs), fcs === 0 ? single : 1 << fcs),
        decoded: 0,
      };
      this.frame = frame;
      frame.z.push(p.subarray(0, size));
      return size;
    }
    if (f.last) {
      // The checksum, if any, after the last block.
      if (f.checksum) {
        if (p.length < 4) return -1;
        f.z.push(p.subarray(0, 4), true);
        const want = readU32(p, 0);
        const got = f.hash!.digest32();
        if (want !== got)
          throw new Error(
            `the frame at byte ${f.start} fails its checksum (0x${got.toString(16)} decoded, 0x${want.toString(16)} stored): the file ` +
              `is corrupt`,
          );
        checkSize(f);
        this.frame = undefined;
        return 4;
      }
      f.z.push(new Uint8Array(0), true);
      checkSize(f);
      this.frame = undefined;
      return 0;
    }
    if (p.length < 3) return -1;
    const header = p[0]! | (p[1]! << 8) | (p[2]! << 16);
    const type = (header >> 1) & 3;
    if (type === 3) throw new Error(`the block at byte ${this.at} has the reserved type 3`);
    const size = 3 + (type === 1 ? 1 : header >>> 3);
    if (p.length < size) return -1;
    f.last = (header & 1) === 1;
    f.z.push(p.subarray(0, size));
    return size;
  }
}

/** A frame being decoded: where it starts, its decoder, checksum and the content size its header states. */
interface Frame {
  start: number;
  z: Decompress;
  hash: Xxh64 | undefined;
  last: boolean;
  checksum: boolean;
  /** Frame_Content_Size, when the header has it. */
  declared: number | undefined;
  decoded: number;
}

/** Frame_Content_Size: `bytes` (0, 1, 2, 4 or 8) little-endian bytes at `at`; the 2-byte form is offset by 256. */
function contentSize(p: Uint8Array, at: number, bytes: number): number | undefined {
  if (bytes === 0) return undefined;
  if (bytes === 1) return p[at]!;
  if (bytes === 2) return (p[at]! | (p[at + 1]! << 8)) + 256;
  if (bytes === 4) return readU32(p, at);
  return readU32(p, at) + readU32(p, at + 4) * 2 ** 32;
}

function checkSize(f: Frame): void {
  if (f.declared !== undefined && f.declared !== f.decoded)
    throw new Error(`the frame at byte ${f.start} decodes to ${f.decoded} bytes, but its header says ${f.declared}: the file is corrupt`);
}

const readU32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

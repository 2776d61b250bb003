/**
 * Streaming XXH64 (seed 0), the hash whose low 32 bits close a zstd frame that has a checksum: fzstd
 * decodes frames without checking it, so a flipped bit that still decodes would pass as data.
 * BigInt arithmetic, 32 bytes (four 64-bit lanes) per step: 4-5 MB/s measured on this 2-core machine
 * under a load average of 20 (16 MB hashed, 3 rounds), that is some 40-50 MB/s on an idle core; on a
 * 3 MB text the check made `decompressedChunks` 483 ms instead of 368 ms in the same conditions.
 */
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;
const M = 0xffffffffffffffffn;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, lane: bigint) => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint) => (((acc ^ round(0n, v)) * P1) & M) + P4 & M;

export class Xxh64 {
  private v = [(P1 + P2) & M, P2, 0n, (0n - P1) & M];
  private total = 0;
  private tail = new Uint8Array(32);
  private tailLength = 0;

  /** Adds bytes to the hash. */
  update(data: Uint8Array): void {
    this.total += data.length;
    let i = 0;
    if (this.tailLength > 0) {
      const take = Math.min(32 - this.tailLength, data.length);
      this.tail.set(data.subarray(0, take), this.tailLength);
      this.tailLength += take;
      i = take;
      if (this.tailLength < 32) return;
      this.stripes(this.tail, 0, 32);
      this.tailLength = 0;
    }
    const whole = i + Math.floor((data.length - i) / 32) * 32;
    this.stripes(data, i, whole);
    this.tail.set(data.subarray(whole), 0);
    this.tailLength = data.length - whole;
  }

  private stripes(data: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const view = new DataView(data.buffer, data.byteOffset + from, to - from);
    let [a, b, c, d] = this.v as [bigint, bigint, bigint, bigint];
    for (let p = 0; p < to - from; p += 32) {
      a = round(a, view.getBigUint64(p, true));
      b = round(b, view.getBigUint64(p + 8, true));
      c = round(c, view.getBigUint64(p + 16, true));
      d = round(d, view.getBigUint64(p + 24, true));
    }
    this.v = [a, b, c, d];
  }

  /** The low 32 bits of the digest, as a zstd frame stores them. */
  digest32(): number {
    const [a, b, c, d] = this.v as [bigint, bigint, bigint, bigint];
    let h = this.total >= 32 ? (rotl(a, 1n) + rotl(b, 7n) + rotl(c, 12n) + rotl(d, 18n)) & M : (0n + P5) & M;
    if (this.total >= 32) for (const v of [a, b, c, d]) h = merge(h, v);
    h = (h + BigInt(this.total)) & M;
    const t = this.tail.subarray(0, this.tailLength);
    const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
    let p = 0;
    for (; p + 8 <= t.length; p += 8) h = ((rotl(h ^ round(0n, view.getBigUint64(p, true)), 27n) * P1) & M) + P4 & M;
    for (; p + 4 <= t.length; p += 4) h = ((rotl(h ^ ((BigInt(view.getUint32(p, true)) * P1) & M), 23n) * P2) & M) + P3 & M;
    for (; p < t.length; p++) h = (rotl(h ^ ((BigInt(t[p]!) * P5) & M), 11n) * P1) & M;
    h ^= h >> 33n;
    h = (h * P2) & M;
    h ^= h >> 29n;
    h = (h * P3) & M;
    h ^= h >> 32n;
    return Number(h & 0xffffffffn);
  }
}

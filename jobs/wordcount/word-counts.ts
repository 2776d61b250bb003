import { isUtf8 } from 'node:buffer';
import { DataType, type Data } from 'apache-arrow';
import { ByteKeys } from '../shared/byte-keys.js';

/**
 * Word counts kept over UTF-8 bytes: lines are cut into words byte by byte and each word is counted
 * in a `ByteKeys` table, so a word becomes a JS string once per distinct word (at `forEach`), not
 * once per occurrence. A word is what `line.split(/\s+/)` gives, non-empty: a maximal run of
 * characters other than JavaScript's whitespace (`\s`: ASCII tab, LF, VT, FF, CR, space, and U+00A0,
 * U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF), which `spaceAt` finds in
 * the bytes.
 */
export class WordCounts {
  private readonly words = new ByteKeys();
  private counts = new Float64Array(1024);

  /**
   * Counts the words of a column's lines and returns true; false when the column is not Utf8 data
   * that is valid UTF-8 (then the caller splits its strings: invalid bytes decode to U+FFFD, which
   * only the strings' split would see).
   */
  addLines(data: Data): boolean {
    if (!DataType.isUtf8(data.type)) return false;
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const n = data.length;
    if (!isUtf8(bytes.subarray(offsets[0]!, offsets[n]!))) return false;
    const valid = data.nullCount > 0 ? data.nullBitmap : undefined;
    const bit = data.offset;
    for (let i = 0; i < n; i++) {
      // A null line has no words (ctx.strings gives it as '').
      if (valid && ((valid[(bit + i) >> 3]! >> ((bit + i) & 7)) & 1) === 0) continue;
      this.addLine(bytes, offsets[i]!, offsets[i + 1]!);
    }
    return true;
  }

  /** Calls `f(word, count)` for every word counted. */
  forEach(f: (word: string, count: number) => void): void {
    for (let id = 0; id < this.words.size; id++) f(this.words.keyAt(id), this.counts[id]!);
  }

  private addLine(bytes: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      const space = spaceAt(bytes, i, end);
      if (space > 0) {
        i += space;
        continue;
      }
      const from = i;
      do i++;
      while (i < end && (CLASS[bytes[i]!] === WORD || spaceAt(bytes, i, end) === 0));
      // One key at a time suits words (ByteKeys.idOf): the frequent ones' slots stay cached.
      this.count(this.words.idOf(bytes, from, i));
    }
  }

  private count(id: number): void {
    if (id === this.counts.length) {
      const counts = new Float64Array(id * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.counts[id]++;
  }
}

const WORD = 0;
const ASCII_SPACE = 1;
/** A lead byte of some multi-byte whitespace character: C2, E1, E2, E3, EF. */
const MAYBE_SPACE = 2;

const CLASS = new Uint8Array(256);
for (const b of [9, 10, 11, 12, 13, 32]) CLASS[b] = ASCII_SPACE;
for (const b of [0xc2, 0xe1, 0xe2, 0xe3, 0xef]) CLASS[b] = MAYBE_SPACE;

/**
 * The byte length of the whitespace character at `bytes[i]`, or 0 when it is not whitespace. `i` may
 * point into the middle of a character: continuation bytes (80–BF) are never a lead byte, so they
 * are not whitespace.
 */
export function spaceAt(bytes: Uint8Array, i: number, end: number): number {
  const c = CLASS[bytes[i]!]!;
  if (c === WORD) return 0;
  if (c === ASCII_SPACE) return 1;
  const b0 = bytes[i]!;
  const b1 = i + 1 < end ? bytes[i + 1]! : 0;
  if (b0 === 0xc2) return b1 === 0xa0 ? 2 : 0; // U+00A0
  const b2 = i + 2 < end ? bytes[i + 2]! : 0;
  if (b0 === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0; // U+1680
  if (b0 === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0; // U+3000
  if (b0 === 0xef) return b1 === 0xbb && b2 === 0xbf ? 3 : 0; // U+FEFF
  // E2: U+2000–U+200A, U+2028, U+2029, U+202F, U+205F
  if (b1 === 0x80) return b2 <= 0x8a || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf ? 3 : 0;
  return b1 === 0x81 && b2 === 0x9f ? 3 : 0;
}

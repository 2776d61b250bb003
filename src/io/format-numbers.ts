import type { CellBytes } from './cell-bytes.js';
import { floatText, type ValueStyle } from './format-value.js';

/**
 * Number columns as cells (format-column.ts's loops for integers and doubles). Each loop reserves the
 * room of its run of rows once (a cell of these types has a known widest spelling), then writes the
 * digits and each cell's end through local positions, with the validity bit read inline: no closure
 * or bounds check per cell. Why: the loops that called a closure per cell (and another for validity)
 * cost ~70 ns per cell in the serial tail of a groupby writing 2M groups (issue 25; numbers in
 * bench/results/fast-paths.md, "s31-csvwrite").
 */

/** Validity bits at the data's offset, or undefined when every row is valid. */
export type Validity = Uint8Array | undefined;

const TWO_TO_32 = 4294967296;
/** High words of a 64-bit integer whose value a double holds exactly (|n| < 2^53). */
export const SAFE_HIGH = 1 << 21;
/** Widest cells: `-2147483648`, `-9223372036854775808`, and a double's fast spellings (floatText's fallback may be wider). */
const INT32_WIDTH = 11;
const INT64_WIDTH = 20;
const DOUBLE_WIDTH = 26;

/** Writes `null` (JSON's null cell) at `p`; the position after it. */
export function putNull(b: Uint8Array, p: number): number {
  b[p] = 0x6e;
  b[p + 1] = 0x75;
  b[p + 2] = 0x6c;
  b[p + 3] = 0x6c;
  return p + 4;
}

/** Writes an integer of at most 2^53 in magnitude at `p` as its decimal digits (what String gives); the position after them. */
export function putInteger(b: Uint8Array, p: number, n: number): number {
  if (n < 0) {
    b[p++] = 0x2d;
    n = -n;
  }
  let digits = 1;
  for (let ten = 10; ten <= n; ten *= 10) digits++;
  const after = p + digits;
  p = after;
  // Below 2^32 the digits come from a Uint32 (`>>> 0` first): V8 then divides by 10 as an integer
  // (a multiply), not a double division and a floor; 2.2× faster on 9-digit numbers.
  if (n < TWO_TO_32) putDigits(b, p, n >>> 0);
  else
    do {
      const q = Math.floor(n / 10);
      b[--p] = 0x30 + (n - 10 * q);
      n = q;
    } while (n > 0);
  return after;
}

/** Writes the digits of `u` (a Uint32) backwards, the last one before `p`. */
function putDigits(b: Uint8Array, p: number, u: number): void {
  do {
    const q = (u / 10) >>> 0;
    b[--p] = 0x30 + (u - 10 * q);
    u = q;
  } while (u > 0);
}

/** Rows `[start, end)` of an integer column of at most 32 bits. */
export function formatSmallInts(
  v: ArrayLike<number>,
  bits: Validity,
  off: number,
  json: boolean,
  start: number,
  end: number,
  out: CellBytes,
): void {
  out.reserve(end - start, INT32_WIDTH * (end - start));
  const b = out.bytes;
  const ends = out.ends;
  let p = out.pos;
  let c = out.count;
  for (let i = start; i < end; i++) {
    if (bits === undefined || (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) p = putInteger(b, p, v[i]!);
    else if (json) p = putNull(b, p);
    ends[c++] = p;
  }
  out.pos = p;
  out.count = c;
}

/** Rows `[start, end)` of a 64-bit integer column, read as 32-bit words (low, high): no BigInt unless |n| ≥ 2^53. */
export function formatBigInts(
  words: Int32Array,
  big: ArrayLike<bigint>,
  signed: boolean,
  bits: Validity,
  off: number,
  json: boolean,
  start: number,
  end: number,
  out: CellBytes,
): void {
  out.reserve(end - start, INT64_WIDTH * (end - start));
  const b = out.bytes;
  const ends = out.ends;
  let p = out.pos;
  let c = out.count;
  for (let i = start; i < end; i++) {
    if (bits === undefined || (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) {
      const high = signed ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
      if (high >= -SAFE_HIGH && high < SAFE_HIGH) p = putInteger(b, p, high * TWO_TO_32 + (words[2 * i]! >>> 0));
      else {
        const s = String(big[i]); // at most INT64_WIDTH characters: inside the reserved room
        for (let k = 0; k < s.length; k++) b[p++] = s.charCodeAt(k);
      }
    } else if (json) p = putNull(b, p);
    ends[c++] = p;
  }
  out.pos = p;
  out.count = c;
}

/** Rows `[start, end)` of a Float64 column as `floatText` spells them. */
export function formatDoubles(
  v: Float64Array,
  bits: Validity,
  off: number,
  style: ValueStyle,
  start: number,
  end: number,
  out: CellBytes,
): void {
  const json = style === 'json';
  out.reserve(end - start, DOUBLE_WIDTH * (end - start));
  let b = out.bytes;
  const ends = out.ends;
  let p = out.pos;
  let c = out.count;
  for (let i = start; i < end; i++) {
    if (bits === undefined || (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1) {
      const x = v[i]!;
      const q = putDouble(b, p, x);
      if (q >= 0) p = q;
      else {
        p = out.asciiAt(p, floatText(x, undefined, style), DOUBLE_WIDTH * (end - i));
        b = out.bytes;
      }
    } else if (json) p = putNull(b, p);
    ends[c++] = p;
  }
  out.pos = p;
  out.count = c;
}

/**
 * Writes a double's `floatText` at `p` when it is integral below 2^53 or has few decimals: the position
 * after it; else -1 (nothing written).
 */
function putDouble(b: Uint8Array, p: number, x: number): number {
  if (Number.isInteger(x) && x < 9007199254740992 && x > -9007199254740992) {
    if (x === 0 && 1 / x < 0) b[p++] = 0x2d; // -0.0, as floatText writes it
    p = putInteger(b, p, x);
    b[p] = 0x2e; // .0
    b[p + 1] = 0x30;
    return p + 2;
  }
  return putFewDecimals(b, p, x);
}

/** Powers of ten a double holds exactly. */
const TENS = Float64Array.from({ length: 16 }, (_, d) => 10 ** d);

/**
 * A non-integral double as String(x) writes it, when it is m / 10^d for some d ≤ 9 and m of at most 15
 * digits: the position after it, or -1 (nothing written). String(x) is the decimal with the fewest
 * significant digits that reads back to x (ECMA-262 Number::toString), in plain notation for
 * 1e-6 ≤ |x| < 1e21. Why this m is it: a decimal of at most 15 significant digits is the only one of
 * its length that reads back to its double (DBL_DIG), division of exact m and 10^d rounds as reading
 * the decimal does, and the fewest decimals d give the fewest digits. Data such as prices and
 * measurements have few decimals: String(x) for them was half of a CSV writer's time per double column.
 */
function putFewDecimals(b: Uint8Array, p: number, x: number): number {
  const a = x < 0 ? -x : x;
  if (!(a >= 1e-6 && a < 1e9)) return -1;
  const d = decimalsOf(a);
  if (d < 0) return -1;
  const m = Math.round(a * TENS[d]!);
  if (x < 0) b[p++] = 0x2d;
  const whole = Math.floor(m / TENS[d]!);
  p = putInteger(b, p, whole);
  b[p++] = 0x2e; // .
  // The fraction's d digits, leading zeros included (fraction < 10^9 < 2^32).
  let u = (m - whole * TENS[d]!) >>> 0;
  for (let k = p + d - 1; k >= p; k--) {
    const q = (u / 10) >>> 0;
    b[k] = 0x30 + (u - 10 * q);
    u = q;
  }
  return p + d;
}

/** The decimals of the last double `decimalsOf` found: a column's values mostly have the same number. */
let decimalsHint = 1;

/**
 * The fewest decimals d ≤ 9 with which a (1e-6 ≤ a < 1e9) is m / 10^d, m = round(a·10^d) < 10^15; -1 if
 * none: what trying d upwards from 1 finds, stopping at the first m ≥ 10^15. Starts at the last value's
 * d, because a d that fits makes d + 1 fit while m < 10^15 (|a·10^(d+1) − 10m| < 0.25, so it rounds to
 * 10m, the same decimal): if the hint fits, the answer is found downwards from it, and if not (with
 * m < 10^15), no smaller d fits and it is found upwards. Two tries for most values of a column instead
 * of six for db-benchmark's v3.
 */
function decimalsOf(a: number): number {
  let d = decimalsHint;
  const m = Math.round(a * TENS[d]!);
  if (m >= 1e15)
    d = 0; // the tries upwards from 1 stop where m reaches 10^15: make them
  else if (m / TENS[d]! === a) {
    while (d > 1 && Math.round(a * TENS[d - 1]!) / TENS[d - 1]! === a) d--;
    decimalsHint = d;
    return d;
  }
  // No d up to the hint fits: try upwards from the next one.
  for (d++; d <= 9; d++) {
    const m = Math.round(a * TENS[d]!);
    if (m >= 1e15) return -1;
    if (m / TENS[d]! !== a) continue;
    decimalsHint = d;
    return d;
  }
  return -1;
}

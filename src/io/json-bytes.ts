import { POW10 } from './parse-values.js';

/**
 * JSON tokens read from UTF-8 bytes with arithmetic only, for the NDJSON byte decoder
 * (`ndjson-bytes.ts`): no string per value, no object per line. Each scanner checks the grammar as
 * strictly as JSON.parse does and answers -1 for anything JSON.parse would refuse, and for the rare
 * spellings the fast path leaves to JSON.parse (a lone surrogate, a container nested past
 * `MAX_SCAN_DEPTH`): the caller then reads the line through JSON.parse, which decides.
 */

/** A growable byte buffer that decoded strings and canonical JSON text are written into. */
export class ByteSink {
  bytes = new Uint8Array(1024);
  length = 0;
  /** Makes room for `n` more bytes. */
  room(n: number): Uint8Array {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return this.bytes;
  }
  push(b: number): void {
    this.room(1)[this.length++] = b;
  }
  copy(src: Uint8Array, from: number, to: number): void {
    const dst = this.room(to - from);
    let o = this.length;
    for (let i = from; i < to; i++) dst[o++] = src[i]!;
    this.length = o;
  }
  ascii(text: string): void {
    const dst = this.room(text.length);
    for (let i = 0; i < text.length; i++) dst[this.length++] = text.charCodeAt(i);
  }
}

/** Whether the string scanned last held a backslash escape (set by `stringEnd`). */
export const STR = { escaped: false };

/**
 * The index of the closing quote of the JSON string whose opening quote is at `p` (before `end`), or
 * -1 when it is not a valid JSON string there: a raw control character (a LF included, so a scan never
 * runs past its line), a bad escape, or no closing quote.
 */
export function stringEnd(buf: Uint8Array, p: number, end: number): number {
  let escaped = false;
  for (let i = p + 1; i < end; i++) {
    const c = buf[i]!;
    if (c === 34) {
      STR.escaped = escaped;
      return i;
    }
    if (c === 92) {
      escaped = true;
      if (++i >= end) return -1;
      const d = buf[i]!;
      if (d === 117) {
        if (i + 4 >= end || hex4(buf, i + 1) < 0) return -1;
        i += 4;
      } else if (d !== 34 && d !== 92 && d !== 47 && d !== 98 && d !== 102 && d !== 110 && d !== 114 && d !== 116) return -1;
    } else if (c < 32) return -1;
  }
  return -1;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

function hex4(buf: Uint8Array, at: number): number {
  const a = hexDigit(buf[at]!),
    b = hexDigit(buf[at + 1]!),
    c = hexDigit(buf[at + 2]!),
    d = hexDigit(buf[at + 3]!);
  return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/** The code point of the escape at `buf[i]` (after its backslash) and, in `ESC.next`, the index after it; -1 for a lone surrogate. */
function escapeAt(buf: Uint8Array, i: number, end: number): number {
  const d = buf[i]!;
  ESC.next = i + 1;
  switch (d) {
    case 98:
      return 8;
    case 102:
      return 12;
    case 110:
      return 10;
    case 114:
      return 13;
    case 116:
      return 9;
    case 117:
      break;
    default:
      return d; // " \ /
  }
  const cp = hex4(buf, i + 1);
  ESC.next = i + 5;
  if (cp < 0xd800 || cp > 0xdfff) return cp;
  // A high surrogate must be followed by an escaped low one: JSON.parse keeps a lone one, which UTF-8 cannot hold.
  if (cp > 0xdbff || ESC.next + 6 > end || buf[ESC.next] !== 92 || buf[ESC.next + 1] !== 117) return -1;
  const lo = hex4(buf, ESC.next + 2);
  if (lo < 0xdc00 || lo > 0xdfff) return -1;
  ESC.next += 6;
  return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}
const ESC = { next: 0 };

function putUtf8(out: Uint8Array, o: number, cp: number): number {
  if (cp < 0x80) out[o++] = cp;
  else if (cp < 0x800) {
    out[o++] = 0xc0 | (cp >> 6);
    out[o++] = 0x80 | (cp & 63);
  } else if (cp < 0x10000) {
    out[o++] = 0xe0 | (cp >> 12);
    out[o++] = 0x80 | ((cp >> 6) & 63);
    out[o++] = 0x80 | (cp & 63);
  } else {
    out[o++] = 0xf0 | (cp >> 18);
    out[o++] = 0x80 | ((cp >> 12) & 63);
    out[o++] = 0x80 | ((cp >> 6) & 63);
    out[o++] = 0x80 | (cp & 63);
  }
  return o;
}

/**
 * Appends the UTF-8 of the JSON string content `buf[s, e)` (checked by `stringEnd`) to `sink`, escapes
 * decoded; false for a lone surrogate. The decoded text is never longer than its escaped spelling.
 */
export function unescapeInto(buf: Uint8Array, s: number, e: number, sink: ByteSink): boolean {
  const out = sink.room(e - s);
  let o = sink.length;
  for (let i = s; i < e; ) {
    const c = buf[i]!;
    if (c !== 92) {
      out[o++] = c;
      i++;
      continue;
    }
    const cp = escapeAt(buf, i + 1, e);
    if (cp < 0) return false;
    o = putUtf8(out, o, cp);
    i = ESC.next;
  }
  sink.length = o;
  return true;
}

const SHORT_ESCAPES: Record<number, number> = { 8: 98, 9: 116, 10: 110, 12: 102, 13: 114 };

/**
 * Appends the JSON string `buf[s - 1, e + 1)` as JSON.stringify spells it (only `"`, `\` and control
 * characters escaped, the short escapes where they exist, else `\u00xx`); false for what the fast path
 * leaves to JSON.parse: a lone surrogate, a NUL (`parseJsonLine`'s marker of a big integer starts with one).
 */
function canonicalString(buf: Uint8Array, s: number, e: number, sink: ByteSink): boolean {
  // Escapes never grow: `\u00XX` stays 6 bytes, any other escape shrinks.
  const out = sink.room(e - s + 2);
  let o = sink.length;
  out[o++] = 34;
  for (let i = s; i < e; ) {
    const c = buf[i]!;
    if (c !== 92) {
      out[o++] = c;
      i++;
      continue;
    }
    const cp = escapeAt(buf, i + 1, e);
    i = ESC.next;
    if (cp <= 0) return false;
    if (cp === 34 || cp === 92) {
      out[o++] = 92;
      out[o++] = cp;
    } else if (cp < 32) {
      out[o++] = 92;
      const short = SHORT_ESCAPES[cp];
      if (short !== undefined) out[o++] = short;
      else {
        out[o++] = 117;
        out[o++] = 48;
        out[o++] = 48;
        out[o++] = 48 + (cp >> 4);
        const low = cp & 15;
        out[o++] = low < 10 ? 48 + low : 87 + low;
      }
    } else o = putUtf8(out, o, cp);
  }
  out[o++] = 34;
  sink.length = o;
  return true;
}

/** What `scanNumber` read: the value JSON.parse gives, and how the literal was spelled. */
export const NUM = {
  value: 0,
  /** An integer literal of 16 or more digits, which `parseJsonLine` keeps exact as text. */
  big: false,
  /** An integer literal whose text is `String(value)` (no fraction, no exponent, at most 15 digits, not -0). */
  plain: false,
};

/** The index after the JSON number at `p`, or -1 when there is none (JSON's grammar: no `+`, no leading zeros, no bare `.`). */
export function scanNumber(buf: Uint8Array, p: number, end: number): number {
  let i = p;
  const neg = buf[i] === 45;
  if (neg) i++;
  const d0 = i;
  let m = 0;
  let c = i < end ? buf[i]! : 0;
  if (c === 48) c = ++i < end ? buf[i]! : 0;
  else if (c >= 49 && c <= 57) {
    do {
      m = m * 10 + (c - 48);
      c = ++i < end ? buf[i]! : 0;
    } while (c >= 48 && c <= 57);
  } else return -1;
  const intDigits = i - d0;
  let fracDigits = 0;
  if (c === 46) {
    const f0 = ++i;
    c = i < end ? buf[i]! : 0;
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      c = ++i < end ? buf[i]! : 0;
    }
    fracDigits = i - f0;
    if (fracDigits === 0) return -1;
  }
  let exp = 0;
  let hasExp = false;
  if ((c | 32) === 101) {
    hasExp = true;
    c = ++i < end ? buf[i]! : 0;
    let expNeg = false;
    if (c === 43 || c === 45) {
      expNeg = c === 45;
      c = ++i < end ? buf[i]! : 0;
    }
    const e0 = i;
    while (c >= 48 && c <= 57) {
      if (exp < 100000) exp = exp * 10 + (c - 48);
      c = ++i < end ? buf[i]! : 0;
    }
    if (i === e0) return -1;
    if (expNeg) exp = -exp;
  }
  NUM.big = false;
  NUM.plain = false;
  if (fracDigits === 0 && !hasExp) {
    if (intDigits >= 16) {
      NUM.big = true;
      NUM.value = Number(latin1(buf, p, i));
    } else {
      NUM.value = neg ? -m : m;
      NUM.plain = !(neg && m === 0);
    }
    return i;
  }
  // At most 15 digits are exact in a double, and so is 10^k for k ≤ 22: one multiplication or
  // division is then correctly rounded, as JSON.parse's conversion is. Anything else: Number().
  const scale = exp - fracDigits;
  if (intDigits + fracDigits <= 15 && scale >= -22 && scale <= 22) {
    const v = scale >= 0 ? m * POW10[scale]! : m / POW10[-scale]!;
    NUM.value = neg ? -v : v;
  } else NUM.value = Number(latin1(buf, p, i));
  return i;
}

/** The bytes `buf[s, e)` as a string, one character per byte (for ASCII text). */
export function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
}

/** Whether `buf[p, p + text.length)` (before `end`) is the ASCII `text`. */
export function isWord(buf: Uint8Array, p: number, end: number, word: Uint8Array): boolean {
  if (p + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (buf[p + k] !== word[k]) return false;
  return true;
}

export const TRUE = Buffer.from('true');
export const FALSE = Buffer.from('false');
export const NULL = Buffer.from('null');

/** The index after blanks (space, tab, CR) from `p`. A LF is not skipped: it ends the line. */
export function skipBlanks(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = buf[p]!;
    if (c !== 32 && c !== 9 && c !== 13) break;
    p++;
  }
  return p;
}

/** Containers open at once past which a value is left to JSON.parse. */
const MAX_SCAN_DEPTH = 256;
const ARRAY = 0,
  OBJECT = 1;
const open = new Uint8Array(MAX_SCAN_DEPTH);
/** Per open container: its nesting among objects (0 inside an array), for the flattening limit. */
const chain = new Int32Array(MAX_SCAN_DEPTH);
/** Per open object with `sink`: where its keys start in `keys`. */
const keyBase = new Int32Array(MAX_SCAN_DEPTH);
let keys = new Int32Array(512); // pairs: start, end of each key written into the sink (or in `buf`, without one)
/** Keys in one object past which it is left to JSON.parse: a key is compared with each earlier one. */
const LINEAR_KEYS = 64;

/**
 * Scans the JSON value at `p` and returns the index after it, or -1 (invalid, or left to JSON.parse).
 * With `sink`, writes the value as `jsonText(JSON.parse(text))` spells it: no blanks, numbers as
 * String(number), strings re-escaped, keys in order. An object in it with a duplicate key (a bad record:
 * JSON.parse's path reports it), more than `LINEAR_KEYS` keys or, with `sink`, a key that starts with
 * a digit (JS objects list integer keys first) is left to JSON.parse. `depth` is the nesting of the object holding the value:
 * an object nested deeper than `maxNesting` objects (the reader's flattening limit) answers -1.
 */
export function scanValue(buf: Uint8Array, p: number, end: number, sink: ByteSink | undefined, depth: number, maxNesting: number): number {
  let top = 0;
  let nKeys = 0;
  let inKey = false;
  for (;;) {
    // A value (or, when inKey, an object's key and colon) starts at p.
    p = skipBlanks(buf, p, end);
    if (p >= end) return -1;
    if (inKey) {
      if (buf[p] !== 34) return -1;
      const q = stringEnd(buf, p, end);
      if (q < 0) return -1;
      // Without a sink, keys are compared as they are spelled in `buf`: an escaped one is left to JSON.parse.
      let ks = p;
      let ke = q + 1;
      if (sink) {
        ks = sink.length;
        if (!canonicalString(buf, p + 1, q, sink)) return -1;
        const first = sink.bytes[ks + 1]!;
        if (first >= 48 && first <= 57) return -1;
        ke = sink.length;
      } else if (STR.escaped) return -1;
      // A repeated key makes the record bad (duplicate-keys.ts says why); a wide object is left to its Set there.
      const from = keyBase[top - 1]!;
      if (nKeys - from >= LINEAR_KEYS || isDuplicateKey(sink ? sink.bytes : buf, from, nKeys, ks, ke)) return -1;
      if (2 * nKeys + 2 > keys.length) {
        const grown = new Int32Array(keys.length * 2);
        grown.set(keys);
        keys = grown;
      }
      keys[2 * nKeys] = ks;
      keys[2 * nKeys + 1] = ke;
      nKeys++;
      sink?.push(58);
      p = skipBlanks(buf, q + 1, end);
      if (p >= end || buf[p] !== 58) return -1;
      p++;
      inKey = false;
      continue;
    }
    const c = buf[p]!;
    if (c === 123 || c === 91) {
      if (top === MAX_SCAN_DEPTH) return -1;
      const parent = top === 0 ? depth : open[top - 1] === OBJECT ? chain[top - 1]! : 0;
      const nested = c === 123 && parent > 0 ? parent + 1 : 0;
      if (nested > maxNesting) return -1;
      open[top] = c === 123 ? OBJECT : ARRAY;
      chain[top] = nested;
      keyBase[top] = nKeys;
      top++;
      sink?.push(c);
      p = skipBlanks(buf, p + 1, end);
      if (p < end && buf[p] === c + 2) {
        // `{}` or `[]`: closed below
      } else {
        inKey = c === 123;
        continue;
      }
    } else if (c === 34) {
      const q = stringEnd(buf, p, end);
      if (q < 0) return -1;
      if (sink && !canonicalString(buf, p + 1, q, sink)) return -1;
      p = q + 1;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const q = scanNumber(buf, p, end);
      if (q < 0) return -1;
      if (sink) {
        if (NUM.big || NUM.plain) sink.copy(buf, p, q);
        else sink.ascii(Number.isFinite(NUM.value) ? String(NUM.value) : 'null'); // JSON.stringify's spelling of 1e400
      }
      p = q;
    } else {
      const word = c === 116 ? TRUE : c === 102 ? FALSE : c === 110 ? NULL : undefined;
      if (!word || !isWord(buf, p, end, word)) return -1;
      sink?.copy(word, 0, word.length);
      p += word.length;
    }
    // After a value: close containers, or go on to the next element.
    for (;;) {
      if (top === 0) return p;
      p = skipBlanks(buf, p, end);
      if (p >= end) return -1;
      const d = buf[p]!;
      const object = open[top - 1] === OBJECT;
      if (d === 44) {
        sink?.push(44);
        p++;
        inKey = object;
        break;
      }
      if (d !== (object ? 125 : 93)) return -1;
      sink?.push(d);
      p++;
      top--;
      nKeys = keyBase[top]!;
    }
  }
}

/** Whether the key `b[ks, ke)` is one of keys `from` to `to` (ranges of `b` in `keys`). */
function isDuplicateKey(b: Uint8Array, from: number, to: number, ks: number, ke: number): boolean {
  const len = ke - ks;
  for (let k = from; k < to; k++) {
    const s = keys[2 * k]!;
    if (keys[2 * k + 1]! - s !== len) continue;
    let same = true;
    for (let i = 0; i < len; i++)
      if (b[s + i] !== b[ks + i]) {
        same = false;
        break;
      }
    if (same) return true;
  }
  return false;
}

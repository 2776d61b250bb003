import { ByteSink, STR, stringEnd, unescapeInto } from './json-bytes.js';

/**
 * A key met twice in one object of a record. JSON.parse keeps the last value, so the answer would hang
 * on which duplicate a writer or a mutation put last; DuckDB refuses such a record ("has duplicate
 * key"), and so does quiver: it is a bad record.
 */
export interface DuplicateKey {
  /** The key, as JSON.parse reads it. */
  key: string;
  /** The column it belongs to: the flattened path (`a.b`), up to the first array on the way. */
  column: string;
  /** Where its second occurrence starts, relative to the scanned buffer. */
  offset: number;
}

/** The first key repeated in an object of the JSON value at `buf[p]` (valid JSON, as JSON.parse accepted it). */
export function duplicateKey(buf: Uint8Array, p: number, end: number): DuplicateKey | undefined {
  found = undefined;
  scanKeys(buf, p, end);
  return found;
}

/**
 * The duplicate keys of each of the first `elements` elements of the JSON array at `buf[p]` (valid JSON,
 * a UTF-8 BOM allowed before it), by element index: a JSON array file read whole reports its bad
 * elements one by one, as its lines would be.
 */
export function duplicateKeysByElement(buf: Uint8Array, p: number, end: number, elements = Infinity): Map<number, DuplicateKey> {
  const out = new Map<number, DuplicateKey>();
  if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) p += 3;
  p = skipSpace(buf, p, end);
  if (buf[p] !== 91) return out;
  for (let i = 0; i < elements; i++) {
    p = skipSpace(buf, p + 1, end);
    if (p >= end || buf[p] === 93) return out;
    found = undefined;
    p = scanKeys(buf, p, end);
    if (found) out.set(i, found);
    if (p < 0) return out;
    p = skipSpace(buf, p, end);
    if (buf[p] !== 44) return out;
  }
  return out;
}

let found: DuplicateKey | undefined;

/** Objects with more keys than this are checked through a Set instead of against each earlier key. */
const LINEAR_KEYS = 32;

// The open containers (grown as deep as a value nests: JSON.parse takes any depth, flattening is limited later).
let isObject = new Uint8Array(64);
/** Per open container: its first key's index in `keys`, the key that holds it (-1 in an array or at the top), its Set. */
let keyBase = new Int32Array(64);
let via = new Int32Array(64);
const sets: Array<Set<string> | undefined> = [];
/** Triples per key of the open objects: start and end of its bytes (in the scanned buffer, or in `sink`), a signature. */
let keys = new Int32Array(3 * 256);
const sink = new ByteSink();

/**
 * Scans one JSON value for a repeated key, setting `found` at the first; returns the index after the
 * value, or -1 at bytes that are not JSON (only reached on input JSON.parse refused).
 */
function scanKeys(buf: Uint8Array, p: number, end: number): number {
  let top = 0;
  let nKeys = 0;
  let inKey = false;
  let held = -1; // the key whose value starts next
  sink.length = 0;
  for (;;) {
    p = skipSpace(buf, p, end);
    if (p >= end) return -1;
    const c = buf[p]!;
    if (inKey) {
      const q = c === 34 ? stringEnd(buf, p, end) : -1;
      if (q < 0) return -1;
      if (!addKey(buf, p + 1, q, top - 1, nKeys) && found === undefined) found = duplicateAt(buf, p, q, top);
      held = nKeys++;
      p = skipSpace(buf, q + 1, end);
      if (buf[p] !== 58) return -1;
      p++;
      inKey = false;
      continue;
    }
    if (c === 123 || c === 91) {
      if (top === isObject.length) grow();
      isObject[top] = c === 123 ? 1 : 0;
      keyBase[top] = nKeys;
      via[top] = held;
      if (sets[top] !== undefined) sets[top] = undefined;
      top++;
      p = skipSpace(buf, p + 1, end);
      if (buf[p] !== c + 2) {
        inKey = c === 123;
        held = -1;
        continue;
      }
    } else if (c === 34) {
      const q = stringEnd(buf, p, end);
      if (q < 0) return -1;
      p = q + 1;
    } else {
      // A number, true, false or null: up to the next delimiter.
      while (p < end && !isDelimiter(buf[p]!)) p++;
    }
    held = -1;
    // After a value: close containers, or go on to the next element.
    for (;;) {
      if (top === 0) return p;
      p = skipSpace(buf, p, end);
      if (p >= end) return -1;
      const d = buf[p]!;
      if (d === 44) {
        inKey = isObject[top - 1] === 1;
        p++;
        break;
      }
      if (d !== 125 && d !== 93) return -1;
      p++;
      top--;
      nKeys = keyBase[top]!;
    }
  }
}

/**
 * Adds the key `buf[s, e)` as key `nKeys`, of the object open at `frame`: false when that object has it
 * already. A key without escapes is compared where it lies in `buf`; an escaped one is unescaped into
 * `sink` first (a position there is kept as -1 - position), so `k\u0065y` is `key`.
 */
function addKey(buf: Uint8Array, s: number, e: number, frame: number, nKeys: number): boolean {
  let b = buf;
  if (STR.escaped) {
    const at = sink.length;
    // A lone surrogate has no UTF-8: such a key is kept as its escaped bytes after a 0xff, which no UTF-8 holds.
    if (!unescapeInto(buf, s, e, sink)) {
      sink.length = at;
      sink.push(0xff);
      sink.copy(buf, s, e);
    }
    b = sink.bytes;
    [s, e] = [at, sink.length];
  }
  // A signature that tells most keys apart without reading them all: the length and the first and last bytes.
  const sig = e === s ? 0 : ((e - s) << 16) ^ (b[s]! << 8) ^ b[e - 1]!;
  if (3 * nKeys + 3 > keys.length) {
    const grown = new Int32Array(keys.length * 2);
    grown.set(keys);
    keys = grown;
  }
  keys[3 * nKeys] = b === buf ? s : -1 - s;
  keys[3 * nKeys + 1] = b === buf ? e : -1 - e;
  keys[3 * nKeys + 2] = sig;
  const base = keyBase[frame]!;
  if (nKeys - base < LINEAR_KEYS) {
    for (let k = base; k < nKeys; k++) if (keys[3 * k + 2] === sig && sameKey(buf, k, b, s, e)) return false;
    return true;
  }
  let set = sets[frame];
  if (!set) {
    set = new Set();
    for (let k = base; k < nKeys; k++) set.add(keyBytes(buf, k).toString('latin1'));
    sets[frame] = set;
  }
  const text = keyBytes(buf, nKeys).toString('latin1');
  if (set.has(text)) return false;
  set.add(text);
  return true;
}

/** Whether key `k` is the bytes `b[s, e)`. */
function sameKey(buf: Uint8Array, k: number, b: Uint8Array, s: number, e: number): boolean {
  let ks = keys[3 * k]!;
  let ke = keys[3 * k + 1]!;
  let kb = buf;
  if (ks < 0) [kb, ks, ke] = [sink.bytes, -1 - ks, -1 - ke];
  if (ke - ks !== e - s) return false;
  for (let i = ks, j = s; i < ke; i++, j++) if (kb[i] !== b[j]) return false;
  return true;
}

/** Key `k`'s bytes (unescaped). */
function keyBytes(buf: Uint8Array, k: number): Buffer {
  const [ks, ke] = [keys[3 * k]!, keys[3 * k + 1]!];
  return ks < 0 ? Buffer.from(sink.bytes.buffer, -1 - ks, ks - ke) : Buffer.from(buf.buffer, buf.byteOffset + ks, ke - ks);
}

/** The text of key `k`, as JSON.parse reads it. */
function keyText(buf: Uint8Array, k: number): string {
  const bytes = keyBytes(buf, k);
  return bytes[0] === 0xff ? (JSON.parse(`"${bytes.toString('utf8', 1)}"`) as string) : bytes.toString('utf8');
}

/** The duplicate key `buf[p, q]` (quoted) of the object open at `top - 1`, with the column it is in. */
function duplicateAt(buf: Uint8Array, p: number, q: number, top: number): DuplicateKey {
  const key = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + p, q + 1 - p).toString('utf8')) as string;
  const path: string[] = [];
  let inArray = false;
  for (let f = 1; f < top && !inArray; f++) {
    inArray = isObject[f - 1] === 0;
    if (!inArray) path.push(keyText(buf, via[f]!));
  }
  if (!inArray) path.push(key);
  return { key, column: path.join('.'), offset: p };
}

/** JSON's blanks, LF included (a JSON array read whole spans lines). */
function skipSpace(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = buf[p]!;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    p++;
  }
  return p;
}

function isDelimiter(c: number): boolean {
  return c === 44 || c === 125 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9;
}

function grow(): void {
  const n = isObject.length * 2;
  const more = <T extends Uint8Array | Int32Array>(a: T, b: T): T => {
    b.set(a);
    return b;
  };
  isObject = more(isObject, new Uint8Array(n));
  keyBase = more(keyBase, new Int32Array(n));
  via = more(via, new Int32Array(n));
}

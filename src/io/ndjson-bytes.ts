import {
  BigIntBuilder,
  BoolBuilder,
  DictBuilder,
  Float64Builder,
  Int32Builder,
  NumberBuilder,
  Utf8Builder,
  type ColumnBuilder,
} from './column-builders.js';
import type { ColumnType } from './column-types.js';
import { MAX_NESTING } from './flatten.js';
import {
  ByteSink,
  FALSE,
  NULL,
  NUM,
  STR,
  TRUE,
  isWord,
  latin1,
  scanNumber,
  scanValue,
  skipBlanks,
  stringEnd,
  unescapeInto,
} from './json-bytes.js';
import { setJsonBool, setJsonNumber, setJsonText } from './json-values.js';
import { NOT_A_COLUMN, PathTable, guessedKeyEnd, type PathEntry } from './ndjson-paths.js';

// How a column is written; OTHER goes through json-values.ts's setters (the JSON.parse path's own).
const OTHER = 0,
  INT32 = 1,
  FLOAT64 = 2,
  INT64 = 3,
  BOOL = 4,
  UTF8 = 5,
  DICT = 6,
  TEMPORAL = 7;

function kindOf(type: ColumnType): number {
  switch (type) {
    case 'int32':
      return INT32;
    case 'float64':
      return FLOAT64;
    case 'int64':
      return INT64;
    case 'bool':
      return BOOL;
    case 'utf8':
      return UTF8;
    case 'dict':
      return DICT;
    case 'date':
      return TEMPORAL;
  }
  return type.startsWith('timestamp') ? TEMPORAL : OTHER;
}

const NO_I32 = new Int32Array(0);
const NO_F64 = new Float64Array(0);
const NO_I64 = new BigIntBuilder(0, 'int64');
const NO_BOOL = new BoolBuilder(0);
const NO_STR = new Utf8Builder(0);
const NO_DICT = new DictBuilder(0);

/**
 * Reads an NDJSON line's bytes straight into the column builders: keys are found by their bytes
 * (`PathTable`), numbers are parsed from their digits, strings are copied (or unescaped) into the
 * column's UTF-8 buffer, and nothing is made per line or per value. It takes only lines it can read
 * exactly as JSON.parse + flattenObject + setJson would; for anything else — a syntax error, a value
 * that does not fit its column, a key the sample did not show, a duplicate key, an object nested past
 * the limit, a lone surrogate — it answers -1 and the caller reads the line through JSON.parse, which
 * writes the same values or reports the same problem.
 */
export class NdjsonBytes {
  private readonly table: PathTable;
  private readonly kinds: Uint8Array;
  private builders: ColumnBuilder[] = [];
  // One array per kind, so each access in the hot path sees one type (as csv-decode.ts does).
  private i32: Int32Array[] = [];
  private f64: Float64Array[] = [];
  private i64: BigIntBuilder[] = [];
  private bools: BoolBuilder[] = [];
  private strs: Utf8Builder[] = [];
  private dicts: DictBuilder[] = [];
  private temporal: Array<NumberBuilder | BigIntBuilder> = [];
  /** Per builder: the line that set it (else it is null in that line). */
  private readonly filled: Float64Array;
  private line = 0;
  private readonly sink = new ByteSink();
  private readonly keySink = new ByteSink();
  /** The first top-level key of the last line. */
  private firstKey: PathEntry | undefined;
  /**
   * Keys outside the table (not columns: a schema given, a projection) cannot carry a stamp, yet a repeat
   * of one makes the record bad too: per object, each such key's range and hash are kept, and a bucket of
   * its hash is marked with the object's number, so a repeat costs a compare only when the bucket says so
   * (the numbers wrap after 2^32 objects: a stale mark costs a compare, never a wrong answer).
   */
  private others = new Int32Array(3 * 64);
  private nOthers = 0;
  private objectNumber = 0;
  private readonly otherBuckets = new Int32Array(1024);

  /**
   * `types[i]` is builder i's type; `skipped` are the file's other columns; with `strict`, a key
   * outside them with a value is a column the sample missed (the JSON.parse path reports it).
   */
  constructor(
    columns: ReadonlyArray<{ name: string; type: ColumnType }>,
    skipped: readonly string[],
    private readonly strict: boolean,
  ) {
    this.table = new PathTable([...columns.map((c, slot) => ({ name: c.name, slot })), ...skipped.map((name) => ({ name, slot: -1 }))]);
    this.kinds = Uint8Array.from(columns, (c) => kindOf(c.type));
    this.filled = new Float64Array(columns.length).fill(-1);
  }

  /** Writes into these builders from now on (a new batch). */
  bind(builders: ColumnBuilder[]): void {
    this.builders = builders;
    const pick = <T>(of: (b: ColumnBuilder) => T | undefined, none: T) => builders.map((b) => of(b) ?? none);
    this.i32 = pick((b) => (b instanceof Int32Builder ? b.values : undefined), NO_I32);
    this.f64 = pick((b) => (b instanceof Float64Builder ? b.values : undefined), NO_F64);
    this.i64 = pick((b) => (b instanceof BigIntBuilder ? b : undefined), NO_I64);
    this.bools = pick((b) => (b instanceof BoolBuilder ? b : undefined), NO_BOOL);
    this.strs = pick((b) => (b instanceof Utf8Builder ? b : undefined), NO_STR);
    this.dicts = pick((b) => (b instanceof DictBuilder ? b : undefined), NO_DICT);
    this.temporal = pick((b) => (b instanceof NumberBuilder || b instanceof BigIntBuilder ? b : undefined), NO_I64);
  }

  /**
   * Reads the object at `buf[p]` into row `row`: returns the index after it and the blanks after it,
   * or -1 when the line must go through JSON.parse (what it wrote is then to be rolled back).
   */
  read(buf: Uint8Array, p: number, end: number, row: number): number {
    if (buf[p] !== 123) return -1;
    const line = ++this.line;
    this.nOthers = 0;
    const q = this.object(buf, p, end, undefined, 1, row);
    if (q < 0) return -1;
    const filled = this.filled;
    for (let i = 0; i < filled.length; i++) if (filled[i] !== line) this.setNull(i, row);
    return skipBlanks(buf, q, end);
  }

  private setNull(i: number, row: number): void {
    const b = this.builders[i]!;
    b.setNull(row);
    if (b instanceof Utf8Builder) b.empty(row);
    else if (b instanceof DictBuilder) b.indices[row] = 0;
  }

  /** The object at `buf[p]` (a `{`) at path `parent`, `depth` objects deep: the index after it, or -1. */
  private object(buf: Uint8Array, p: number, end: number, parent: PathEntry | undefined, depth: number, row: number): number {
    p = skipBlanks(buf, p + 1, end);
    if (p < end && buf[p] === 125) return p + 1;
    const number = (this.objectNumber = (this.objectNumber + 1) | 0);
    const othersFrom = this.nOthers;
    // The key expected next: the one that followed the previous key last time (found by a compare, not a hash).
    let guess = parent ? parent.firstChild : this.firstKey;
    let prev: PathEntry | undefined;
    for (let first = true; ; first = false) {
      if (p >= end || buf[p] !== 34) return -1;
      let q = guess ? guessedKeyEnd(guess, parent, buf, p, end) : -1;
      let entry: PathEntry | undefined;
      if (q >= 0) entry = guess;
      else {
        q = stringEnd(buf, p, end);
        if (q < 0) return -1;
        if (STR.escaped) {
          this.keySink.length = 0;
          if (!unescapeInto(buf, p + 1, q, this.keySink)) return -1;
          entry = this.table.find(parent, this.keySink.bytes, 0, this.keySink.length);
        } else entry = this.table.find(parent, buf, p + 1, q);
        if (!entry && !this.isNewOther(buf, p + 1, q, number, othersFrom)) return -1;
        if (entry) {
          entry.via = parent;
          if (prev) prev.next = entry;
          else if (first) {
            if (parent) parent.firstChild = entry;
            else this.firstKey = entry;
          }
        }
      }
      prev = entry;
      guess = entry?.next;
      p = skipBlanks(buf, q + 1, end);
      if (p >= end || buf[p] !== 58) return -1;
      p = skipBlanks(buf, p + 1, end);
      if (p >= end) return -1;
      const c = buf[p]!;
      if (entry !== undefined) {
        // A key met twice: JSON.parse keeps the last value (and an object's leaves from the last only).
        if (entry.stamp === this.line) return -1;
        entry.stamp = this.line;
      }
      if (entry !== undefined && c === 123 && entry.prefix) {
        if (depth + 1 > MAX_NESTING) return -1;
        p = this.object(buf, p, end, entry, depth + 1, row);
      } else if (entry !== undefined && entry.slot >= 0 && c !== 123) {
        p = this.value(buf, p, end, entry.slot, row);
      } else {
        // Not a column read here. Under `strict`, a value at a path that is no column is a column the sample missed.
        if (this.strict && (entry === undefined || entry.slot === NOT_A_COLUMN || c === 123) && !isWord(buf, p, end, NULL)) return -1;
        if (c === 34) {
          const e = stringEnd(buf, p, end);
          p = e < 0 ? -1 : e + 1;
        } else if (c === 45 || (c >= 48 && c <= 57)) p = scanNumber(buf, p, end);
        else p = scanValue(buf, p, end, undefined, depth, MAX_NESTING);
      }
      if (p < 0) return -1;
      p = skipBlanks(buf, p, end);
      if (p >= end) return -1;
      if (buf[p] === 44) {
        p = skipBlanks(buf, p + 1, end);
        continue;
      }
      this.nOthers = othersFrom;
      return buf[p] === 125 ? p + 1 : -1;
    }
  }

  /**
   * Keeps the key `buf[s, e)` outside the table, of object `number` whose such keys start at `from`:
   * false when the object had it already, or when it is escaped (then JSON.parse compares).
   */
  private isNewOther(buf: Uint8Array, s: number, e: number, number: number, from: number): boolean {
    if (STR.escaped) return false;
    const h = this.table.lastHash;
    const bucket = h & 1023;
    if (this.otherBuckets[bucket] === number && this.isOther(buf, s, e, h, from)) return false;
    this.otherBuckets[bucket] = number;
    let o = this.others;
    const n = this.nOthers++;
    if (3 * n + 3 > o.length) {
      o = new Int32Array(o.length * 2);
      o.set(this.others);
      this.others = o;
    }
    o[3 * n] = s;
    o[3 * n + 1] = e;
    o[3 * n + 2] = h;
    return true;
  }

  /** Whether the key `buf[s, e)` of hash `h` is among the kept ones from `from` on. */
  private isOther(buf: Uint8Array, s: number, e: number, h: number, from: number): boolean {
    const o = this.others;
    for (let k = from; k < this.nOthers; k++) {
      if (o[3 * k + 2] !== h || o[3 * k + 1]! - o[3 * k]! !== e - s) continue;
      let j = s;
      for (let i = o[3 * k]!; j < e && buf[i] === buf[j]; i++) j++;
      if (j === e) return true;
    }
    return false;
  }

  /** A leaf value at `buf[p]` into builder `i`: the index after it, or -1. */
  private value(buf: Uint8Array, p: number, end: number, i: number, row: number): number {
    const c = buf[p]!;
    const kind = this.kinds[i]!;
    if (c === 34) {
      const q = stringEnd(buf, p, end);
      if (q < 0 || !this.setString(buf, p + 1, q, i, kind, row)) return -1;
      this.filled[i] = this.line;
      return q + 1;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const q = scanNumber(buf, p, end);
      if (q < 0 || !this.setNumber(buf, p, q, i, kind, row)) return -1;
      this.filled[i] = this.line;
      return q;
    }
    if (c === 116 || c === 102) {
      const v = c === 116;
      const word = v ? TRUE : FALSE;
      if (!isWord(buf, p, end, word)) return -1;
      if (kind === BOOL) this.bools[i]!.set(row, v);
      else if (!setJsonBool(this.builders[i]!, row, v)) return -1;
      this.filled[i] = this.line;
      return p + word.length;
    }
    if (c === 110) return isWord(buf, p, end, NULL) ? p + 4 : -1;
    if (c === 91 && (kind === UTF8 || kind === DICT)) {
      // An array is stored as its JSON text, spelled as JSON.stringify would.
      const sink = this.sink;
      sink.length = 0;
      const q = scanValue(buf, p, end, sink, 0, MAX_NESTING);
      if (q < 0) return -1;
      if (kind === UTF8) this.strs[i]!.append(row, sink.bytes, 0, sink.length);
      else this.dicts[i]!.append(row, sink.bytes, 0, sink.length);
      this.filled[i] = this.line;
      return q;
    }
    return -1;
  }

  private setString(buf: Uint8Array, s: number, e: number, i: number, kind: number, row: number): boolean {
    if (!STR.escaped) {
      if (kind === UTF8) this.strs[i]!.append(row, buf, s, e);
      else if (kind === DICT) this.dicts[i]!.append(row, buf, s, e);
      else if (kind !== TEMPORAL || !this.temporal[i]!.setBytes(buf, s, e, row))
        return setJsonText(this.builders[i]!, row, Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8'));
      return true;
    }
    const sink = this.sink;
    sink.length = 0;
    // A string that starts with NUL may be parseJsonLine's marker of a big integer: JSON.parse's path decides.
    if (!unescapeInto(buf, s, e, sink) || (sink.length > 0 && sink.bytes[0] === 0)) return false;
    if (kind === UTF8) this.strs[i]!.append(row, sink.bytes, 0, sink.length);
    else if (kind === DICT) this.dicts[i]!.append(row, sink.bytes, 0, sink.length);
    else return setJsonText(this.builders[i]!, row, Buffer.from(sink.bytes.buffer, 0, sink.length).toString('utf8'));
    return true;
  }

  private setNumber(buf: Uint8Array, p: number, q: number, i: number, kind: number, row: number): boolean {
    const v = NUM.value;
    switch (kind) {
      case INT32:
        if (NUM.big || v !== Math.trunc(v) || v < -2147483648 || v > 2147483647) return false;
        this.i32[i]![row] = v;
        return true;
      case FLOAT64:
        this.f64[i]![row] = v;
        return true;
      case INT64:
        if (NUM.big) return this.setBigInt(buf, p, q, i, row);
        if (Number.isSafeInteger(v)) {
          this.i64[i]!.setSafe(row, v);
          return true;
        }
        return setJsonNumber(this.builders[i]!, row, v);
      case UTF8:
      case DICT:
        // A plain or big integer's text is String(JSON.parse(text)) or the digits parseJsonLine keeps.
        if (NUM.big || NUM.plain) {
          if (kind === UTF8) this.strs[i]!.append(row, buf, p, q);
          else this.dicts[i]!.append(row, buf, p, q);
          return true;
        }
        return setJsonNumber(this.builders[i]!, row, v);
    }
    return NUM.big ? setJsonText(this.builders[i]!, row, latin1(buf, p, q)) : setJsonNumber(this.builders[i]!, row, v);
  }

  /** An int64 of 16 to 19 digits, exact, in two 32-bit halves (past int64's range: false, JSON.parse's path says). */
  private setBigInt(buf: Uint8Array, p: number, q: number, i: number, row: number): boolean {
    const neg = buf[p] === 45;
    const d0 = neg ? p + 1 : p;
    if (q - d0 > 19) return setJsonText(this.builders[i]!, row, latin1(buf, p, q));
    let hi = 0;
    let lo = 0;
    for (let k = d0; k < q; k++) {
      lo = lo * 10 + (buf[k]! - 48);
      const carry = Math.floor(lo / 4294967296);
      lo -= carry * 4294967296;
      hi = hi * 10 + carry;
    }
    // |v| = hi · 2^32 + lo; int64 holds up to 2^63 - 1, and -2^63.
    if (hi > 2147483647 && !(neg && hi === 2147483648 && lo === 0)) return false;
    if (neg) {
      // Two's complement of the 64-bit magnitude.
      lo = lo === 0 ? 0 : 4294967296 - lo;
      hi = lo === 0 ? -hi : -hi - 1;
    }
    const words = this.i64[i]!.words;
    words[2 * row] = lo;
    words[2 * row + 1] = hi;
    return true;
  }
}

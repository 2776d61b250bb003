import { isUtf8 } from 'node:buffer';
import { Field, Schema, type Dictionary, type RecordBatch } from 'apache-arrow';
import type { BadRecords, BadRecord } from './bad-records.js';
import {
  BigIntBuilder,
  DictBuilder,
  Float64Builder,
  Int32Builder,
  NumberBuilder,
  Utf8Builder,
  makeBuilder,
  type ColumnBuilder,
} from './column-builders.js';
import { arrowTypeOf, type ColumnSpec, type ColumnType } from './column-types.js';
import { ColumnTooNarrow } from './column-widening.js';
import { widerTypeForText } from './infer-types.js';
import { POW10, expectedOf } from './parse-values.js';
import { makeFastRecord, type FastRecords } from './csv-fast-record.js';
import { recordBatchOf, rowsPerBatch } from './record-batch.js';

/** How a CSV file is written. Plain data: it travels inside splits. */
export interface CsvDialect {
  /** One byte, e.g. `,` or `\t`. */
  delimiter: string;
  /** One byte, or '' for no quoting. @default '"' */
  quote: string;
  /** Whether the first record names the columns. */
  header: boolean;
  /** Unquoted field texts that mean null. @default [''] */
  nullValues: string[];
  /** Longest record allowed, in bytes; also bounds how far a split looks for its first record. */
  maxRecordBytes: number;
}

const NL = 10;
const CR = 13;
// OTHER is every type without a byte parser of its own (parsed from text by its builder).
const SKIP = 0,
  INT32 = 1,
  FLOAT64 = 2,
  BOOL = 3,
  UTF8 = 4,
  DICT = 5,
  INT64 = 6,
  OTHER = 7,
  DATE = 8,
  TIMESTAMP = 9;
const KIND: Partial<Record<ColumnType, number>> = {
  int32: INT32,
  float64: FLOAT64,
  bool: BOOL,
  utf8: UTF8,
  dict: DICT,
  int64: INT64,
  date: DATE,
};
const kindOf = (t: ColumnType) => KIND[t] ?? (t.startsWith('timestamp') ? TIMESTAMP : OTHER);
const MAX_EXACT = 2 ** 53;
const NO_DICT = new DictBuilder(0);
const NO_STR = new Utf8Builder(0);
const NO_I64 = new BigIntBuilder(0, 'int64');
const MAX_SAFE_DIGITS = 15; // any 15-digit integer is below 2^53

/** A record the decoder could not read; `offset` is an index into the buffer being decoded. */
export interface CsvProblem {
  offset: number;
  column?: string;
  expected: string;
  found?: string;
  /** The value did not fit the column's inferred type: the run must read the column as this type instead. */
  widen?: ColumnType;
}

/**
 * Decodes CSV records straight into typed Arrow columns, batch by batch: numbers are parsed from the
 * bytes inline (no strings for plain integers and decimals), strings are copied once into the
 * column's UTF-8 buffer, low-cardinality strings are dictionary-encoded as they are read, and columns
 * the job does not use are only skipped over. One decoder serves one split (or one stream).
 */
export class CsvDecoder {
  readonly schema: Schema;
  private readonly kinds: Uint8Array;
  private readonly width: number;
  private readonly slot: Int32Array; // column index -> builder index, -1 when skipped
  private readonly names: string[];
  private builders: ColumnBuilder[] = [];
  // Per column of the record, one array per kind so each hot-loop access sees one type (V8 keeps it monomorphic).
  private i32: Int32Array[] = [];
  private f64: Float64Array[] = [];
  private i64: BigIntBuilder[] = [];
  /** Date and timestamp columns' builders, which parse ISO bytes themselves. */
  private temporal: Array<NumberBuilder | BigIntBuilder> = [];
  private dicts: DictBuilder[] = [];
  private strs: Utf8Builder[] = [];
  /** The generated reader of simple records (io/csv-fast-record.ts), bound to this batch's columns. */
  private readonly makeFast: ReturnType<typeof makeFastRecord>;
  private fast: FastRecords | undefined;
  private row = 0;
  readonly batches: RecordBatch[] = [];
  private readonly d: number;
  private readonly q: number;
  private readonly nullEmpty: boolean;
  private readonly nullMarkers: Buffer[];
  /** Rows decoded so far (all batches). */
  rows = 0;
  /** Rows per batch: the task's, fewer for a wide file (`rowsPerBatch`). */
  readonly batchRows: number;

  constructor(
    readonly dialect: CsvDialect,
    readonly columns: ColumnSpec[],
    batchRows: number,
    projection: string[] | undefined,
    readonly bad: BadRecords,
    /** Turns a problem at a buffer offset into a bad record in file terms. */
    readonly locate: (p: CsvProblem) => BadRecord,
  ) {
    this.width = columns.length;
    const keep = projection ? new Set(projection) : undefined;
    this.kinds = new Uint8Array(this.width);
    this.slot = new Int32Array(this.width).fill(-1);
    const fields: Field[] = [];
    columns.forEach((c, i) => {
      if (keep && !keep.has(c.name)) return;
      this.kinds[i] = kindOf(c.type);
      this.slot[i] = fields.length;
      fields.push(new Field(c.name, arrowTypeOf(c.type), true));
    });
    this.names = columns.map((c) => c.name);
    this.schema = new Schema(fields);
    this.batchRows = rowsPerBatch(batchRows, fields.length);
    this.d = dialect.delimiter.charCodeAt(0);
    this.q = dialect.quote === '' ? -1 : dialect.quote.charCodeAt(0);
    this.nullEmpty = dialect.nullValues.includes('');
    this.nullMarkers = dialect.nullValues.filter((v) => v !== '').map((v) => Buffer.from(v));
    // Null markers other than the empty field need the general path's comparisons.
    this.makeFast = this.nullMarkers.length === 0 ? makeFastRecord(this.kinds, this.d, this.q, dialect.maxRecordBytes) : undefined;
    this.newBatch();
  }

  private newBatch(): void {
    const cap = this.batchRows;
    // By the file's columns (not slot.indexOf per field, which was quadratic in a wide header).
    // A text column starts with room for its bytes in the batch before (plus an eighth): the default,
    // 8 bytes a row, is short of a 12-byte key, and doubling the buffer for every batch of q3's id3
    // copied it again each time (2–3% of a worker).
    const before = this.builders;
    this.builders = [];
    this.columns.forEach((col, i) => {
      const s = this.slot[i]!;
      if (s < 0) return;
      const last = before[s];
      const hint = last instanceof Utf8Builder ? Math.max(cap * 8, last.length + (last.length >> 3)) : undefined;
      this.builders[s] = makeBuilder(col.type, cap, col.type === 'dict' ? (this.schema.fields[s]!.type as Dictionary) : undefined, hint);
    });
    const of = (i: number) => (this.slot[i]! >= 0 ? this.builders[this.slot[i]!] : undefined);
    const noI32 = new Int32Array(0),
      noF64 = new Float64Array(0),
      noDict = NO_DICT,
      noStr = NO_STR;
    this.i32 = this.columns.map((_, i) => {
      const b = of(i);
      return b instanceof Int32Builder ? b.values : noI32;
    });
    this.f64 = this.columns.map((_, i) => {
      const b = of(i);
      return b instanceof Float64Builder ? b.values : noF64;
    });
    this.i64 = this.columns.map((_, i) => {
      const b = of(i);
      return b instanceof BigIntBuilder ? b : NO_I64;
    });
    this.temporal = this.columns.map((_, i) => {
      const b = of(i);
      return b instanceof BigIntBuilder || b instanceof NumberBuilder ? b : NO_I64;
    });
    this.dicts = this.columns.map((_, i) => {
      const b = of(i);
      return b instanceof DictBuilder ? b : noDict;
    });
    this.strs = this.columns.map((_, i) => {
      const b = of(i);
      return b instanceof Utf8Builder ? b : noStr;
    });
    this.fast = this.makeFast?.(this.i32, this.f64, this.dicts, this.strs, this.i64, this.temporal);
    this.row = 0;
  }

  private flush(): void {
    if (this.row === 0) return;
    const n = this.row;
    const children = this.builders.map((b) => b.finish(n));
    this.batches.push(recordBatchOf(this.schema, children, n));
    this.rows += n;
    this.newBatch();
  }

  /** Emits the rows decoded so far as a (last) batch. */
  finish(): RecordBatch[] {
    this.flush();
    return this.batches;
  }

  /**
   * Decodes the records in `buf[from, to)`. When `final`, `to` ends the last record; otherwise an
   * unfinished record at the end is left for the next call. Returns where decoding stopped (the start
   * of the unfinished record, or `to`).
   */
  decode(buf: Buffer, from: number, to: number, final: boolean): number {
    // Validate whole lines at once (a LF is never inside a UTF-8 character); only if that fails, record by record.
    const cut = final ? to : buf.lastIndexOf(NL, to - 1) + 1;
    if (cut > from && !isUtf8(buf.subarray(from, cut))) return this.decodeChecked(buf, from, to, final);
    return this.decodeRange(buf, from, to, final, false);
  }

  private decodeChecked(buf: Buffer, from: number, to: number, final: boolean): number {
    return this.decodeRange(buf, from, to, final, true);
  }

  private decodeRange(buf: Buffer, from: number, to: number, final: boolean, checkUtf8: boolean): number {
    const { d, q, kinds, width } = this;
    // Records that start at or before the last LF end before `to`: they take the reader without bounds tests.
    const lastLf = this.fast !== undefined && !checkUtf8 ? buf.lastIndexOf(NL, to - 1) : -1;
    let pos = from;
    while (pos < to) {
      const recordStart = pos;
      if (this.fast !== undefined && !checkUtf8) {
        const end = pos <= lastLf ? this.fast.inside(buf, pos, to, this.row) : this.fast.checked(buf, pos, to, this.row);
        if (end > 0) {
          pos = end;
          if (++this.row === this.batchRows) this.flush();
          continue;
        }
        this.rollback(this.row);
      }
      // Blank lines (LF or CRLF alone) are not records.
      if (buf[pos] === NL) {
        pos++;
        continue;
      }
      if (buf[pos] === CR && pos + 1 < to && buf[pos + 1] === NL) {
        pos += 2;
        continue;
      }
      const row = this.row;
      let f = 0;
      let problem: CsvProblem | undefined;
      for (;;) {
        // One field starts at pos; afterwards pos is at its delimiter, its LF, or `to`.
        const kind = f < width ? kinds[f]! : SKIP;
        let start = pos;
        let end: number;
        let escaped = false;
        if (buf[pos] === q) {
          let p = pos + 1;
          for (;;) {
            const at = buf.indexOf(q, p);
            if (at < 0 || at >= to) {
              end = -1;
              break;
            }
            if (at + 1 < to && buf[at + 1] === q) {
              escaped = true;
              p = at + 2;
              continue;
            }
            if (at + 1 >= to && !final) {
              end = -1;
              break;
            }
            end = at;
            break;
          }
          if (end < 0) {
            if (!final) return this.unfinished(row, recordStart);
            problem = {
              offset: pos,
              column: this.names[f],
              expected: 'a closing quote for the quote here',
              found: 'none (unbalanced quotes, or a quoted field longer than --max-record-size)',
            };
            pos = to;
            break;
          }
          start = pos + 1;
          pos = end + 1;
          const b = pos < to ? buf[pos]! : NL;
          if (b === CR && pos + 1 < to && buf[pos + 1] === NL) {
            pos++;
          } else if (b !== d && b !== NL && pos < to) {
            problem = {
              offset: pos,
              column: this.names[f],
              expected: 'a delimiter or the end of the line after a closing quote',
              found: JSON.stringify(String.fromCharCode(b)),
            };
            pos = this.skipRecord(buf, pos, to);
            break;
          }
          if (kind !== SKIP) {
            const err = this.setQuoted(kind, f, row, buf, start, end, escaped);
            if (err) {
              problem = { offset: start - 1, ...err };
            }
          }
        } else {
          switch (kind) {
            case SKIP: {
              let p = pos;
              while (p < to) {
                const b = buf[p]!;
                if (b === d || b === NL) break;
                p++;
              }
              pos = p;
              break;
            }
            case INT32: {
              let p = pos;
              let b = p < to ? buf[p]! : NL;
              let neg = false;
              if (b === 45) {
                neg = true;
                b = ++p < to ? buf[p]! : NL;
              } else if (b === 43) b = ++p < to ? buf[p]! : NL;
              const digits = p;
              let v = 0;
              while (b >= 48 && b <= 57) {
                v = v * 10 + (b - 48);
                b = ++p < to ? buf[p]! : NL;
              }
              const n = p - digits;
              if (
                n > 0 &&
                n < 11 &&
                (b === d || b === NL || (b === CR && p + 1 < to && buf[p + 1] === NL)) &&
                v <= 2147483647 + (neg ? 1 : 0)
              ) {
                this.i32[f]![row] = neg ? -v : v;
                pos = b === CR ? p + 1 : p;
              } else {
                const e = this.fieldEnd(buf, pos, to);
                const err = this.setText(INT32, f, row, buf, pos, e);
                if (err) problem = { offset: pos, ...err };
                pos = e < to && buf[e] === CR ? e + 1 : e;
              }
              break;
            }
            case INT64: {
              let p = pos;
              let b = p < to ? buf[p]! : NL;
              let neg = false;
              if (b === 45) {
                neg = true;
                b = ++p < to ? buf[p]! : NL;
              } else if (b === 43) b = ++p < to ? buf[p]! : NL;
              const digits = p;
              let v = 0;
              while (b >= 48 && b <= 57) {
                v = v * 10 + (b - 48);
                b = ++p < to ? buf[p]! : NL;
              }
              const n = p - digits;
              if (n > 0 && n <= MAX_SAFE_DIGITS && (b === d || b === NL || (b === CR && p + 1 < to && buf[p + 1] === NL))) {
                this.i64[f]!.setSafe(row, neg ? -v : v);
                pos = b === CR ? p + 1 : p;
              } else {
                const e = this.fieldEnd(buf, pos, to);
                const err = this.setText(INT64, f, row, buf, pos, e);
                if (err) problem = { offset: pos, ...err };
                pos = e < to && buf[e] === CR ? e + 1 : e;
              }
              break;
            }
            case FLOAT64: {
              let p = pos;
              let b = p < to ? buf[p]! : NL;
              let neg = false;
              if (b === 45) {
                neg = true;
                b = ++p < to ? buf[p]! : NL;
              } else if (b === 43) b = ++p < to ? buf[p]! : NL;
              const digits = p;
              let m = 0;
              while (b >= 48 && b <= 57) {
                m = m * 10 + (b - 48);
                b = ++p < to ? buf[p]! : NL;
              }
              let frac = 0;
              let n = p - digits;
              if (b === 46) {
                b = ++p < to ? buf[p]! : NL;
                const fs = p;
                while (b >= 48 && b <= 57) {
                  m = m * 10 + (b - 48);
                  b = ++p < to ? buf[p]! : NL;
                }
                frac = p - fs;
                n += frac;
              }
              if (n > 0 && m < MAX_EXACT && frac < 23 && (b === d || b === NL || (b === CR && p + 1 < to && buf[p + 1] === NL))) {
                const v = frac === 0 ? m : m / POW10[frac]!;
                this.f64[f]![row] = neg ? -v : v;
                pos = b === CR ? p + 1 : p;
              } else {
                const e = this.fieldEnd(buf, pos, to);
                const err = this.setText(FLOAT64, f, row, buf, pos, e);
                if (err) problem = { offset: pos, ...err };
                pos = e < to && buf[e] === CR ? e + 1 : e;
              }
              break;
            }
            default: {
              let p = pos;
              while (p < to) {
                const b = buf[p]!;
                if (b === d || b === NL) break;
                p++;
              }
              const e = p < to && buf[p] === NL && p > pos && buf[p - 1] === CR ? p - 1 : p;
              pos = p;
              if (e === start ? this.nullEmpty : this.nullMarkers.length > 0 && this.isNullMarker(buf, start, e)) {
                this.setNull(kind, f, row);
              } else if (kind === DICT) {
                this.dicts[f]!.append(row, buf, start, e);
              } else if (kind === UTF8) {
                this.strs[f]!.append(row, buf, start, e);
              } else if ((kind === DATE || kind === TIMESTAMP) && this.temporal[f]!.setBytes(buf, start, e, row)) {
                // read from the bytes; anything unusual falls to the text path below, which decides
              } else {
                const err = this.setText(kind, f, row, buf, start, e);
                if (err) problem = { offset: start, ...err };
              }
            }
          }
        }
        if (problem) {
          pos = this.skipRecord(buf, pos, to);
          break;
        }
        if (pos >= to) {
          if (!final) return this.unfinished(row, recordStart);
          break;
        }
        if (buf[pos] === d) {
          pos++;
          f++;
          if (pos >= to && !final) return this.unfinished(row, recordStart);
          continue;
        }
        pos++; // LF
        break;
      }
      // A bad record whose end is not in this chunk waits for the next one, as any unfinished record
      // does: else its rest would be read as a record of its own (counted again, or even accepted),
      // and its problem told from a field cut short.
      if (problem && !final && pos >= to && buf[to - 1] !== NL) return this.unfinished(row, recordStart);
      if (!problem && f + 1 !== width) {
        problem =
          f + 1 > width
            ? {
                offset: recordStart,
                expected: `${width} fields`,
                found: `${f + 1} fields (too many; is the delimiter right, or is a field with a delimiter not quoted?)`,
              }
            : { offset: recordStart, expected: `${width} fields`, found: `${f + 1} field${f === 0 ? '' : 's'} (too few)` };
      }
      if (!problem && pos - recordStart > this.dialect.maxRecordBytes) {
        problem = {
          offset: recordStart,
          expected: `a record of at most ${this.dialect.maxRecordBytes} bytes (raise --max-record-size)`,
          found: `one of ${pos - recordStart} bytes`,
        };
      }
      if (!problem && checkUtf8 && !isUtf8(buf.subarray(recordStart, pos))) {
        problem = {
          offset: recordStart + firstInvalidUtf8(buf, recordStart, pos),
          expected: 'UTF-8 text',
          found: 'bytes that are not valid UTF-8',
        };
      }
      if (problem) {
        this.rollback(row);
        const at = this.locate(problem);
        if (problem.widen)
          throw new ColumnTooNarrow({
            file: at.file,
            byteOffset: at.byteOffset,
            column: problem.column!,
            from: this.columns[this.names.indexOf(problem.column!)]!.type,
            to: problem.widen,
            found: problem.found ?? '',
          });
        this.bad.add(at);
        continue;
      }
      if (++this.row === this.batchRows) this.flush();
    }
    return pos;
  }

  private unfinished(row: number, recordStart: number): number {
    this.rollback(row);
    return recordStart;
  }

  /** Undoes whatever a bad or unfinished record wrote into row `row`. */
  private rollback(row: number): void {
    for (const b of this.builders) {
      b.clearRow(row);
      if (b instanceof Utf8Builder) b.rollback(row);
    }
  }

  /** The end of a record after a problem at `pos`: the next LF outside quotes (or `to`). */
  private skipRecord(buf: Buffer, pos: number, to: number): number {
    const nl = buf.indexOf(NL, pos);
    return nl < 0 || nl >= to ? to : nl + 1;
  }

  /** The end of the unquoted field at `pos` (its delimiter or LF; a CR before the LF is left out by the caller). */
  private fieldEnd(buf: Buffer, pos: number, to: number): number {
    let p = pos;
    while (p < to) {
      const b = buf[p]!;
      if (b === this.d || b === NL) break;
      p++;
    }
    return p > pos && p < to && buf[p] === NL && buf[p - 1] === CR ? p - 1 : p;
  }

  private isNullMarker(buf: Buffer, start: number, end: number): boolean {
    for (const m of this.nullMarkers) if (m.length === end - start && buf.compare(m, 0, m.length, start, end) === 0) return true;
    return false;
  }

  private setNull(kind: number, f: number, row: number): void {
    const b = this.builders[this.slot[f]!]!;
    b.setNull(row);
    if (kind === UTF8) (b as Utf8Builder).empty(row);
    else if (kind === DICT) (b as DictBuilder).indices[row] = 0;
  }

  /** Sets a value from an unquoted field's text (the slow path), or says what was wrong. */
  private setText(kind: number, f: number, row: number, buf: Buffer, start: number, end: number): Omit<CsvProblem, 'offset'> | undefined {
    if (start === end ? this.nullEmpty : this.isNullMarker(buf, start, end)) {
      this.setNull(kind, f, row);
      return undefined;
    }
    return this.setValue(kind, f, row, buf.toString('utf8', start, end));
  }

  /** Sets a value from a quoted field; "" inside is one quote. */
  private setQuoted(
    kind: number,
    f: number,
    row: number,
    buf: Buffer,
    start: number,
    end: number,
    escaped: boolean,
  ): Omit<CsvProblem, 'offset'> | undefined {
    const b = this.builders[this.slot[f]!]!;
    if (!escaped && (kind === UTF8 || kind === DICT)) {
      (b as Utf8Builder | DictBuilder).append(row, buf, start, end);
      return undefined;
    }
    let text = buf.toString('utf8', start, end);
    if (escaped) text = text.replaceAll(this.dialect.quote + this.dialect.quote, this.dialect.quote);
    if (kind === UTF8 || kind === DICT) {
      (b as Utf8Builder | DictBuilder).appendString(row, text);
      return undefined;
    }
    if (text === '') {
      this.setNull(kind, f, row);
      return undefined;
    }
    return this.setValue(kind, f, row, text);
  }

  private setValue(_kind: number, f: number, row: number, text: string): Omit<CsvProblem, 'offset'> | undefined {
    if (this.builders[this.slot[f]!]!.setText(row, text)) return undefined;
    return misfit(this.columns[f]!, JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text), () =>
      widerTypeForText(this.columns[f]!.type, text),
    );
  }
}

/**
 * The problem of a value that is not of its column's type: for an inferred type, the wider type the
 * run must use instead (a column widened, never a failed run); for a given one, a bad record.
 */
export function misfit(spec: ColumnSpec, found: string, wider: () => ColumnType): Omit<CsvProblem, 'offset'> {
  const { name: column, type } = spec;
  if (spec.inferred) return { column, expected: expectedOf(type), found, widen: wider() };
  return {
    column,
    expected:
      `${expectedOf(type)} (column "${column}" is ${type}, as given by --column or --schema; pass another type there, e.g. ` +
      `'${column}:utf8')`,
    found,
  };
}

/** Index (relative to `from`) of the first byte of `buf[from, to)` that breaks UTF-8. */
export function firstInvalidUtf8(buf: Buffer, from: number, to: number): number {
  let lo = from;
  let hi = to;
  // Binary search on prefixes; a prefix cut inside a character is invalid, so step back up to 3 bytes.
  while (hi - lo > 4) {
    const mid = (lo + hi) >> 1;
    let ok = false;
    for (let k = 0; k < 4 && mid - k > from; k++)
      if (isUtf8(buf.subarray(from, mid - k))) {
        ok = true;
        break;
      }
    if (ok) lo = mid;
    else hi = mid;
  }
  for (let i = lo; i < hi; i++) if (!isUtf8(buf.subarray(from, i + 1)) && !isUtf8(buf.subarray(from, Math.min(hi, i + 4)))) return i - from;
  return lo - from;
}

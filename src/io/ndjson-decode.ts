import { isUtf8 } from 'node:buffer';
import { Field, Schema, type Dictionary, type RecordBatch } from 'apache-arrow';
import type { BadRecord, BadRecords } from './bad-records.js';
import { DictBuilder, Utf8Builder, makeBuilder, type ColumnBuilder } from './column-builders.js';
import { arrowTypeOf, type ColumnSpec, type ColumnType } from './column-types.js';
import { ColumnTooNarrow } from './column-widening.js';
import { misfit } from './csv-decode.js';
import { duplicateKey, type DuplicateKey } from './duplicate-keys.js';
import { MAX_NESTING, flattenObject } from './flatten.js';
import { skipBlanks } from './json-bytes.js';
import { recordBatchOf, rowsPerBatch } from './record-batch.js';
import { widerTypeForJson } from './infer-types.js';
import { parseJsonLine } from './json-line.js';
import { ListBuilder, setJson, shortJson, typeOfValue } from './json-values.js';
import { NdjsonBytes } from './ndjson-bytes.js';

const NL = 10;

/** A line the decoder could not read; `offset` is an index into the buffer being decoded. */
export interface NdjsonProblem {
  offset: number;
  column?: string;
  expected: string;
  found?: string;
  /** The value did not fit the column's inferred type, or its key is not a column yet: the run must read it as this type. */
  widen?: ColumnType;
  /** The key was not in the sample. */
  newColumn?: boolean;
}

/**
 * Decodes JSON lines into typed Arrow columns. Each line is read from its bytes straight into the
 * column builders (`NdjsonBytes`); a line that path does not take (a syntax error, a misfit, a key the
 * sample did not show, a repeated key, …: rare) is parsed with JSON.parse, its nested objects
 * flattened to `a.b` paths and each leaf written into its column's builder — the reference the byte
 * path matches (test/io/ndjson-bytes.test.ts). Missing keys are nulls. A key that is not a column (not
 * in the sample nor given) is ignored when the columns were given (`--schema`) or the job reads named
 * columns only; otherwise it is a column the sample missed, and the decoder stops with
 * `ColumnTooNarrow` so the run adds it (as a value that does not fit an inferred type widens it).
 */
export class NdjsonDecoder {
  readonly schema: Schema;
  private readonly index = new Map<string, number>();
  private readonly specs: ColumnSpec[];
  private builders: ColumnBuilder[] = [];
  private seen: Uint8Array;
  /** Every column of the file (projected or not), when keys outside them are columns to discover. */
  private readonly known: Set<string> | undefined;
  private row = 0;
  readonly batches: RecordBatch[] = [];
  /** Rows per batch: the task's, fewer for a wide file (`rowsPerBatch`). */
  readonly batchRows: number;
  /** Lines the byte path left to JSON.parse (what keeps them rare is in ndjson-bytes.ts). */
  jsonParsed = 0;
  /** The byte path; undefined reads every line through JSON.parse (the reference the tests compare it with). */
  private readonly bytes: NdjsonBytes | undefined;

  constructor(
    columns: ColumnSpec[],
    batchRows: number,
    projection: string[] | undefined,
    readonly bad: BadRecords,
    readonly locate: (p: NdjsonProblem) => BadRecord,
    /** @default 'bytes' */
    path: 'bytes' | 'json-parse' = 'bytes',
  ) {
    const keep = projection ? new Set(projection) : undefined;
    this.specs = columns.filter((c) => !keep || keep.has(c.name));
    this.specs.forEach((c, i) => {
      this.index.set(c.name, i);
    });
    this.schema = new Schema(this.specs.map((c) => new Field(c.name, arrowTypeOf(c.type), true)));
    this.batchRows = rowsPerBatch(batchRows, this.specs.length);
    this.seen = new Uint8Array(this.specs.length);
    this.known = !projection && columns.some((c) => c.inferred) ? new Set(columns.map((c) => c.name)) : undefined;
    const skipped = columns.filter((c) => keep && !keep.has(c.name)).map((c) => c.name);
    this.bytes = path === 'bytes' ? new NdjsonBytes(this.specs, skipped, this.known !== undefined) : undefined;
    this.newBatch();
  }

  private newBatch(): void {
    this.builders = this.specs.map((c, i) =>
      c.type.startsWith('list<')
        ? new ListBuilder(this.batchRows, c.type)
        : makeBuilder(c.type, this.batchRows, c.type === 'dict' ? (this.schema.fields[i]!.type as Dictionary) : undefined),
    );
    this.bytes?.bind(this.builders);
    this.row = 0;
  }

  private flush(): void {
    if (this.row === 0) return;
    const n = this.row;
    const children = this.builders.map((b) => b.finish(n));
    this.batches.push(recordBatchOf(this.schema, children, n));
    this.newBatch();
  }

  finish(): RecordBatch[] {
    this.flush();
    return this.batches;
  }

  /**
   * Decodes the lines in `buf[from, to)`; an unfinished last line is left unless `final`. Returns where
   * it stopped. With `arrayLines`, the lines are the elements of a JSON array written one per line
   * (as quiver's own `-o x.json` is): the brackets and the commas between elements are dropped.
   */
  decode(buf: Buffer, from: number, to: number, final: boolean, arrayLines = false): number {
    // Validate whole lines at once (a LF is never inside a UTF-8 character); only if that fails, line by line.
    const cut = final ? to : buf.lastIndexOf(NL, to - 1) + 1;
    if (this.bytes && !arrayLines && (cut <= from || isUtf8(buf.subarray(from, cut))))
      return this.decodeBytes(this.bytes, buf, from, to, final);
    let pos = from;
    while (pos < to) {
      let nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= to) {
        if (!final) return pos;
        nl = to;
      }
      const start = pos;
      pos = nl + 1;
      let [s, end] = trimmedLine(buf, start, nl);
      if (arrayLines) [s, end] = jsonArrayElement(buf, s, end);
      if (s === end) continue;
      if (this.bytes && isUtf8(buf.subarray(s, end))) {
        if (this.bytes.read(buf, s, end, this.row) === end) {
          this.settle(undefined);
          continue;
        }
        this.rollback();
      }
      this.settle(this.decodeLine(buf, s, end));
    }
    return Math.min(pos, to);
  }

  /**
   * `decode` over valid UTF-8: the byte path finds each line's end as it reads (a LF cannot be inside
   * a JSON string), so lines are not searched for first; a line it does not take goes to JSON.parse.
   */
  private decodeBytes(bytes: NdjsonBytes, buf: Buffer, from: number, to: number, final: boolean): number {
    let pos = from;
    while (pos < to) {
      const p = skipBlanks(buf, pos, to);
      if (p < to && buf[p] === NL) {
        pos = p + 1;
        continue;
      }
      if (p === to) return final ? to : pos;
      const q = bytes.read(buf, p, to, this.row);
      if (q >= 0 && (q < to ? buf[q] === NL : final)) {
        pos = q + 1;
        this.settle(undefined);
        continue;
      }
      this.rollback();
      let nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= to) {
        if (!final) return pos;
        nl = to;
      }
      const [s, end] = trimmedLine(buf, pos, nl);
      pos = nl + 1;
      this.settle(this.decodeLine(buf, s, end));
    }
    return Math.min(pos, to);
  }

  /**
   * Decodes parsed JSON values (the elements of a JSON array read whole, with the keys each repeats,
   * `duplicateKeysByElement`); `offsetOf(i)` locates element i for errors.
   */
  decodeValues(values: unknown[], repeated: ReadonlyMap<number, DuplicateKey>, offsetOf: (i: number) => number): void {
    values.forEach((v, i) => {
      const d = repeated.get(i);
      this.settle(d ? duplicateKeyProblem(d, offsetOf(i)) : this.decodeObject(v, offsetOf(i), () => JSON.stringify(v).slice(0, 40)));
    });
  }

  /** Ends a record: counts the row, or undoes it and reports its problem (a widening stops the task). */
  private settle(problem: NdjsonProblem | undefined): void {
    if (!problem) {
      if (++this.row === this.batchRows) this.flush();
      return;
    }
    this.rollback();
    const at = this.locate(problem);
    if (problem.widen) {
      const from = problem.newColumn ? undefined : this.specs[this.index.get(problem.column!)!]!.type;
      throw new ColumnTooNarrow({
        file: at.file,
        byteOffset: at.byteOffset,
        column: problem.column!,
        from,
        to: problem.widen,
        found: problem.found ?? '',
      });
    }
    this.bad.add(at);
  }

  private decodeLine(buf: Buffer, start: number, end: number): NdjsonProblem | undefined {
    this.jsonParsed++;
    if (!isUtf8(buf.subarray(start, end))) return { offset: start, expected: 'UTF-8 text', found: 'bytes that are not valid UTF-8' };
    const text = buf.toString('utf8', start, end);
    let obj: unknown;
    try {
      obj = parseJsonLine(text);
    } catch (e) {
      return {
        offset: start,
        expected: 'a JSON object',
        found: `${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)} (${(e as Error).message})`,
      };
    }
    const repeated = isRecord(obj) ? duplicateKey(buf, start, end) : undefined;
    if (repeated) return duplicateKeyProblem(repeated, repeated.offset);
    return this.decodeObject(obj, start, () => text.slice(0, 40));
  }

  private decodeObject(obj: unknown, start: number, shown: () => string): NdjsonProblem | undefined {
    if (!isRecord(obj)) return { offset: start, expected: 'a JSON object', found: JSON.stringify(shown()) };
    const row = this.row;
    this.seen.fill(0);
    let problem: NdjsonProblem | undefined;
    const flat = flattenObject(obj, (path, v) => {
      if (problem) return;
      const i = this.index.get(path);
      if (i === undefined) {
        if (this.known && !this.known.has(path) && v !== null && v !== undefined)
          problem = {
            offset: start,
            column: path,
            expected: 'a column of the sample',
            found: shortJson(v),
            widen: typeOfValue(v),
            newColumn: true,
          };
        return;
      }
      // The same column twice (the key `a.b` and `b` inside `a`: two keys, neither repeated): the last value stands.
      if (this.seen[i] === 1) this.undo(i, row);
      this.seen[i] = 1;
      problem = this.set(i, row, v, start);
    });
    if (problem) return problem;
    if (!flat) return { offset: start, expected: `a JSON object nested at most ${MAX_NESTING} levels deep`, found: 'one nested deeper' };
    for (let i = 0; i < this.specs.length; i++) if (this.seen[i] === 0) this.setNull(i, row);
    return undefined;
  }

  private setNull(i: number, row: number): void {
    const b = this.builders[i]!;
    b.setNull(row);
    if (b instanceof Utf8Builder) b.empty(row);
    else if (b instanceof DictBuilder) b.indices[row] = 0;
  }

  private set(i: number, row: number, v: unknown, offset: number): NdjsonProblem | undefined {
    if (v === null || v === undefined) {
      this.setNull(i, row);
      return undefined;
    }
    const b = this.builders[i]!;
    if (setJson(b, row, v)) return undefined;
    const spec = this.specs[i]!;
    return { offset, ...misfit(spec, shortJson(v), () => widerTypeForJson(spec.type, v)) };
  }

  private undo(i: number, row: number): void {
    const b = this.builders[i]!;
    b.clearRow(row);
    if (b instanceof Utf8Builder) b.rollback(row);
  }

  private rollback(): void {
    for (const b of this.builders) {
      b.clearRow(this.row);
      if (b instanceof Utf8Builder) b.rollback(this.row);
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A record that repeats a key, at `offset`: bad, whichever value JSON.parse kept (DuckDB refuses it too). */
function duplicateKeyProblem(d: DuplicateKey, offset: number): NdjsonProblem {
  return {
    offset,
    column: d.column,
    expected: 'each key once in an object',
    found: `the key ${JSON.stringify(d.key)} twice; which of its values is meant cannot be known: correct what wrote the file`,
  };
}

/** The line `buf[start, end)` without surrounding blanks (and a CR). */
export function trimmedLine(buf: Buffer, start: number, end: number): [number, number] {
  while (end > start && (buf[end - 1] === 13 || buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
  while (start < end && (buf[start] === 32 || buf[start] === 9)) start++;
  return [start, end];
}

/** A line of a one-element-per-line JSON array without the array's `[`, `]` and the commas around its element. */
export function jsonArrayElement(buf: Buffer, s: number, end: number): [number, number] {
  if (s < end && (buf[s] === 0x5b || buf[s] === 0x2c)) [s, end] = trimmedLine(buf, s + 1, end); // '[' or a leading ','
  if (end > s && buf[end - 1] === 0x5d) {
    // A closing ']' of the array (not of an array value: an element is an object, so it ends with '}').
    const [, e] = trimmedLine(buf, s, end - 1);
    if (e === s || buf[e - 1] === 0x7d || buf[e - 1] === 0x2c) end = e;
  }
  if (end > s && buf[end - 1] === 0x2c) [s, end] = trimmedLine(buf, s, end - 1);
  return [s, end];
}

import { isUtf8 } from 'node:buffer';
import { Field, RecordBatch, Schema, Struct, makeData, type Dictionary } from 'apache-arrow';
import type { BadRecord, BadRecords } from './bad-records.js';
import { BoolBuilder, DictBuilder, Float64Builder, Int32Builder, Utf8Builder, makeBuilder, type ColumnBuilder } from './column-builders.js';
import { arrowTypeOf, type ColumnSpec } from './column-types.js';
import { MAX_NESTING, flattenObject } from './flatten.js';
import { EXPECTED, parseBool, parseFloat64, parseInt32 } from './parse-values.js';

const NL = 10;

/** A line the decoder could not read; `offset` is an index into the buffer being decoded. */
export interface NdjsonProblem {
  offset: number;
  column?: string;
  expected: string;
  found?: string;
}

/**
 * Decodes JSON lines into typed Arrow columns: each line is parsed with JSON.parse, nested objects are
 * flattened to `a.b` paths, and each leaf is written into its column's builder. Keys that are not
 * columns (not in the sample nor given) are ignored; missing keys are nulls.
 */
export class NdjsonDecoder {
  readonly schema: Schema;
  private readonly index = new Map<string, number>();
  private readonly specs: ColumnSpec[];
  private builders: ColumnBuilder[] = [];
  private seen: Uint8Array;
  private row = 0;
  readonly batches: RecordBatch[] = [];

  constructor(
    columns: ColumnSpec[],
    readonly batchRows: number,
    projection: string[] | undefined,
    readonly bad: BadRecords,
    readonly locate: (p: NdjsonProblem) => BadRecord,
  ) {
    const keep = projection ? new Set(projection) : undefined;
    this.specs = columns.filter((c) => !keep || keep.has(c.name));
    this.specs.forEach((c, i) => this.index.set(c.name, i));
    this.schema = new Schema(this.specs.map((c) => new Field(c.name, arrowTypeOf(c.type), true)));
    this.seen = new Uint8Array(this.specs.length);
    this.newBatch();
  }

  private newBatch(): void {
    this.builders = this.specs.map((c, i) => makeBuilder(c.type, this.batchRows, c.type === 'dict' ? (this.schema.fields[i]!.type as Dictionary) : undefined));
    this.row = 0;
  }

  private flush(): void {
    if (this.row === 0) return;
    const n = this.row;
    const children = this.builders.map((b) => b.finish(n));
    this.batches.push(new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children })));
    this.newBatch();
  }

  finish(): RecordBatch[] {
    this.flush();
    return this.batches;
  }

  /** Decodes the lines in `buf[from, to)`; an unfinished last line is left unless `final`. Returns where it stopped. */
  decode(buf: Buffer, from: number, to: number, final: boolean): number {
    let pos = from;
    while (pos < to) {
      let nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= to) {
        if (!final) return pos;
        nl = to;
      }
      const start = pos;
      pos = nl + 1;
      let end = nl;
      while (end > start && (buf[end - 1] === 13 || buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
      let s = start;
      while (s < end && (buf[s] === 32 || buf[s] === 9)) s++;
      if (s === end) continue;
      const problem = this.decodeLine(buf, s, end);
      if (problem) {
        this.rollback();
        this.bad.add(this.locate(problem));
        continue;
      }
      if (++this.row === this.batchRows) this.flush();
    }
    return Math.min(pos, to);
  }

  private decodeLine(buf: Buffer, start: number, end: number): NdjsonProblem | undefined {
    if (!isUtf8(buf.subarray(start, end))) return { offset: start, expected: 'UTF-8 text', found: 'bytes that are not valid UTF-8' };
    const text = buf.toString('utf8', start, end);
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      return { offset: start, expected: 'a JSON object', found: `${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)} (${(e as Error).message})` };
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { offset: start, expected: 'a JSON object', found: JSON.stringify(text.slice(0, 40)) };
    const row = this.row;
    this.seen.fill(0);
    let problem: NdjsonProblem | undefined;
    const flat = flattenObject(obj as Record<string, unknown>, (path, v) => {
      const i = this.index.get(path);
      if (i === undefined || problem) return;
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
    const spec = this.specs[i]!;
    const b = this.builders[i]!;
    const wrong = () => ({ offset, column: spec.name, expected: `${EXPECTED[spec.type]} (column "${spec.name}" is ${spec.type}; if that was inferred from a sample, pass --column '${spec.name}:utf8' or another type)`, found: JSON.stringify(v) });
    switch (spec.type) {
      case 'int32': {
        const n = typeof v === 'number' ? (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v : undefined) : typeof v === 'string' ? parseInt32(v) : undefined;
        if (n === undefined) return wrong();
        (b as Int32Builder).values[row] = n;
        return undefined;
      }
      case 'float64': {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? parseFloat64(v) : undefined;
        if (n === undefined) return wrong();
        (b as Float64Builder).values[row] = n;
        return undefined;
      }
      case 'bool': {
        const x = typeof v === 'boolean' ? v : typeof v === 'string' ? parseBool(v) : undefined;
        if (x === undefined) return wrong();
        (b as BoolBuilder).set(row, x);
        return undefined;
      }
      default: {
        const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
        (b as Utf8Builder | DictBuilder).appendString(row, s);
        return undefined;
      }
    }
  }

  private rollback(): void {
    for (const b of this.builders) {
      b.clearRow(this.row);
      if (b instanceof Utf8Builder) b.rollback(this.row);
    }
  }
}

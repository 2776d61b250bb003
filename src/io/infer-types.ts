import type { ColumnType } from './column-types.js';
import { parseBool, parseFloat64, parseInt32 } from './parse-values.js';

/** Distinct values at or below which a string column is dictionary-encoded… */
export const DICT_MAX_DISTINCT = 4096;
/** …when they are also at most this fraction of the non-null values sampled. */
export const DICT_MAX_RATIO = 0.1;

/**
 * Tells a column's type from sampled values (null = missing): bool when every value is true/false,
 * int32 when every value is an integer that fits, float64 when every value is a number, else text —
 * dictionary-encoded when few distinct values repeat a lot (ids, categories), utf8 otherwise.
 * A column with no values in the sample is utf8.
 */
export class TypeSniffer {
  private bool = true;
  private int = true;
  private float = true;
  private values = 0;
  private readonly distinct = new Set<string>();

  /** Adds a value read as text (CSV). */
  addText(text: string | null): void {
    if (text === null) return;
    this.values++;
    if (this.bool && !/^(true|false)$/i.test(text)) this.bool = false;
    if (this.int && parseInt32(text) === undefined) this.int = false;
    if (this.float && !this.int && parseFloat64(text) === undefined) this.float = false;
    if (this.distinct.size <= DICT_MAX_DISTINCT) this.distinct.add(text);
  }

  /** Adds a JSON value (NDJSON): numbers, booleans and strings keep their kind; anything else is text. */
  addJson(v: unknown): void {
    if (v === null || v === undefined) return;
    this.values++;
    if (typeof v === 'boolean') {
      this.int = this.float = false;
      this.distinct.add(String(v));
      return;
    }
    this.bool = false;
    if (typeof v === 'number') {
      if (this.int && !(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) this.int = false;
      return;
    }
    this.int = this.float = false;
    if (this.distinct.size <= DICT_MAX_DISTINCT) this.distinct.add(typeof v === 'string' ? v : JSON.stringify(v));
  }

  get type(): ColumnType {
    if (this.values === 0) return 'utf8';
    if (this.bool) return 'bool';
    if (this.int) return 'int32';
    if (this.float) return 'float64';
    const n = this.distinct.size;
    return n <= DICT_MAX_DISTINCT && n <= this.values * DICT_MAX_RATIO ? 'dict' : 'utf8';
  }
}

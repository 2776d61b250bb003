import { typeInfo, type ColumnType } from './column-types.js';
import { hasLeadingZero, parseBigInt, parseDate, parseFloat64, parseInt32, parseTime, parseTimestamp } from './parse-values.js';

/** Distinct values at or below which a string column is dictionary-encoded… */
export const DICT_MAX_DISTINCT = 4096;
/** …when they are also at most this fraction of the non-null values sampled. */
export const DICT_MAX_RATIO = 0.1;

/** Prefix of a JSON integer literal too long for a double, kept as text by `parseJsonLine` so it stays exact. */
export const BIG_INT_MARK = '\u0000int:';

/**
 * Tells a column's type from sampled values (null = missing), as DuckDB's and Polars' sniffers do:
 * bool when every value is true/false; int32, else int64, when every value is an integer that fits
 * (one with a leading zero, such as the zip code `00501`, is text: a number would lose the zeros);
 * float64 when every value is a number; date when every value is an ISO date; time (Time64 µs, as
 * DuckDB's sniffer infers TIME) when every value is a time of day (`13:45:30.25`); a timestamp when
 * every value is an ISO timestamp or date — UTC (`timestamp[us, UTC]`) when they carry `Z` or an
 * offset, naive when none does (a mix is text), in ns when any has more than 6 fraction digits,
 * else µs (DuckDB's TIMESTAMP, Polars' default); else text — dictionary-encoded when few distinct
 * values repeat a lot (ids, categories), utf8 otherwise. A column with no values is utf8. JSON
 * arrays (NDJSON) make a `list<item>` when every value is one, the item type sniffed the same way.
 */
export class TypeSniffer {
  private bool = true;
  private int = true;
  private wide = false; // an integer past int32
  private unsigned = false; // an integer past int64 that a uint64 holds (DuckDB's UBIGINT; its JSON reader: HUGEINT)
  private negative = false; // an integer below zero (then no uint64)
  private list = true; // every value is a JSON array…
  private items: TypeSniffer | undefined; // …whose items this sniffs
  private float = true;
  private date = true;
  private timestamp = true;
  private time = true;
  private zoned = false;
  private naive = false;
  private subMicro = false;
  private values = 0;
  private readonly distinct = new Set<string>();

  /** Adds a value read as text (CSV). */
  addText(text: string | null): void {
    if (text === null) return;
    this.values++;
    this.list = false;
    if (this.bool && !/^(true|false)$/i.test(text)) this.bool = false;
    if (this.int || this.float) this.addNumberText(text);
    if (this.date || this.timestamp || this.time) this.addTemporalText(text);
    if (this.distinct.size <= DICT_MAX_DISTINCT) this.distinct.add(text);
  }

  private addNumberText(text: string): void {
    if (hasLeadingZero(text)) {
      this.int = this.float = false;
      return;
    }
    if (this.int && parseInt32(text) === undefined) {
      if (parseBigInt(text, 64, true) !== undefined) this.wide = true;
      else if (parseBigInt(text, 64, false) !== undefined) this.unsigned = true;
      else this.int = false;
    }
    if (this.int && text.trimStart().startsWith('-')) this.negative = true;
    if (this.float && !this.int && parseFloat64(text) === undefined) this.float = false;
  }

  private addTemporalText(text: string): void {
    if (this.date && parseDate(text) === undefined) this.date = false;
    if (this.time && parseTime(text) === undefined) this.time = false;
    if (!this.timestamp) return;
    const ts = parseTimestamp(text);
    if (!ts) {
      this.timestamp = false;
      return;
    }
    if (ts.zoned) this.zoned = true;
    else if (!ts.dateOnly) this.naive = true;
    if (ts.subMicro) this.subMicro = true;
  }

  /** Adds a JSON value (NDJSON): numbers and booleans keep their kind; strings may be dates or timestamps; anything else is text. */
  addJson(v: unknown): void {
    if (v === null || v === undefined) return;
    if (typeof v === 'string' && v.startsWith(BIG_INT_MARK)) {
      this.addText(v.slice(BIG_INT_MARK.length));
      return;
    }
    this.values++;
    if (Array.isArray(v)) {
      this.items ??= new TypeSniffer();
      for (const x of v) this.items.addJson(x);
      this.bool = this.int = this.float = this.date = this.timestamp = this.time = false;
      if (this.distinct.size <= DICT_MAX_DISTINCT) this.distinct.add(JSON.stringify(v));
      return;
    }
    this.list = false;
    if (typeof v === 'boolean') {
      this.int = this.float = this.date = this.timestamp = this.time = false;
      this.distinct.add(String(v));
      return;
    }
    this.bool = false;
    if (typeof v === 'number') {
      this.date = this.timestamp = this.time = false;
      if (this.int && !Number.isInteger(v)) this.int = false;
      else if (v < 0) this.negative = true;
      if (!this.int) return;
      if (v < -2147483648 || v > 2147483647) {
        if (Number.isSafeInteger(v)) this.wide = true;
        else this.int = false;
      }
      return;
    }
    this.int = this.float = false;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (typeof v === 'string' && (this.date || this.timestamp || this.time)) this.addTemporalText(v);
    else this.date = this.timestamp = this.time = false;
    if (this.distinct.size <= DICT_MAX_DISTINCT) this.distinct.add(text);
  }

  get type(): ColumnType {
    if (this.values === 0) return 'utf8';
    if (this.list && this.items) return `list<${this.items.itemType}>`;
    if (this.bool) return 'bool';
    // Past int64 and never negative: uint64 holds them exactly; with negatives, nothing but a double does.
    if (this.int && this.unsigned) return this.negative ? 'float64' : 'uint64';
    if (this.int) return this.wide ? 'int64' : 'int32';
    if (this.float) return 'float64';
    if (this.date) return 'date';
    if (this.time) return 'time';
    if (this.timestamp && !(this.zoned && this.naive)) {
      const unit = this.subMicro ? 'ns' : 'us';
      return this.zoned ? `timestamp[${unit}, UTC]` : `timestamp[${unit}]`;
    }
    const n = this.distinct.size;
    return n <= DICT_MAX_DISTINCT && n <= this.values * DICT_MAX_RATIO ? 'dict' : 'utf8';
  }

  /** The type of a list's items: never a dictionary (a list's items are plain values). */
  get itemType(): ColumnType {
    const t = this.type;
    return t === 'dict' ? 'utf8' : t;
  }
}

/**
 * The narrowest type that holds the values of both types: int32 → int64 → float64, date → timestamp,
 * µs → ns, dict → utf8, lists item by item; any other mix is utf8. The planner's rule for files of one input that
 * disagree, and the run's rule when a later value does not fit a sampled type.
 */
export function widerType(a: ColumnType | undefined, b: ColumnType): ColumnType {
  if (a === undefined || a === b) return b;
  const x = typeInfo(a);
  const y = typeInfo(b);
  // Lists of two item types are a list of the wider one; a list and anything else are text (the JSON).
  if (x.kind === 'list' && y.kind === 'list') return `list<${widerType(x.item, y.item)}>`;
  if (x.kind === 'int' && y.kind === 'int' && x.signed && y.signed) return x.bits >= y.bits ? a : b;
  if ((x.kind === 'int' || x.kind === 'float') && (y.kind === 'int' || y.kind === 'float')) return 'float64';
  const asTs = (t: typeof x) =>
    t.kind === 'date'
      ? { kind: 'timestamp' as const, unit: 'us' as const, tz: undefined, date: true }
      : t.kind === 'timestamp'
        ? { ...t, date: false }
        : undefined;
  const tx = asTs(x);
  const ty = asTs(y);
  if (tx && ty) {
    // A date joins either kind of timestamp (as its midnight); a zoned and a naive timestamp do not mix.
    if (!tx.date && !ty.date && tx.tz !== ty.tz) return 'utf8';
    const unit = tx.unit === 'ns' || ty.unit === 'ns' ? 'ns' : 'us';
    const tz = tx.tz ?? ty.tz;
    return tz ? `timestamp[${unit}, ${tz}]` : `timestamp[${unit}]`;
  }
  return 'utf8';
}

/** The type a column of `type` must widen to for a value (as text) that does not fit it. */
export function widerTypeForText(type: ColumnType, text: string): ColumnType {
  const s = new TypeSniffer();
  s.addText(text);
  return widerType(type, s.type === 'dict' ? 'utf8' : s.type);
}

/** The type a column of `type` must widen to for a JSON value that does not fit it. */
export function widerTypeForJson(type: ColumnType, v: unknown): ColumnType {
  const s = new TypeSniffer();
  s.addJson(v);
  return widerType(type, s.type === 'dict' ? 'utf8' : s.type);
}

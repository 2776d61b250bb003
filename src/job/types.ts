import type { DataType, RecordBatch, Type, TypeMap } from 'apache-arrow';

/** A key emitted by `map`. Composite keys are built with `joinKey(...)` and split on output. */
export type Key = string | number;

/**
 * What `map` and `flush` may emit as a key: a {@link Key}, or a bigint for an exact 64-bit key (its
 * output column is Int64). A Date is not a key (two equal Dates are two objects): emit `d.getTime()`.
 */
export type EmitKey = Key | bigint;

/** The declared type of one job parameter, as given on the command line with `--param name=value`. */
export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'list' | 'json';

/** The declaration of one parameter of a job. */
export interface ParamSpec {
  /**
   * How the `--param` text is parsed. `list` is comma-separated strings; `json` is any JSON value on the
   * command line, and any structured-clonable value from the library or a driver (e.g. k-means centroids).
   */
  type: ParamType;
  /** Used when the parameter is not given. A parameter with no default is required. */
  default?: ParamValue;
  /** One line shown by `quiver explain` and in errors. */
  description?: string;
}

/** Parameters of a job: name → declaration. */
export type ParamsSpec = Record<string, ParamSpec>;

/** A value a `json` parameter can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The value types parameters take after parsing. */
export type ParamValue = string | number | boolean | string[] | JsonValue;

/** The value `ctx.params` holds for a parameter declared as `S`: `integer` and `number` are numbers, `list` a string array. */
export type ParamValueOf<S extends ParamSpec> = S['type'] extends 'string'
  ? string
  : S['type'] extends 'number' | 'integer'
    ? number
    : S['type'] extends 'boolean'
      ? boolean
      : S['type'] extends 'list'
        ? string[]
        : JsonValue;

/**
 * `ctx.params` of a job whose `params` are declared by `S`: each declared name with its parsed type, so
 * `ctx.params.bins` is a number when declared `{ type: 'integer' }` and a misspelt name does not
 * compile. A job that declares no params gets the loose record.
 */
export type ParamsOf<S extends ParamsSpec> = [keyof S] extends [never]
  ? Record<string, ParamValue>
  : { readonly [K in keyof S]: ParamValueOf<S[K]> };

/** What a task knows about the split it is processing. */
export interface SplitInfo {
  /** Index of the split in the plan (0-based). */
  id: number;
  /** Number of splits in the plan. */
  of: number;
  /** Input file path, or `<table>` for in-memory input. */
  file: string;
  /** First row of the split within its file, when the format knows rows up front. */
  rowStart?: number;
  /** One past the last row of the split. */
  rowEnd?: number;
  /** First byte of the split within its file, for byte-range formats. */
  byteStart?: number;
  /** One past the last byte. */
  byteEnd?: number;
  /** Human-readable description, e.g. `data.txt bytes 0–4194303`. */
  describe: string;
}

/** The numbers of a column as `ctx.column()` returns them: one typed array of JS numbers. */
export type NumberArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** @deprecated the old name of {@link NumberArray} (`ctx.column` no longer returns bigints: see `ctx.bigints`). */
export type ColumnValues = NumberArray;

/** An exact Decimal column, as `ctx.decimals()` returns it. */
export interface DecimalColumn {
  /** Digits in all, as the column's type declares. */
  readonly precision: number;
  /** Digits after the point: a value is `unscaled / 10^scale`. */
  readonly scale: number;
  /** The exact unscaled integers, one per row (null rows hold 0n). */
  readonly unscaled: bigint[];
  /** The exact value of a row as decimal text, e.g. `'-1.05'` (as DuckDB prints it), or null for a null. */
  text(row: number): string | null;
}

/** The Arrow type ids of the columns `ctx.column` reads. */
export type NumberTypeId =
  | Type.Int
  | Type.Int8
  | Type.Int16
  | Type.Int32
  | Type.Int64
  | Type.Uint8
  | Type.Uint16
  | Type.Uint32
  | Type.Uint64
  | Type.Float
  | Type.Float16
  | Type.Float32
  | Type.Float64
  | Type.Decimal
  | TemporalTypeId;
/** The Arrow type ids of temporal columns (dates, timestamps, times of day, durations). */
export type TemporalTypeId =
  | Type.Date
  | Type.DateDay
  | Type.DateMillisecond
  | Type.Timestamp
  | Type.TimestampSecond
  | Type.TimestampMillisecond
  | Type.TimestampMicrosecond
  | Type.TimestampNanosecond
  | Type.Time
  | Type.TimeSecond
  | Type.TimeMillisecond
  | Type.TimeMicrosecond
  | Type.TimeNanosecond
  | Type.Duration
  | Type.DurationSecond
  | Type.DurationMillisecond
  | Type.DurationMicrosecond
  | Type.DurationNanosecond;
/** The Arrow type ids of the columns `ctx.bigints` reads: integers and temporal columns. */
export type IntegerTypeId = Exclude<NumberTypeId, Type.Float | Type.Float16 | Type.Float32 | Type.Float64 | Type.Decimal>;
/** The Arrow type ids of the columns `ctx.dates` reads. */
export type DateTypeId =
  | Type.Date
  | Type.DateDay
  | Type.DateMillisecond
  | Type.Timestamp
  | Type.TimestampSecond
  | Type.TimestampMillisecond
  | Type.TimestampMicrosecond
  | Type.TimestampNanosecond;
/** The Arrow type ids of the columns `ctx.strings` reads (a dictionary is checked when read). */
export type TextTypeId = Type.Utf8 | Type.LargeUtf8 | Type.Utf8View | Type.Dictionary;

/**
 * The names of the columns of a typed batch (`RecordBatch<{ v: Int64 }>`) whose type is one of `Ids`:
 * with a typed batch, TypeScript rejects a call on a column of another type. An untyped batch
 * (`RecordBatch`, as `map` and `fold` receive it) takes any name, checked when the job runs.
 */
export type ColumnOf<T extends TypeMap, Ids extends Type> = 0 extends 1 & T
  ? string
  : {
      [K in keyof T & string]: T[K] extends DataType<infer I> ? ([I] extends [Ids] ? K : never) : never;
    }[keyof T & string];

/**
 * The context handed to every user function that runs in a task.
 *
 * Reading a column: each call reads one type family and its error names the call that fits another
 * (see docs/data-types.md). Typed-array calls (`column`, `bigints`, `booleans`, `strings`) give a value in
 * every row, and null rows hold a filler (unspecified numbers, 0, ''); `valid` says which rows hold a
 * value. `values` and `dates` give null for a null.
 *
 * @example The null-correct loop
 * const v = ctx.column(batch, 'v');
 * const ok = ctx.valid(batch, 'v');
 * for (let i = 0; i < v.length; i++) if (ok(i)) { n++; sum += v[i]!; }
 */
export interface JobContext<P = Record<string, ParamValue>> {
  /** Parameters after parsing and defaults. */
  readonly params: P;
  /** The split this task is processing. */
  readonly split: SplitInfo;
  /** State a job keeps across batches, and across the tasks of one worker (see `flush`). */
  readonly state: Record<string, unknown>;
  /**
   * The values of a numeric, temporal or decimal column as JS numbers, one per row; null rows hold
   * unspecified values (test them with `valid`).
   * - 8- to 32-bit integers, Float32 and Float64: Arrow's own typed array (zero copy).
   * - Int64 and UInt64: a Float64Array, exact. A non-null value beyond ±(2^53 − 1) is an error naming
   *   its row; `bigints` reads those exactly.
   * - Float16: a Float32Array.
   * - Date, Timestamp: epoch milliseconds (a Date32's days × 86,400,000; microseconds and nanoseconds
   *   as fractional milliseconds) — the unit of JS `Date`, whatever the column's own unit.
   *   Time: milliseconds since midnight. Duration: milliseconds.
   * - Decimal: the nearest double (`decimals` is exact).
   *
   * @example
   * const price = ctx.column(batch, 'price');      // Float64Array, Int32Array, …
   * const ok = ctx.valid(batch, 'price');
   * for (let i = 0; i < price.length; i++) if (ok(i)) total += price[i]!;
   */
  column<T extends TypeMap = any>(batch: RecordBatch<T>, name: ColumnOf<T, NumberTypeId>): NumberArray;
  /**
   * The stored integers of an integer or temporal column as 64-bit bigints, exact: zero copy for
   * Int64, UInt64 (a BigUint64Array), Date64, Timestamp, Time64 and Duration; a widened copy for
   * narrower integers. Temporal columns give their own unit (a Date32's days; a timestamp's unit, as
   * its type says). Null rows hold unspecified values.
   *
   * @example Exact sum of an Int64 column
   * const id = ctx.bigints(batch, 'id');
   * const ok = ctx.valid(batch, 'id');
   * for (let i = 0; i < id.length; i++) if (ok(i)) acc.sum += id[i]!;   // acc.sum = 0n in identity()
   */
  bigints<T extends TypeMap = any>(batch: RecordBatch<T>, name: ColumnOf<T, IntegerTypeId>): BigInt64Array | BigUint64Array;
  /**
   * Which rows of a column hold a value (are not null), read from Arrow's validity bitmap without a
   * copy. Works for a column of any type.
   *
   * @example
   * const ok = ctx.valid(batch, 'v');
   * for (let i = 0; i < batch.numRows; i++) if (!ok(i)) ctx.count('null v');
   */
  valid<T extends TypeMap = any>(batch: RecordBatch<T>, name: keyof T & string): (row: number) => boolean;
  /** How many rows of a column are null (0 lets a loop skip `valid`). Works for a column of any type. */
  nullCount<T extends TypeMap = any>(batch: RecordBatch<T>, name: keyof T & string): number;
  /**
   * A Date or Timestamp column as JS Dates (millisecond precision, the instant in UTC), null for a null.
   *
   * @example
   * for (const d of ctx.dates(batch, 'day')) if (d) emit(d.getUTCFullYear(), 1);
   */
  dates<T extends TypeMap = any>(batch: RecordBatch<T>, name: ColumnOf<T, DateTypeId>): Array<Date | null>;
  /**
   * A Decimal column exactly: unscaled bigints and the scale (Decimal32 to Decimal256). `column`
   * gives the same values as nearest doubles.
   *
   * @example Exact sum, printed as DuckDB would
   * const d = ctx.decimals(batch, 'amount');
   * for (let i = 0; i < d.unscaled.length; i++) if (d.text(i) !== null) acc.sum += d.unscaled[i]!;
   */
  decimals<T extends TypeMap = any>(batch: RecordBatch<T>, name: ColumnOf<T, Type.Decimal>): DecimalColumn;
  /**
   * A Bool column as 0/1 bytes, one per row; null rows hold 0 (test them with `valid`).
   *
   * @example
   * const paid = ctx.booleans(batch, 'paid');
   * for (let i = 0; i < paid.length; i++) if (paid[i]) n++;
   */
  booleans<T extends TypeMap = any>(batch: RecordBatch<T>, name: ColumnOf<T, Type.Bool>): Uint8Array;
  /**
   * The values of a text column as JS strings, decoded once per batch: Utf8, LargeUtf8, Utf8View
   * (Polars' layout) or a dictionary of any of them (Categorical, ENUM). Null rows hold ''; `valid`
   * tells a null from an empty string, and `values` gives null for a null.
   *
   * @example
   * for (const line of ctx.strings(batch, 'line')) for (const w of line.split(' ')) if (w) emit(w, 1);
   */
  strings<T extends TypeMap = any>(batch: RecordBatch<T>, name: ColumnOf<T, TextTypeId>): string[];
  /**
   * Every row of a column of any type as a JS value, null for a null: numbers, bigints (Int64,
   * UInt64), Dates (Date, Timestamp), milliseconds (Time, Duration), exact decimal text, strings,
   * booleans, Uint8Arrays (binary), arrays (List, LargeList, FixedSizeList), plain objects (Struct)
   * and `[key, value]` entries (Map), nested to any depth. A JS value per row: the simple, slower way.
   *
   * @example
   * for (const tags of ctx.values(batch, 'tags') as Array<string[] | null>) for (const t of tags ?? []) emit(t, 1);
   */
  values<T extends TypeMap = any>(batch: RecordBatch<T>, name: keyof T & string): unknown[];
  /** Add `n` (default 1) to a named counter; counters are summed over tasks and shown in the report. */
  count(name: string, n?: number): void;
  /** Log a line to stderr, prefixed with the split. */
  log(...args: unknown[]): void;
}

/** The context of a fold job's `identity` and `fold`: a JobContext that can also move buffers. */
export interface FoldContext<P = Record<string, ParamValue>> extends JobContext<P> {
  /**
   * Moves the buffers of these arrays to the coordinator with the task's accumulator instead of
   * copying them (a fold's accumulator is otherwise serialized, and copied again when it is read):
   * for big results, such as the rows of a join or a filter. Their whole `ArrayBuffer` goes: every
   * view of it in this worker becomes empty (length 0), so pass arrays that own their buffer and that
   * the job does not keep (in module scope or `ctx.state`). Arrays over a SharedArrayBuffer are never
   * copied and need no transfer. Without any call the accumulator is serialized as before.
   */
  transfer(...arrays: ArrayBufferView[]): void;
}

/** Output order of a keyed job's result. */
export type SortOrder = 'key' | 'key-desc' | 'value' | 'value-desc' | 'none';

/** Names of the output columns of a keyed job. */
export interface KeyedOutput {
  /** Name of the key column, or names of the parts of a composite key made with `joinKey`. @default 'key' */
  key?: string | string[];
  /**
   * Name of the value column, or names of the columns when `reduce` returns an array.
   * When `reduce` returns a plain object its property names are used. @default 'value'
   */
  value?: string | string[];
}

/** A keyed map-reduce job: `map` emits (key, value) pairs, `combine` merges two values of a key. */
export interface KeyedJob<V = unknown, P = Record<string, ParamValue>> {
  kind: 'keyed';
  name: string;
  description?: string;
  params?: ParamsSpec;
  /** Columns the job reads (or a function of the params naming them, undefined for all); readers skip the others. @default all */
  columns?: string[] | ((params: P) => string[] | undefined);
  /**
   * Text columns the job would rather get dictionary-encoded (or a function of the params naming them):
   * a Parquet reader then gives a Utf8 column as Dictionary<Int32, Utf8>, each distinct string of a
   * row group once and a code per row, so a job that keys rows by it can hash each distinct string once
   * per dictionary instead of once per row (the built-in groupby does). `ctx.strings` reads both
   * layouts alike; other formats, and other column types, are read as usual. @default none
   */
  dictionary?: string[] | ((params: P) => string[] | undefined);
  map(batch: RecordBatch, emit: (key: EmitKey, value: V) => void, ctx: JobContext<P>): void;
  /**
   * Emits what `map` kept in `ctx.state` (Hadoop's `cleanup`, for in-mapper combining). quiver combines
   * per worker: `ctx.state` is shared by the map tasks one worker runs in a run, and `flush` is called
   * once per worker after its last task, so a key is emitted once per worker, whatever the number of
   * rows. (Without per-worker combining — e.g. the sequential baseline, or `--retry-user-errors` — it
   * is called once per task.)
   */
  flush?(emit: (key: EmitKey, value: V) => void, ctx: JobContext<P>): void;
  /**
   * Merges two values of one key. Must be associative and commutative: it runs map-side and reduce-side.
   * `ctx` gives the params (for combiners that depend on them).
   */
  combine(a: V, b: V, ctx: JobContext<P>): V;
  /**
   * Turns the combined value of a key into its output value(s): a value (one column), an array (one
   * column per item, named by `output.value`) or a plain object (one column per property). Column
   * types follow the values: numbers, bigints (Int64, or Decimal128(38, 0) past 64 bits), Dates
   * (Timestamp[ms]), strings, booleans, nested arrays (List) and objects (Struct); see docs/data-types.md.
   * @default identity
   */
  reduce?(key: EmitKey, acc: V, ctx: JobContext<P>): unknown;
  /** Sends a key to one of `partitions` reducers. Must be a pure function. @default a hash of the key */
  partition?(key: EmitKey, partitions: number): number;
  /** Output column names, or a function of the params that returns them (e.g. key columns named by a `by` param). */
  output?: KeyedOutput | ((params: P) => KeyedOutput);
  /** @default 'key' */
  sort?: SortOrder;
}

/** A fold (fork-join) job: each task folds its batches into an accumulator; accumulators are merged as a tree. */
export interface FoldJob<A = unknown, R = unknown, P = Record<string, ParamValue>> {
  kind: 'fold';
  name: string;
  description?: string;
  params?: ParamsSpec;
  /** Columns the job reads (or a function of the params naming them, undefined for all); readers skip the others. @default all */
  columns?: string[] | ((params: P) => string[] | undefined);
  /**
   * Text columns the job would rather get dictionary-encoded (or a function of the params naming them):
   * a Parquet reader then gives a Utf8 column as Dictionary<Int32, Utf8>, each distinct string of a
   * row group once and a code per row, so a job that keys rows by it can hash each distinct string once
   * per dictionary instead of once per row (the built-in groupby does). `ctx.strings` reads both
   * layouts alike; other formats, and other column types, are read as usual. @default none
   */
  dictionary?: string[] | ((params: P) => string[] | undefined);
  /** A fresh accumulator; must be a true identity of `merge`. */
  identity(ctx: FoldContext<P>): A;
  fold(acc: A, batch: RecordBatch, ctx: FoldContext<P>): A;
  /** Merges two accumulators. Must be associative; partials arrive in any order. */
  merge(a: A, b: A): A;
  /**
   * Turns the final accumulator into the result: a value, a row object, an array of row objects, or
   * an Arrow Table (the result as it is). Column types follow the values as for `reduce`: a bigint
   * is an Int64 column, a Date a Timestamp[ms], a nested array a List, a nested object a Struct.
   * @default identity
   */
  finish?(acc: A, ctx: { params: P }): unknown;
}

/** The context of `divide` and `conquer`, which run on worker threads. */
export interface ForkContext<P = Record<string, ParamValue>> {
  readonly params: P;
  /** How many `divide` steps led to this problem (0 for the root). */
  readonly depth: number;
  /** Add `n` (default 1) to a named counter, summed over tasks and shown in the report. */
  count(name: string, n?: number): void;
  /** Log a line to stderr, prefixed with the task. */
  log(...args: unknown[]): void;
  /**
   * Moves the buffers of these arrays to the coordinator with the result instead of copying them.
   * Their whole `ArrayBuffer` goes (every view of it in this worker becomes empty), so pass arrays
   * that own their buffer. Arrays over a SharedArrayBuffer are never copied and need no transfer.
   */
  transfer(...arrays: ArrayBufferView[]): void;
}

/**
 * A recursive divide-and-conquer (fork-join) job, run with `q.forkJoin(job, problem)` from a driver.
 * Each problem is a task on a worker: `divide` splits it into sub-problems, which become tasks on any
 * worker, or returns nothing, and then `conquer` solves it there. The results of the sub-problems of a
 * problem are combined with `combine` in the coordinator as they finish, left to right (see
 * docs/fork-join.md for the contract).
 */
export interface RecursiveJob<Pb = unknown, R = unknown, P = Record<string, ParamValue>> {
  kind: 'recursive';
  name: string;
  description?: string;
  params?: ParamsSpec;
  /** Splits a problem into sub-problems (at least 2), or returns nothing for a leaf that `conquer` solves. Must be pure. */
  divide?(problem: Pb, ctx: ForkContext<P>): Pb[] | undefined | null | void;
  /** Solves a leaf problem. It may write into shared memory its problem owns (and no other task does). */
  conquer(problem: Pb, ctx: ForkContext<P>): R | Promise<R>;
  /** Combines the results of two neighbouring sub-problems (`a` left of `b`). Must be associative (not commutative). */
  combine(a: R, b: R, ctx: { params: P }): R;
}

/** What a driver's `drive` gets: the run's params and input, and the engine to run other jobs on. */
export interface DriverContext<P = Record<string, ParamValue>> {
  readonly params: P;
  /** The run's input paths as given (files, directories or globs); empty when the run has none. */
  readonly input: string[];
  /** Worker threads of the engine (1 for the sequential baseline). */
  readonly workers: number;
  /**
   * Whether the workers read memory the driver allocates with `shared`: true on one machine, false on
   * a cluster (`--cluster`), where `shared` throws; a driver with another way picks it then.
   */
  readonly sharedMemory: boolean;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /**
   * Runs another job exported by the same file (`export const step = defineJob({...})`) on the
   * engine's workers. Input, format options and split size default to the driver's; `params` are
   * checked against that job's `params` (`json` params take any structured-clonable value).
   */
  run(job: KeyedJob<any, any> | FoldJob<any, any, any>, options?: SubRunOptions): Promise<SubRunResult>;
  /** Runs a recursive job exported by the same file from `problem` and returns the combined result. */
  forkJoin<Pb, R>(job: RecursiveJob<Pb, R, any>, problem: Pb, options?: { params?: Record<string, unknown> }): Promise<R>;
  /** Reads an input (any format quiver reads) into one Arrow table in this thread, e.g. a small side of a join. */
  readTable(input: string | string[], options?: { columns?: string[]; format?: string }): Promise<import('apache-arrow').Table>;
  /**
   * The schema of each file of an input — by default the run's own input (`<table>` for an in-memory
   * table) — read from metadata and samples only (Arrow and Parquet footers, the start of CSV and NDJSON
   * files, typed as a run decodes them): to check columns up front, or to know the columns of a side
   * that has no rows.
   */
  schemas(
    input?: string | string[],
    options?: { format?: string },
  ): Promise<Array<{ file: string; schema: import('apache-arrow').Schema }>>;
  /** A typed array of `length` zeros over a new SharedArrayBuffer: every worker sees (and may write) the same memory. */
  shared<T extends SharedArrayKind>(type: SharedArrayType<T>, length: number): T;
  /** Add `n` (default 1) to a named counter shown in the report. */
  count(name: string, n?: number): void;
  /** Log a line to stderr, prefixed with the job's name. */
  log(...args: unknown[]): void;
}

/** Typed arrays `q.shared` makes. */
export type SharedArrayKind =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array;
/** The constructor of a typed array `q.shared` makes. */
export interface SharedArrayType<T extends SharedArrayKind> {
  new (buffer: SharedArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** Options of a driver's sub-run. */
export interface SubRunOptions {
  input?: string | string[];
  params?: Record<string, unknown>;
  columns?: string[];
  splitSize?: number | string;
  batchRows?: number;
  reducers?: number;
  /**
   * For a keyed job: hand back its merged (key, value) pairs as the reducers made them, in `value` as
   * `{ keys, values }`, and an empty table. For a driver that finishes values no table can hold
   * cheaply (groupby's columnar partials: typed arrays for thousands of groups in one value).
   * @default false
   */
  pairs?: boolean;
}

/** What a driver's sub-run returns. */
export interface SubRunResult {
  table: import('apache-arrow').Table;
  /** What `finish` returned, for fold jobs; a keyed job's `{ keys, values }` when run with `pairs`. */
  value?: unknown;
  /** Rows read, for drivers that report throughput. */
  rows: number;
}

/**
 * A driver job: `drive(q)` runs in the coordinator and runs other jobs of its file — a fold per
 * iteration (k-means), a sample then a partitioned pass (sort), a fork-join recursion (matrix
 * multiply). It returns the result: an Arrow table, an array of row objects, one row object or a number.
 */
export interface DriverJob<P = Record<string, ParamValue>> {
  kind: 'driver';
  name: string;
  description?: string;
  params?: ParamsSpec;
  drive(q: DriverContext<P>): unknown;
}

/** Any job. */
export type Job = KeyedJob<any, any> | FoldJob<any, any, any> | RecursiveJob<any, any, any> | DriverJob<any>;

/** A job that reads input in splits: keyed or fold. */
export type DataJob = KeyedJob<any, any> | FoldJob<any, any, any>;

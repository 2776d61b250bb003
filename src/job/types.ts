import type { RecordBatch } from 'apache-arrow';

/** A key emitted by `map`. Composite keys are built with `joinKey(...)` and split on output. */
export type Key = string | number;

/** The declared type of one job parameter, as given on the command line with `--param name=value`. */
export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

/** The declaration of one parameter of a job. */
export interface ParamSpec {
  /** How the `--param` text is parsed. `list` is comma-separated strings. */
  type: ParamType;
  /** Used when the parameter is not given. A parameter with no default is required. */
  default?: string | number | boolean | string[];
  /** One line shown by `quiver explain` and in errors. */
  description?: string;
}

/** Parameters of a job: name → declaration. */
export type ParamsSpec = Record<string, ParamSpec>;

/** The value types parameters take after parsing. */
export type ParamValue = string | number | boolean | string[];

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

/** Column values as a typed array, as `ctx.column()` returns them. */
export type ColumnValues =
  | Float64Array | Float32Array | Int32Array | Int16Array | Int8Array
  | Uint32Array | Uint16Array | Uint8Array | BigInt64Array | BigUint64Array;

/** The context handed to every user function that runs in a task. */
export interface JobContext<P = Record<string, ParamValue>> {
  /** Parameters after parsing and defaults. */
  readonly params: P;
  /** The split this task is processing. */
  readonly split: SplitInfo;
  /** State a job keeps across batches, and across the tasks of one worker (see `flush`). */
  readonly state: Record<string, unknown>;
  /** The values of a fixed-width column of `batch` as a typed array (zero copy; null slots hold unspecified values). */
  column(batch: RecordBatch, name: string): ColumnValues;
  /** The values of a Utf8 column as JS strings (decoded once per batch; nulls become ''). */
  strings(batch: RecordBatch, name: string): string[];
  /** Add `n` (default 1) to a named counter; counters are summed over tasks and shown in the report. */
  count(name: string, n?: number): void;
  /** Log a line to stderr, prefixed with the split. */
  log(...args: unknown[]): void;
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
  map(batch: RecordBatch, emit: (key: Key, value: V) => void, ctx: JobContext<P>): void;
  /**
   * Emits what `map` kept in `ctx.state` (Hadoop's `cleanup`, for in-mapper combining). quiver combines
   * per worker: `ctx.state` is shared by the map tasks one worker runs in a run, and `flush` is called
   * once per worker after its last task, so a key is emitted once per worker, whatever the number of
   * rows. (Without per-worker combining — e.g. the sequential baseline, or `--retry-user-errors` — it
   * is called once per task.)
   */
  flush?(emit: (key: Key, value: V) => void, ctx: JobContext<P>): void;
  /**
   * Merges two values of one key. Must be associative and commutative: it runs map-side and reduce-side.
   * `ctx` gives the params (for combiners that depend on them).
   */
  combine(a: V, b: V, ctx: JobContext<P>): V;
  /** Turns the combined value of a key into its output value(s). @default identity */
  reduce?(key: Key, acc: V, ctx: JobContext<P>): unknown;
  /** Sends a key to one of `partitions` reducers. Must be a pure function. @default a hash of the key */
  partition?(key: Key, partitions: number): number;
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
  /** A fresh accumulator; must be a true identity of `merge`. */
  identity(ctx: JobContext<P>): A;
  fold(acc: A, batch: RecordBatch, ctx: JobContext<P>): A;
  /** Merges two accumulators. Must be associative; partials arrive in any order. */
  merge(a: A, b: A): A;
  /** Turns the final accumulator into the result: a number, a row object, or an array of row objects. @default identity */
  finish?(acc: A, ctx: { params: P }): unknown;
}

/** Any job. */
export type Job = KeyedJob<any, any> | FoldJob<any, any, any>;

import type { Table } from 'apache-arrow';
import type { OutputFormat } from '../io/sinks.js';
import type { InputFormat } from '../planner/inputs.js';
import type { FormatOptions } from '../planner/formats.js';
import type { BadRecordLimit } from './bad-record-tally.js';
import type { RunProgress } from './progress.js';
import type { RunReport } from './report-types.js';

/**
 * The options and result of a run, in a module of their own: the engine, the sequential baseline,
 * the pipeline and the driver all name them, and none of them should import another to do so.
 */

/** Options of an engine: its worker threads. */
export interface EngineOptions {
  /** Worker threads. @default os.availableParallelism() */
  workers?: number;
  /** Heap limit of each worker, e.g. `2g` or a number of bytes. @default Node's default */
  workerMemory?: number | string;
  /**
   * Milliseconds a task may wait on its input reader without receiving a batch before it is cancelled
   * and its worker replaced (a corrupt file whose decoder never returns must not wedge the Engine);
   * `Infinity` turns the watchdog off. @default 120000
   */
  stallTimeoutMs?: number;
}

/** What planning needs from the run options. */
export interface PlanRequest {
  /** Input files, directories or globs. */
  input?: string | string[];
  /** In-memory input, placed once in shared memory for the workers (instead of `input`). */
  table?: Table;
  /** Input format instead of telling it by extension. */
  format?: InputFormat;
  /** Reduce partitions. @default the number of workers */
  reducers?: number;
  /** Bytes per split, e.g. `64MB`. @default input ÷ (workers × 4), between 1 MB and 64 MB */
  splitSize?: number | string;
  /** Rows per split for Arrow and table input, and the most rows per batch handed to `map`. @default 65536 */
  batchRows?: number;
  /** CSV dialect and column types for CSV/NDJSON input. */
  formatOptions?: FormatOptions;
}

/** Options of one run. */
export interface RunOptions extends PlanRequest {
  /** Job parameters, checked against the job's `params`. */
  params?: Record<string, unknown>;
  /** Write the result here (format from the extension or `outputFormat`), atomically. */
  output?: string;
  outputFormat?: OutputFormat;
  /** Replace an existing output file. @default false */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Attempts per task when its worker dies. @default 3 */
  maxAttempts?: number;
  /** Retry a task whose job code threw (up to `maxAttempts`), for jobs that fail now and then. @default false */
  retryUserErrors?: boolean;
  /**
   * Shuffle data held in memory between map and reduce, e.g. `512mb`; the rest spills to a temp folder. @default a
   * quarter of free memory, at least 64 MB
   */
  memory?: number | string;
  /**
   * Skip up to this many malformed records (or this share of the records read, `'0.5%'`), counted per file in the
   * report. @default 0: the first fails the run
   */
  maxBadRecords?: BadRecordLimit;
  /** Write examples of the skipped records here, as NDJSON (with `maxBadRecords`). */
  badRecordsFile?: string;
  /** Columns to read, overriding the job's `columns`. @default the job's columns, else all */
  columns?: string[];
  /** CSV dialect (delimiter, quote, header, nulls) and column names/types for CSV and NDJSON input. */
  formatOptions?: FormatOptions;
  /** A keyed job's merged (key, value) pairs as they are, in `value`, instead of a result table (a driver's `q.run` option). */
  pairs?: boolean;
}

/** The result table, the fold value (fold jobs), and the run report. */
export interface RunResult {
  table: Table;
  /** What `finish` returned, for fold jobs; a keyed job's `{ keys, values }` when run with `pairs`. */
  value?: unknown;
  report: RunReport;
}

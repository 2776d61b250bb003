/**
 * Every error quiver raises is one of these classes. Each names the phase it came from, and its
 * message says which input and how to fix it. The original error, if any, is kept as `cause`.
 */

/** The phases a run goes through; an error is tagged with the one it happened in. */
export type Phase = 'usage' | 'plan' | 'load-job' | 'map' | 'reduce' | 'merge' | 'io' | 'worker' | 'internal';

/** Base class of all quiver errors. */
export class QuiverError extends Error {
  readonly phase: Phase;
  constructor(phase: Phase, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.phase = phase;
    this.name = new.target.name;
  }
  /** Brand check that works across realms and bundles, where `instanceof` does not. */
  static isQuiverError(x: unknown): x is QuiverError {
    return x instanceof Error && typeof (x as QuiverError).phase === 'string' && 'phase' in x;
  }
}

/** A command-line option or library option is wrong. */
export class UsageError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** The inputs could not be turned into splits (missing file, unknown format, bad metadata). */
export class PlanError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('plan', message, options);
  }
}

/** The job file is missing, does not bundle, does not export a job, or the job is malformed. */
export class JobError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('load-job', message, options);
  }
}

/** User code (map, combine, reduce, fold, merge, finish) threw while running a task. */
export class TaskError extends QuiverError {
  /** The user's error class name, message and stack as thrown in the worker. */
  readonly userError: { name: string; message: string; stack?: string };
  constructor(phase: Phase, message: string, userError: { name: string; message: string; stack?: string }, options?: { cause?: unknown }) {
    super(phase, message, options);
    this.userError = userError;
  }
}

/** Where in an input a problem is: the file and whichever of line, byte offset, row group and column apply. */
export interface InputLocation {
  file: string;
  /** 1-based line of a text file. */
  line?: number;
  byteOffset?: number;
  rowGroup?: number;
  column?: string;
  /** What the reader expected there, and what it found. */
  expected?: string;
  found?: string;
}

/** The data in an input file is not what its format says (truncated, corrupt, not that format). */
export class InputError extends QuiverError {
  /** Where the problem is, when the reader knows. */
  readonly location?: InputLocation;
  constructor(message: string, options?: { cause?: unknown; location?: InputLocation }) {
    super('io', message, options);
    this.location = options?.location;
  }
}

/** A worker thread died or could not start. */
export class WorkerError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('worker', message, options);
  }
}

/**
 * Runs of the same job on the same input gave different results (e.g. at two worker counts): the job's answer
 * depends on how the input was split.
 */
export class ResultMismatchError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('merge', message, options);
  }
}

/** The run was cancelled by an AbortSignal, a signal such as SIGINT, or a timeout. */
export class CancelledError extends QuiverError {
  constructor(message = 'the run was cancelled', options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

/** The error a cancelled run rejects with, whatever the AbortSignal's reason is (a user's `abort()` gives a DOMException). */
export function cancelledErrorOf(reason: unknown): Error {
  if (QuiverError.isQuiverError(reason)) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new CancelledError('the run timed out', { cause: reason });
  return new CancelledError('the run was cancelled', reason === undefined ? undefined : { cause: reason });
}

/** A bug in quiver itself: please report it. */
export class InternalError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', `internal error: ${message} (this is a bug in quiver; please report it)`, options);
  }
}

/** One-line description of any thrown value, for messages. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

import { InputError, type InputLocation } from '../errors.js';

/** How many example bad records a split keeps for the report. */
export const BAD_RECORD_EXAMPLES = 5;

/** One record a reader could not decode: where it is and what was expected there. */
export interface BadRecord extends InputLocation {
  message: string;
}

/**
 * What a task may skip: at most `limit` bad records in its split (Infinity for a percentage, judged run-wide),
 * keeping `examples` of them.
 */
export interface BadRecordPolicy {
  limit: number;
  examples: number;
}

/**
 * The bad-record policy and tally of one split. With `limit` 0 (the default) the first bad record
 * throws an InputError; with `limit` N a split skips up to N bad records, counts them and keeps a few
 * examples, and throws on the (N+1)th. The run-wide `--max-bad-records` budget is enforced by the
 * coordinator by summing `count` over splits; each split may skip at most the whole budget.
 */
export class BadRecords {
  count = 0;
  readonly examples: BadRecord[] = [];
  constructor(
    readonly limit = 0,
    /** Examples kept for the report and `--bad-records-file`. */
    readonly keep = BAD_RECORD_EXAMPLES,
  ) {}

  /**
   * Records a bad record (or `n` records spoilt together, e.g. the rows of an undecodable Arrow batch); throws
   * when the limit is exceeded, otherwise the caller skips it.
   */
  add(record: BadRecord, n = 1): void {
    this.count += n;
    if (this.count > this.limit) {
      const hint =
        this.limit === 0
          ? '; pass --max-bad-records N to skip up to N bad records'
          : ` (more than --max-bad-records ${this.limit} in this split)`;
      throw new InputError(record.message + hint, { location: record });
    }
    if (this.examples.length < this.keep) this.examples.push(record);
  }
}

/** `file:line` or `file, byte N`, whichever is known, for messages. */
export function describeLocation(at: InputLocation): string {
  const parts = [at.line !== undefined ? `${at.file}:${at.line}` : at.file];
  if (at.rowGroup !== undefined) parts.push(`row group ${at.rowGroup}`);
  if (at.byteOffset !== undefined) parts.push(`byte ${at.byteOffset}`);
  if (at.column !== undefined) parts.push(`column "${at.column}"`);
  return parts.join(', ');
}

/** The message of a bad record: where, what was expected, what was found. */
export function badRecordMessage(kind: string, at: InputLocation): string {
  return (
    `${describeLocation(at)}: bad ${kind} record: expected ` +
    `${at.expected ?? 'a valid record'}${at.found !== undefined ? `, found ${at.found}` : ''}`
  );
}

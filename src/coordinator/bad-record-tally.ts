import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { BadRecord, BadRecordPolicy } from '../io/bad-records.js';
import type { TaskMetrics } from '../worker/protocol.js';
import type { BadRecordSummary } from './report-types.js';

/** `--max-bad-records`: a count, or a percentage of the records read (`'0.5%'`). */
export type BadRecordLimit = number | `${number}%`;

/** Examples kept for `--bad-records-file` at most, whatever the limit. */
const MAX_EXAMPLES = 10_000;

/**
 * The run-wide side of `--max-bad-records`. Each split's reader skips and counts bad records up to a
 * per-split limit (the whole budget, so one split alone cannot pass it unseen); this tally sums the
 * splits as their tasks finish, keyed by split so a task run twice (after a worker death) counts
 * once, fails the run as soon as a count budget is passed, or at the end of the map phase for a
 * percentage, and writes the examples kept to `--bad-records-file`.
 */
export class BadRecordTally {
  private readonly bySplit = new Map<number, { file: string; rows: number; count: number; examples: BadRecord[] }>();
  private readonly count: number | undefined;
  private readonly share: number | undefined;

  constructor(
    readonly limit: BadRecordLimit | undefined,
    private readonly examplesFile?: string,
  ) {
    if (typeof limit === 'string') this.share = Number(limit.slice(0, -1)) / 100;
    else this.count = limit ?? 0;
  }

  /** The policy each map or fold task gets, or undefined for the default (the first bad record fails the task). */
  get policy(): BadRecordPolicy | undefined {
    if (this.limit === undefined || this.limit === 0) return undefined;
    const limit = this.count ?? Infinity;
    return { limit, examples: Math.min(MAX_EXAMPLES, this.count ?? MAX_EXAMPLES) };
  }

  /** Takes a finished task's tally (split `index` of `file`); throws once a count budget is passed. */
  take(index: number, file: string, m: TaskMetrics): void {
    this.bySplit.set(index, { file, rows: m.rowsIn, count: m.badRecords?.count ?? 0, examples: m.badRecords?.examples ?? [] });
    if (this.count !== undefined && this.total > this.count) throw this.exceeded(`so far, more than --max-bad-records ${this.count}`);
  }

  /** At the end of the map phase: checks a percentage budget against the records read, and writes the examples. */
  finish(): void {
    if (this.share !== undefined) {
      const records = this.total + [...this.bySplit.values()].reduce((n, s) => n + s.rows, 0);
      if (this.total > this.share * records)
        throw this.exceeded(`in ${records.toLocaleString('en-US')} records, more than --max-bad-records ${this.limit}`);
    }
    this.writeExamples();
  }

  /** Records skipped so far. */
  get total(): number {
    let n = 0;
    for (const s of this.bySplit.values()) n += s.count;
    return n;
  }

  /** For the report, or undefined when nothing was skipped. */
  summary(): BadRecordSummary | undefined {
    const total = this.total;
    if (total === 0) return undefined;
    const byFile: Record<string, number> = {};
    for (const s of this.bySplit.values()) if (s.count) byFile[s.file] = (byFile[s.file] ?? 0) + s.count;
    return { total, byFile, examplesFile: this.examplesFile };
  }

  private examples(): BadRecord[] {
    const cap = this.policy?.examples ?? 0;
    return [...this.bySplit.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, s]) => s.examples)
      .slice(0, cap);
  }

  private exceeded(what: string): InputError {
    this.writeExamples();
    const first = this.examples()[0];
    const files = Object.entries(this.summary()?.byFile ?? {})
      .map(([f, n]) => `${f}: ${n}`)
      .join(', ');
    const examples = this.examplesFile ? `; examples in ${this.examplesFile}` : '; pass --bad-records-file to see them';
    return new InputError(
      `${this.total.toLocaleString('en-US')} bad records ${what} (${files})${first ? `; the first: ${first.message}` : ''}${examples}. ` +
        `Fix the input, or raise --max-bad-records`,
      first ? { location: first } : undefined,
    );
  }

  /** Writes the examples as NDJSON, atomically (small: at most 10 000 lines). */
  private writeExamples(): void {
    if (!this.examplesFile) return;
    const tmp = path.join(path.dirname(this.examplesFile), `.${path.basename(this.examplesFile)}.quiver-${process.pid}.tmp`);
    writeFileSync(
      tmp,
      this.examples()
        .map((e) => JSON.stringify(e) + '\n')
        .join(''),
    );
    renameSync(tmp, this.examplesFile);
  }
}

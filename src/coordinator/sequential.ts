import type { Table } from 'apache-arrow';
import { InlinePool } from '../executor/inline-pool.js';
import { PoolRunner } from '../executor/runner.js';
import type { Job } from '../job/types.js';
import { runJob } from './pipeline.js';
import { sequentialReportOf } from './report.js';
import type { SequentialReport } from './report-types.js';
import type { RunOptions } from './run-options.js';

/** The result table, the fold value (fold jobs), and what the run measured. */
export interface SequentialResult {
  table: Table;
  value?: unknown;
  report: SequentialReport;
}

/**
 * Runs a job entirely in the calling thread, with no workers: the engine's pipeline, planned for one
 * worker, with its tasks run here one after another (`InlinePool`). Its time is the sequential
 * baseline T_seq, which separates what parallelism costs (T(1) − T_seq) from what it gains.
 *
 * @example
 * const { table, report } = await runSequential('wordcount', { input: 'corpus.txt' });
 * console.log(report.wallMs);
 */
export async function runSequential(jobSpec: string | URL | Job, options: RunOptions): Promise<SequentialResult> {
  const { table, value, report } = await runJob(new PoolRunner(new InlinePool()), jobSpec, options);
  return { table, value, report: sequentialReportOf(report) };
}

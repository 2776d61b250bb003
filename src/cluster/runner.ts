import type { Table } from 'apache-arrow';
import { cancelledErrorOf, UsageError } from '../errors.js';
import { runJob } from '../coordinator/pipeline.js';
import type { RunOptions } from '../coordinator/run-options.js';
import type { Job } from '../job/types.js';
import { ClusterRunner, type ClusterRunnerOptions } from './cluster-runner.js';
import type { ClusterRunReport } from './summary.js';

export { formatClusterReport, type ClusterSummary, type ClusterRunReport } from './summary.js';

/** Options of a run on a cluster: a local run's, plus where the cluster is. */
export interface ClusterRunOptions extends RunOptions, ClusterRunnerOptions {}

/** A cluster run's result: the table, the fold value, and the run report with its cluster part. */
export interface ClusterRunResult {
  table: Table;
  value?: unknown;
  report: ClusterRunReport;
}

/**
 * Runs a job on a cluster of `quiver worker` processes through BullMQ flows on Redis: the
 * coordinator's one pipeline, as on worker threads, with a `ClusterRunner` taking its tasks. Keyed
 * and fold jobs, and drivers, whose steps run as stages (groupby, join, k-means, inverted index);
 * fold partials are merged here in the fixed tree order of a local run and keyed slices as locally,
 * so the output is the same bytes as a local run's. Whatever happens, the run's Redis keys and store
 * folder are removed.
 *
 * @example
 * const { table } = await runOnCluster('wordcount', { input: '/mnt/shared/corpus.txt', cluster:
 * 'redis://10.0.0.1:6379', store: 'file:///mnt/shared/quiver' });
 */
export async function runOnCluster(jobSpec: string | URL | Job, options: ClusterRunOptions): Promise<ClusterRunResult> {
  if (options.signal?.aborted) throw cancelledErrorOf(options.signal.reason);
  if (options.table)
    throw new UsageError(
      'a run on a cluster reads its input from files every worker reaches (a shared filesystem): pass `input`, not an in-memory `table`',
    );
  if (options.maxBadRecords !== undefined)
    throw new UsageError('--max-bad-records is not supported with --cluster yet; run without it, or locally');
  const runner = new ClusterRunner(options);
  try {
    // The planner cuts the input for the cluster's threads, so they are counted before the pipeline starts.
    await runner.start();
    const { table, value, report } = await runJob(runner, jobSpec, options);
    return { table, value, report: { ...report, cluster: await runner.summary(report.wallMs) } };
  } finally {
    await runner.close();
  }
}

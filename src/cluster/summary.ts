import { formatReport } from '../coordinator/report.js';
import type { RunReport } from '../coordinator/report-types.js';

/** What a cluster run adds to the run report. */
export interface ClusterSummary {
  /** Machines (host names) and worker processes that committed at least one task. */
  machines: number;
  processes: number;
  /** Threads of the workers alive when the run started. */
  threads: number;
  /** Task time ÷ wall time, per machine. */
  coresBusyByMachine: Record<string, number>;
  /** Committed tasks that were not their task's first attempt (a worker died, froze or failed). */
  retried: number;
  /** Late results refused because their worker had lost the task's lock. */
  rejected: number;
  /** Bytes the tasks wrote to the store, and read from it (map outputs read by reducers, partials and slices read by the coordinator). */
  storeWritten: number;
  storeRead: number;
}

/** A cluster run's report: the pipeline's, with the cluster's part. */
export type ClusterRunReport = RunReport & { cluster: ClusterSummary };

/** The run report of a cluster run as text: the local report's lines, then the cluster's. */
export function formatClusterReport(r: ClusterRunReport): string {
  const c = r.cluster;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  const busy = Object.entries(c.coresBusyByMachine)
    .map(([h, v]) => `${h} ${v.toFixed(1)}`)
    .join(', ');
  return [
    formatReport(r),
    `  cluster: ${c.machines} machine${c.machines === 1 ? '' : 's'}, ${c.processes} worker process${c.processes === 1 ? '' : 'es'}, ` +
      `${c.threads} threads; cores busy per machine: ${busy}`,
    `  attempts: ${c.retried} task${c.retried === 1 ? '' : 's'} retried, ${c.rejected} late result${c.rejected === 1 ? '' : 's'} ` +
      `rejected; store: ${mb(c.storeWritten)} written, ${mb(c.storeRead)} read`,
  ].join('\n');
}

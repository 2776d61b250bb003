import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { positiveInt } from './options.js';

/** How long a stopping worker lets its running tasks finish, and how long it may take to close in all. */
const GRACE_MS = 5000;
const STOP_MS = 8000;

/**
 * `quiver worker` (a process that runs cluster tasks until it is stopped) and `quiver cluster status`.
 * Both live here so the CLI's command table grows by one entry for the cluster.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run tasks of cluster runs (quiver run --cluster) on this machine until stopped')
    .requiredOption('--cluster <url>', 'Redis of the cluster: redis://host:6379, rediss://…, unix:///path/redis.sock')
    .requiredOption('--store <url>', 'store every machine reaches: file:///shared/path or s3://bucket/prefix')
    .option('--threads <n>', 'worker threads, one task each at a time (default: the cores Node may use)', positiveInt('--threads'))
    .option(
      '--lock-duration <ms>',
      'ms a task stays locked to this worker without renewal; a worker frozen longer loses it (default: 30000)',
      positiveInt('--lock-duration'),
    )
    .option(
      '--stalled-interval <ms>',
      'ms between checks for tasks whose worker died or froze (default: half the lock duration)',
      positiveInt('--stalled-interval'),
    )
    .option('-q, --quiet', 'no line per task on stdout')
    .action(
      async (o: { cluster: string; store: string; threads?: number; lockDuration?: number; stalledInterval?: number; quiet?: boolean }) => {
        // Stop on SIGINT/SIGTERM: give the running tasks' attempts a few seconds to finish, then leave.
        // A second signal, or closing that still hangs (something waits on a Redis that is gone), ends
        // the process at once: a worker told to stop always stops. The listener is in place before
        // anything starts (a signal that came between the "taking tasks" line and it used to kill the
        // process uncleanly), and stays for the second signal: with none left for a moment, a
        // library's own signal hook could re-raise it.
        const leave = (why: string) => {
          process.stderr.write(`quiver worker: ${why}; exiting without closing the rest\n`);
          process.exit(1);
        };
        let signals = 0;
        const stopped = new Promise<void>((resolve) => {
          const onSignal = () => {
            if (++signals > 1) return leave('stopped again');
            setTimeout(() => leave(`still closing after ${STOP_MS / 1000} s (is ${o.cluster} reachable?)`), STOP_MS).unref();
            resolve();
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
        const { ClusterWorker } = await import('../cluster/worker.js');
        const log = o.quiet ? undefined : (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
        const worker = await ClusterWorker.start({
          cluster: o.cluster,
          store: o.store,
          threads: o.threads,
          lockDurationMs: o.lockDuration,
          stalledIntervalMs: o.stalledInterval,
          log,
        });
        process.stdout.write(`quiver worker ${worker.id}: taking tasks from ${o.cluster} (store ${o.store})\n`);
        await stopped;
        process.stdout.write('quiver worker: stopping\n');
        await worker.close(GRACE_MS);
      },
    );

  program
    .command('cluster')
    .description('look at a cluster: `quiver cluster status --cluster redis://host:6379`')
    .argument('<action>', 'status')
    .requiredOption('--cluster <url>', 'Redis of the cluster')
    .option('--json', 'print JSON instead of text')
    .action(async (action: string, o: { cluster: string; json?: boolean }) => {
      if (action !== 'status') throw new UsageError(`quiver cluster takes one action, status; got "${action}"`);
      const { clusterStatus } = await import('../cluster/status.js');
      const s = await clusterStatus(o.cluster);
      if (o.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      const threads = s.workers.reduce((n, w) => n + w.threads, 0);
      const lines = [`workers: ${s.workers.length} alive, ${threads} threads`];
      for (const w of s.workers)
        lines.push(`  ${w.host} pid ${w.pid}: ${w.threads} threads (${w.busy} busy), quiver ${w.version}, ${w.done} tasks done`);
      lines.push(`tasks: ${s.tasks.waiting} queued, ${s.tasks.active} running, ${s.tasks.delayed} waiting to retry`);
      lines.push(`runs: ${s.runs.length}`);
      for (const r of s.runs)
        lines.push(`  ${r.id}: ${r.job} from ${r.host} pid ${r.pid}, ${r.state} for ${Math.round((Date.now() - r.started) / 1000)} s`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

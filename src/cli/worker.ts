import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { positiveInt } from './options.js';

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
        // Stop on SIGINT/SIGTERM: finish the running tasks' attempts (BullMQ waits for them), then leave.
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        process.stdout.write('quiver worker: stopping\n');
        await worker.close();
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

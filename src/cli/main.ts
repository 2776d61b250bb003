#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node --no-concurrent-marking --no-concurrent-sweeping
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ENGINE_ROOT } from '../layout.js';
import { reportError } from './report-error.js';

/**
 * Each command's module, loaded only when that command runs (or for help, which lists them all): a
 * command pays for its own imports, not for every command's (Vega, Parquet, the engine …).
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  run: async () => (await import('./run.js')).registerRun,
  explain: async () => (await import('./explain.js')).registerExplain,
  datasets: async () => (await import('./datasets.js')).registerDatasets,
  jobs: async () => (await import('./jobs.js')).registerJobs,
  inspect: async () => (await import('./inspect.js')).registerInspect,
  convert: async () => (await import('./convert.js')).registerConvert,
  speedup: async () => (await import('./speedup.js')).registerSpeedup,
  worker: async () => (await import('./worker.js')).registerWorker,
};

const pkg = JSON.parse(readFileSync(path.join(ENGINE_ROOT, 'package.json'), 'utf8')) as { version: string };

const program = new Command()
  .name('quiver')
  .description('Run map-reduce and fork-join jobs over big files on every core, and measure the speedup.')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)');

// `quiver run … | head` closes stdout early: that is the reader saying it has enough, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exitCode ??= 0;
  process.exit();
});

const asked = process.argv[2];
if (asked === 'run') await prestartWorkers(process.argv.slice(3));
const wanted = asked !== undefined && asked in COMMANDS ? [asked] : Object.keys(COMMANDS);
for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) register(program);

program.addHelpText(
  'after',
  `
Examples:
  quiver run wordcount --input corpus.txt
  quiver run groupby --input g1.arrow --param by=id1 --param agg=sum:v1 --workers 2
  quiver run ./my-job.ts --input data/ --output result.csv
  quiver explain wordcount --input corpus.txt
  quiver jobs
  quiver jobs inverted-index
  quiver datasets generate groupby --rows 1000000 --output g1.arrow`,
);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e);
} finally {
  await (await import('../executor/prestart.js')).releasePrestartedPool();
  exitWhenIdle();
}

/**
 * The command is done; the process should now exit by itself. If a stray handle (a worker thread still
 * shutting down) keeps it alive, exit anyway once stdout and stderr have been flushed — a CLI must
 * never hang after its work is done.
 */
function exitWhenIdle(): void {
  const check = () => {
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) setTimeout(check, 200).unref();
    else process.exit();
  };
  setTimeout(check, 3000).unref();
}

/**
 * Starts `quiver run`'s workers before the engine's modules load, so thread start-up overlaps them.
 * Only the worker count is read here (commander checks every option later); a run with
 * --worker-memory, --stall-timeout or --help starts its own.
 */
async function prestartWorkers(args: string[]): Promise<void> {
  if (args.some((a) => a === '-h' || a === '--help' || a.startsWith('--worker-memory') || a.startsWith('--stall-timeout'))) return;
  let workers: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a === '-w' || a === '--workers' ? args[i + 1] : a.startsWith('--workers=') ? a.slice(10) : undefined;
    if (v !== undefined) workers = /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : NaN;
  }
  if (Number.isNaN(workers)) return;
  const { prestartPool } = await import('../executor/prestart.js');
  const os = await import('node:os');
  prestartPool(workers ?? os.availableParallelism());
}

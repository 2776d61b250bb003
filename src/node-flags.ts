import v8 from 'node:v8';

/**
 * V8 flags the `quiver` command runs Node with (its shebang passes them; they cannot be set once the
 * process runs). Both keep V8's garbage collector from marking and sweeping on background threads.
 *
 * Why: a task decodes input into fresh typed arrays, hundreds of MB a second per worker. That memory
 * lives outside the JS heap, and every ~64 MB of it makes V8 start another round of concurrent
 * marking, so marking runs nearly all the time: its helper threads take CPU the other worker needs,
 * and the worker itself runs slower while marking is on. Measured here on a 10M-row CSV histogram
 * (in-process, warm workers): without them 1 worker 2188 ms, 2 workers 1496 ms; with them 1535 ms
 * and 925 ms. Mark-compacting a worker's small heap on its own thread costs a few ms.
 *
 * The library cannot set them for you: start Node with them (`node --no-concurrent-marking
 * --no-concurrent-sweeping app.js`) when you use the engine from your own program.
 */
export const NODE_FLAGS = ['--no-concurrent-marking', '--no-concurrent-sweeping'] as const;

/**
 * The old space V8 starts each worker thread's heap with, in MB. V8's default start is small (its
 * limit then follows the live heap, ~10 MB in a worker: Arrow's code and ours), so a worker that
 * decodes hundreds of MB a second started a mark-compact every ~50 ms for heap-limit reasons on top
 * of the ones its off-heap columns ask for. Measured on the 10M-row Parquet scan (1 worker, GC time
 * per run from --trace-gc): 227-251 ms by default, 150-168 ms with 64 MB (128 MB: 142 ms, but twice
 * the garbage a worker may hold). The cost: up to this much garbage per worker before V8 collects it.
 */
export const WORKER_OLD_SPACE_MB = 64;

/**
 * Gives worker threads started from now on WORKER_OLD_SPACE_MB of initial old space (V8 reads the flag
 * when it makes an isolate, so the running main thread is not changed), unless Node was started with
 * its own `--initial-old-space-size` or `--initial-heap-size` (command line or NODE_OPTIONS), which wins.
 * The worker pool calls it before it starts its threads; other workers the process starts later get it too.
 */
export function configureWorkerHeaps(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const own = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--initial[-_](old[-_]space|heap)[-_]size(=|$)/.test(a));
  if (own) return false;
  v8.setFlagsFromString(`--initial-old-space-size=${WORKER_OLD_SPACE_MB}`);
  return true;
}

/**
 * The environment the `quiver` command runs Node in (its shebang sets it; glibc reads it as the
 * process starts). `glibc.malloc.hugetlb=1` has malloc ask for transparent huge pages (madvise), so a
 * fresh read buffer or column costs one page fault per 2 MB instead of one per 4 KB: reading a 620 MB
 * Arrow file took 808K page faults and 404 ms at 1 worker, and 48K faults and 310 ms with it. Linux
 * only, and only where transparent huge pages are `madvise` or `always`; elsewhere glibc ignores it.
 */
export const NODE_ENV: Readonly<Record<string, string>> = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

/** The shebang line of the `quiver` command: NODE_ENV and NODE_FLAGS, then the script. */
export const SHEBANG = `#!/usr/bin/env -S ${Object.entries(NODE_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ')} node ${NODE_FLAGS.join(' ')}`;

/** True when this process runs with every flag of NODE_FLAGS. */
export function hasNodeFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return NODE_FLAGS.every((f) => execArgv.includes(f));
}

/** True when this process runs in NODE_ENV (and with NODE_FLAGS): as the `quiver` command runs. */
export function runsAsCommand(): boolean {
  return hasNodeFlags() && Object.entries(NODE_ENV).every(([k, v]) => process.env[k] === v);
}

/**
 * `node` arguments and environment that run `script` the way the `quiver` command runs (NODE_FLAGS,
 * NODE_ENV), for programs that spawn the CLI's script with `process.execPath`.
 */
export function asCommand(script: string, args: readonly string[] = []): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...NODE_FLAGS, script, ...args], env: { ...process.env, ...NODE_ENV } };
}

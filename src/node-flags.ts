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
 * The environment the `quiver` command runs Node in (its shebang sets it; glibc reads it as the
 * process starts). `glibc.malloc.hugetlb=1` has malloc ask for transparent huge pages (madvise), so a
 * fresh read buffer or column costs one page fault per 2 MB instead of one per 4 KB: reading a 620 MB
 * Arrow file took 808K page faults and 404 ms at 1 worker, and 48K faults and 310 ms with it. Linux
 * only, and only where transparent huge pages are `madvise` or `always`; elsewhere glibc ignores it.
 */
export const NODE_ENV: Readonly<Record<string, string>> = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

/** The shebang line of the `quiver` command: NODE_ENV and NODE_FLAGS, then the script. */
export const SHEBANG = `#!/usr/bin/env -S ${Object.entries(NODE_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} node ${NODE_FLAGS.join(' ')}`;

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

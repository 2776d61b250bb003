import { CommanderError } from 'commander';
import { QuiverError, CancelledError, TaskError } from '../errors.js';

// The CLI's last word on a failed command, in a module of its own so that a harness that runs the
// commands in-process (bench/fuzz-runner.mjs) reports and classifies errors exactly as the CLI does.

/** Prints an error as one clear paragraph (plus the user's stack for errors in their code) and returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode || 2;
  if (e instanceof CancelledError) {
    process.stderr.write(`quiver: ${e.message}\n`);
    return typeof process.exitCode === 'number' && process.exitCode > 0 ? process.exitCode : 130;
  }
  if (QuiverError.isQuiverError(e)) {
    process.stderr.write(`quiver: ${e.phase} error: ${e.message}\n`);
    if (e instanceof TaskError && e.userError.stack) {
      const frames = e.userError.stack
        .split('\n')
        .filter((l) => /^\s+at /.test(l) && !/\/dist\/(src|bundle)\/|\/node_modules\/|\(node:|^\s+at async /.test(l))
        .slice(0, 8);
      if (frames.length) process.stderr.write(`${e.userError.name}: ${e.userError.message}\n${frames.join('\n')}\n`);
      // The user's `cause` chain, as the worker kept it.
      for (
        let c = (e.cause as Error | undefined)?.cause as Error | undefined, depth = 0;
        c && depth < 5;
        c = c.cause as Error | undefined, depth++
      ) {
        process.stderr.write(`  caused by ${c.name}: ${c.message}\n`);
      }
    }
    return e.phase === 'usage' ? 2 : 1;
  }
  process.stderr.write(`quiver: unexpected error (a bug in quiver; please report it):\n${e instanceof Error ? e.stack : String(e)}\n`);
  return 70;
}

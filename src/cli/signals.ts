import { CancelledError } from '../errors.js';

/** Exit codes of a cancelled run: 128 + the signal number for signals, 124 (as `timeout(1)`) for `--timeout`. */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
export const EXIT_TIMEOUT = 124;

/** A run's cancel signal and how to stop listening once the run is over. */
export interface RunSignal {
  signal: AbortSignal;
  /** Removes the signal handlers (so a later Ctrl-C behaves as usual) and the timer. */
  dispose(): void;
}

/**
 * An AbortSignal that fires on the first SIGINT or SIGTERM, or after `timeoutMs`, so a run cancels
 * cleanly (workers stopped, temp files removed) and the CLI exits 130, 143 or 124. A second signal
 * exits at once, for a user who does not want to wait.
 */
export function runSignal(timeoutMs?: number, timeoutText?: string): RunSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    const code = sig === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    if (controller.signal.aborted) {
      process.stderr.write(`quiver: ${sig} again; exiting without cleaning up\n`);
      process.exit(code);
    }
    process.exitCode = code;
    controller.abort(new CancelledError(`cancelled by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          process.exitCode = EXIT_TIMEOUT;
          controller.abort(
            new CancelledError(
              `timed out after ${timeoutText ?? `${timeoutMs} ms`} (--timeout); raise --timeout, or give the run less input`,
            ),
          );
        }, timeoutMs);
  timer?.unref();
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
    },
  };
}

/** The same as `runSignal`, by the name other commands may use. */
export const cancelOnSignals = runSignal;

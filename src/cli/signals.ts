import { CancelledError } from '../errors.js';

/** An AbortSignal that fires on the first SIGINT or SIGTERM, so a run cancels cleanly and the CLI exits 130 / 143. */
export function runSignal(): AbortSignal {
  const controller = new AbortController();
  const on = (sig: 'SIGINT' | 'SIGTERM', code: number) => () => {
    process.exitCode = code;
    controller.abort(new CancelledError(`cancelled by ${sig}`));
  };
  process.once('SIGINT', on('SIGINT', 130));
  process.once('SIGTERM', on('SIGTERM', 143));
  return controller.signal;
}

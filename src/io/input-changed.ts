import { InputError } from '../errors.js';

/**
 * An input found shorter than its plan saw: cut or rewritten while the run read it. Without this error
 * the records past the cut would silently go missing, with the original size in the report (fuzz seed
 * 5, cases 336 and 413). `where` names the file, or the split with its range; `at` is where the input
 * ends now, `planned` the bytes the plan counted on. Every reader that meets a short input says so
 * with this one message: a file read in chunks, a split that checks its size first, an `s3://` object
 * whose first response tells its size.
 */
export function changedWhileRead(where: string, at: number, planned: number): InputError {
  return new InputError(
    `${where}: the file ends at byte ${at}, but it had ${planned} bytes or more when the run was planned (was it truncated or ` +
      `rewritten while being read?)`,
  );
}

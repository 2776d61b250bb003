import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, JobError, PlanError, type QuiverError, TaskError, WorkerError, CancelledError } from '../errors.js';
import type { SerializedError } from '../worker/protocol.js';
import { ColumnTooNarrow } from '../io/column-widening.js';
import { withSourceStacks } from '../job/source-map.js';

const CLASSES: Record<string, new (message: string, options?: { cause?: unknown }) => QuiverError> = {
  InputError,
  JobError,
  PlanError,
  WorkerError,
  CancelledError,
};

/**
 * The first frame of a stack in the user's job file: where (`jobs/x.ts:12:5`, relative to the current
 * folder) and the function it is in (`combine`, from `at Object.combine (…)`), if the stack names one.
 */
export function userFrame(stack: string | undefined, jobFile: string): { where: string; fn?: string } | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /^at (?:(\S+) \()?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[2]!.startsWith('file://') ? fileURLToPath(m[2]!) : m[2]!;
    if (path.resolve(file) !== jobFile) continue;
    const fn = m[1]?.split('.').pop();
    return {
      where: `${path.relative(process.cwd(), file) || file}:${m[3]}:${m[4]}`,
      fn: fn && fn !== '<anonymous>' && !/^async$/.test(fn) ? fn : undefined,
    };
  }
  return undefined;
}

/** The user's error class as they would name it: the constructor's name for a subclass that kept `name` 'Error'. */
function classOf(e: SerializedError): string {
  return e.name === 'Error' && e.className ? e.className : e.name;
}

function revive(e: SerializedError): Error {
  const err = new Error(e.message, e.cause ? { cause: revive(e.cause) } : undefined);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * Rebuilds an error that crossed from a worker into the error the run rejects with: user code errors
 * name the job file and line, the phase and the split, and keep the user's class name, stack and cause.
 */
export function errorFromWorker(e: SerializedError, describe: string, jobFile: string): Error {
  e = withSourceStacks(e);
  if (e.user) {
    const at = userFrame(e.stack, jobFile);
    const where = at?.where ?? path.relative(process.cwd(), jobFile);
    // Name the user's function (combine runs inside the map phase; finish inside merge) when the stack tells it.
    const message = `${where} ${at?.fn ?? e.phase} threw ${classOf(e)}: ${e.message} (${describe})`;
    const err = new TaskError(e.phase, message, { name: classOf(e), message: e.message, stack: e.stack }, { cause: revive(e) });
    const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
    err.stack = [`TaskError: ${message}`, ...frames].join('\n');
    return err;
  }
  if (e.widening) return new ColumnTooNarrow(e.widening);
  const Class = (e.quiverClass && CLASSES[e.quiverClass]) || (e.phase === 'load-job' ? JobError : InputError);
  const message = e.quiverClass
    ? e.message.includes(describe)
      ? e.message
      : `${e.message} (${describe})`
    : `${describe}: ${e.name}: ${e.message}`;
  return new Class(message, { cause: revive(e) });
}

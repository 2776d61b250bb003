import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, JobError, PlanError, QuiverError, TaskError, WorkerError, CancelledError } from '../errors.js';
import type { SerializedError } from '../worker/protocol.js';

const CLASSES: Record<string, new (message: string, options?: { cause?: unknown }) => QuiverError> = {
  InputError, JobError, PlanError, WorkerError, CancelledError,
};

/** `jobs/x.ts:12:5`: the first frame of a stack in the user's job file, relative to the current folder. */
export function userFrame(stack: string | undefined, jobFile: string): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (path.resolve(file) === jobFile) return `${path.relative(process.cwd(), file) || file}:${m[2]}:${m[3]}`;
  }
  return undefined;
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
  if (e.user) {
    const at = userFrame(e.stack, jobFile);
    const where = at ?? path.relative(process.cwd(), jobFile);
    const message = `${where} ${e.phase} threw ${e.name}: ${e.message} (${describe})`;
    const err = new TaskError(e.phase, message, { name: e.name, message: e.message, stack: e.stack }, { cause: revive(e) });
    const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
    err.stack = [`TaskError: ${message}`, ...frames].join('\n');
    return err;
  }
  const Class = (e.quiverClass && CLASSES[e.quiverClass]) || (e.phase === 'load-job' ? JobError : InputError);
  const message = e.quiverClass ? (e.message.includes(describe) ? e.message : `${e.message} (${describe})`) : `${describe}: ${e.name}: ${e.message}`;
  return new Class(message, { cause: revive(e) });
}

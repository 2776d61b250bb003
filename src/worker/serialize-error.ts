import { QuiverError, type Phase } from '../errors.js';
import { ColumnTooNarrow } from '../io/column-widening.js';
import type { SerializedError } from './protocol.js';
import { TaskCancelled, UserCodeError } from './tasks.js';

/** Turns anything thrown in a worker into plain data that keeps the user's class name, message, stack and cause. */
export function serializeError(e: unknown, phase: Phase = 'io'): SerializedError {
  if (e instanceof UserCodeError) return { ...plain(e.error, e.phase), user: true };
  if (e instanceof TaskCancelled) return { name: 'CancelledError', message: 'the task was cancelled', phase, user: false };
  if (ColumnTooNarrow.isColumnTooNarrow(e)) return { ...plain(e, e.phase), quiverClass: e.name, widening: e.widening };
  if (QuiverError.isQuiverError(e)) return { ...plain(e, e.phase), quiverClass: e.name };
  return plain(e, phase);
}

function plain(e: unknown, phase: Phase, depth = 0): SerializedError {
  if (!(e instanceof Error)) return { name: typeof e, message: String(e), phase, user: false };
  const out: SerializedError = { name: e.name, message: e.message, stack: e.stack, phase, user: false };
  const className = e.constructor?.name;
  if (className && className !== e.name) out.className = className;
  if (e.cause !== undefined && depth < 5) out.cause = plain(e.cause, phase, depth + 1);
  return out;
}

import path from 'node:path';
import { InputError } from '../errors.js';
import { ColumnTooNarrow, type ColumnWidening } from '../io/column-widening.js';
import type { ColumnSpec } from '../io/column-types.js';
import type { FormatOptions } from '../planner/formats.js';

/** A column widened during a run, for the report. */
export interface WideningNote extends ColumnWidening {
  /** Map tasks of the attempt that ran again with the wider type. */
  tasksRerun: number;
}

/**
 * How many times a run may restart: each column widens at most four steps (int32 → int64 → float64 →
 * utf8), so this bounds a pathological file, not a real one.
 */
const MAX_RESTARTS = 32;

/**
 * Runs `attempt` until no task finds a value that its column's inferred type cannot hold. When one
 * does (a `ColumnTooNarrow` from a CSV or NDJSON decoder), the column is widened for the whole run —
 * every split must decode to one schema, and finished tasks computed with the narrower type — and
 * the run starts again with the wider type, replanned; the report lists each widening. A column whose
 * type was given (`--column`, `--schema`) is never widened: its misfits stay bad records.
 */
export async function runWithWidening<R extends { report: { tasks: { map: number }; widened?: WideningNote[] } }>(
  formatOptions: FormatOptions | undefined,
  attempt: (formatOptions: FormatOptions | undefined) => Promise<R>,
): Promise<R> {
  const notes: WideningNote[] = [];
  let options = formatOptions;
  for (let restarts = 0; ; restarts++) {
    try {
      const result = await attempt(options);
      if (notes.length > 0) {
        for (const n of notes) n.tasksRerun ||= result.report.tasks.map;
        result.report.widened = notes;
      }
      return result;
    } catch (e) {
      if (!ColumnTooNarrow.isColumnTooNarrow(e)) throw e;
      if (restarts >= MAX_RESTARTS)
        throw new InputError(
          `${e.message}; the run already restarted ${MAX_RESTARTS} times to widen columns, so it stops: give the column types with ` +
            `--column or --schema`,
          { cause: e },
        );
      notes.push({ ...e.widening, tasksRerun: 0 });
      options = widenedOptions(options, e.widening);
    }
  }
}

/** The format options with one more column read as a wider type (or added, for an NDJSON key found late). */
export function widenedOptions(o: FormatOptions | undefined, w: ColumnWidening): FormatOptions {
  const columns = o?.columns ?? {};
  const widened: ColumnSpec[] = [
    ...(columns.widened ?? []).filter((c) => c.name !== w.column),
    { name: w.column, type: w.to, inferred: true },
  ];
  return { ...o, columns: { ...columns, widened } };
}

/** One line per widened column for the text report. */
export function formatWidenings(notes: WideningNote[]): string[] {
  return notes.map((n) => {
    const rel = path.relative(process.cwd(), n.file);
    const where = n.line !== undefined ? ` line ${n.line}` : n.byteOffset !== undefined ? ` byte ${n.byteOffset}` : '';
    const at = `${rel && !rel.startsWith('..') ? rel : n.file}${where}`;
    const what =
      n.from === undefined ? `column ${n.column} (${n.to}) found past the sample` : `column ${n.column} widened from ${n.from} to ${n.to}`;
    return `  ${what} at ${at} (value ${n.found}); the run restarted: ${n.tasksRerun} map task${n.tasksRerun === 1 ? '' : 's'} re-run`;
  });
}

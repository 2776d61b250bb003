import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import { InputError } from '../errors.js';
import { assembleParts, type PartFormat } from '../io/part-files.js';
import { writeTableFile, type OutputFormat } from '../io/sinks.js';

/**
 * Cells (rows × columns) from which a result written as text (CSV, NDJSON, a JSON array) is formatted
 * by the workers: below, sharing the table and assembling parts cost more than formatting it here.
 * QUIVER_PARALLEL_WRITE_CELLS sets another threshold (the tests take both ways on small tables).
 */
const parallelCells = (): number => Number(process.env.QUIVER_PARALLEL_WRITE_CELLS ?? 1 << 22);

/**
 * Converts `table` to part files in `dir` with the built-in `convert` job on the run's workers (the
 * table shared with them as an in-memory input), giving the parts in row order and the columns.
 */
export type ConvertTable = (table: Table, dir: string, format: PartFormat) => Promise<{ parts: string[]; columns: string[] }>;

/**
 * Writes a run's result to `file`. A large result as text is formatted by the workers, as `quiver
 * convert` formats its input (jobs/convert.ts: each split of the table appended to a part file of its
 * own, the parts then copied in order into a temp file renamed over `file`), when `convert` is given
 * (threads of one process, more than one); everything else is written here by `writeTableFile`. The
 * bytes are the same either way. db-benchmark q10's 10M result rows of eight columns took 5.7 s of
 * the main thread as CSV. Returns whether the workers formatted it.
 */
export async function writeResult(
  table: Table,
  file: string,
  format: OutputFormat,
  signal: AbortSignal | undefined,
  convert?: ConvertTable,
): Promise<boolean> {
  const names = table.schema.fields.map((f) => f.name);
  const text = format === 'csv' || format === 'ndjson' || format === 'json';
  // Repeated column names: `convert` renames them (x_2, …), where this thread's writers keep them.
  if (!convert || !text || table.numRows * names.length < parallelCells() || new Set(names).size < names.length) {
    await writeTableFile(table, file, format, signal);
    return false;
  }
  const dir = await mkdtemp(path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.parts-`)).catch((e: Error) => {
    throw new InputError(`could not write ${file}: ${e.message}`, { cause: e });
  });
  try {
    const { parts, columns } = await convert(table, dir, format);
    signal?.throwIfAborted();
    await assembleParts(parts, file, format, columns.length ? columns : names);
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

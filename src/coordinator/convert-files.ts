import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { assembleParts, type PartFormat } from '../io/part-files.js';
import { checkOutput, outputFormatOf } from '../io/sinks.js';
import { checkOutputNotInput, expandInputs } from '../planner/inputs.js';
import type { RunReport } from './report-types.js';
import { run, type Engine } from './engine.js';
import type { EngineOptions, RunOptions } from './run-options.js';

/** Output formats `convert` writes. */
export const PART_FORMATS = ['arrow', 'arrows', 'parquet', 'csv', 'ndjson', 'json'] as const;

/**
 * Options of a conversion: how to read the input, the output format, and the engine's; or `engine`,
 * an Engine to run on (its workers are reused, as for many small conversions in one process).
 */
export type ConvertOptions = Omit<RunOptions, 'input' | 'params' | 'output'> & EngineOptions & { engine?: Engine };

/**
 * Converts inputs to one output file with the built-in `convert` job: workers decode their splits
 * and append them to part files in parallel; the parts are then assembled in split order into a temp
 * file beside `out`, renamed over it at the end (src/io/part-files.ts).
 *
 * @example
 * await convertFiles(['data.csv'], 'data.parquet', { workers: 4 });
 */
export async function convertFiles(
  inputs: string[],
  out: string,
  options: ConvertOptions = {},
): Promise<{ rows: number; report: RunReport }> {
  const format = outputFormatOf(out, options.outputFormat);
  if (!(PART_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`convert writes ${PART_FORMATS.join(', ')}; not ${format}`);
  checkOutputNotInput(
    out,
    (await expandInputs(inputs, options.format)).map((f) => f.path),
  );
  await checkOutput(out, options.overwrite ?? false);
  const dir = await mkdtemp(path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.parts-`));
  try {
    const { engine, ...rest } = options;
    const runOptions = { ...rest, input: inputs, params: { dir, format }, outputFormat: undefined };
    const { value, report } = await (engine ? engine.run('convert', runOptions) : run('convert', runOptions));
    const acc = value as { parts: string[]; rows: number; columns: string[] };
    options.signal?.throwIfAborted();
    // No batch reached the job, so no column is known: Parquet and Arrow files without columns are not
    // files other tools read (DuckDB: "Need at least one non-root column"), so say so instead.
    if (acc.rows === 0 && acc.columns.length === 0)
      throw new InputError(
        `${inputs.join(', ')}: no rows to convert, so ${out} would have no columns, which is not a valid ${format} file; nothing was ` +
          `written`,
      );
    await assembleParts(acc.parts, out, format as PartFormat, acc.columns);
    return { rows: acc.rows, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

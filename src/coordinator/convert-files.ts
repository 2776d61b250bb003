import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { PartAssembler } from '../io/part-assembler.js';
import { assembleParts, tempFileFor, type PartFormat } from '../io/part-files.js';
import { checkOutput, outputFormatOf } from '../io/sinks.js';
import { checkOutputNotInput, expandInputs } from '../planner/inputs.js';
import type { RunReport } from './report-types.js';
import { run, type Engine } from './engine.js';
import type { EngineOptions, RunOptions } from './run-options.js';

/** Output formats `convert` writes. */
export const PART_FORMATS = ['arrow', 'arrows', 'parquet', 'csv', 'ndjson', 'json'] as const;

/** The convert job's value: its part files in split order, rows, and the columns of the first part. */
type Acc = { parts: string[]; rows: number; columns: string[] };

/**
 * Options of a conversion: how to read the input, the output format, and the engine's; or `engine`,
 * an Engine to run on (its workers are reused, as for many small conversions in one process).
 */
export type ConvertOptions = Omit<RunOptions, 'input' | 'params' | 'output' | 'onSplitValue'> & EngineOptions & { engine?: Engine };

/**
 * Converts inputs to one output file with the built-in `convert` job: workers decode their splits
 * and append them to part files in parallel; the parts are assembled in split order into a temp file
 * beside `out`, renamed over it at the end (src/io/part-files.ts). Formats whose parts are copied as
 * they are (all but Parquet) are copied while the run goes on, each split's part as soon as it and
 * every split before it have finished (src/io/part-assembler.ts).
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
  const assembler = format === 'parquet' ? undefined : new PartAssembler(tempFileFor(out), format as Exclude<PartFormat, 'parquet'>);
  let assembled = false;
  try {
    const { engine, ...rest } = options;
    const onSplitValue = assembler
      ? (split: number, value: unknown, attempt: number) => {
          const v = value as Acc;
          assembler.add(split, v.parts, v.columns, attempt);
        }
      : undefined;
    const runOptions = { ...rest, input: inputs, params: { dir, format }, outputFormat: undefined, onSplitValue };
    const { value, report } = await (engine ? engine.run('convert', runOptions) : run('convert', runOptions));
    const acc = value as Acc;
    options.signal?.throwIfAborted();
    // No batch reached the job, so no column is known: Parquet and Arrow files without columns are not
    // files other tools read (DuckDB: "Need at least one non-root column"), so say so instead.
    if (acc.rows === 0 && acc.columns.length === 0)
      throw new InputError(
        `${inputs.join(', ')}: no rows to convert, so ${out} would have no columns, which is not a valid ${format} file; nothing was ` +
          `written`,
      );
    assembled = true;
    await assembleParts(acc.parts, out, format as PartFormat, acc.columns, assembler);
    return { rows: acc.rows, report };
  } finally {
    // A run that failed leaves no output behind (assembleParts removes its own temp file when it fails).
    if (!assembled) await assembler?.abort();
    await rm(dir, { recursive: true, force: true });
  }
}

import type { Command } from 'commander';
import { convertFiles, PART_FORMATS } from '../coordinator/convert-files.js';
import { UsageError } from '../errors.js';
import { outputFormatOf } from '../io/sinks.js';
import { formatSize } from '../util/size.js';
import { addFormatOptions, formatOptionsFromFlags, inputFormatOf, type FormatFlags } from './format-flags.js';
import { positiveInt } from './options.js';
import { parseStallTimeout, STALL_TIMEOUT_OPTION } from './reliability.js';
import { runSignal } from './signals.js';

/** What `quiver convert` parses. */
export type ConvertFlags = FormatFlags & {
  outputFormat?: string;
  overwrite?: boolean;
  workers?: number;
  splitSize?: string;
  stallTimeout?: string;
  quiet?: boolean;
};

/**
 * The `convert <input...> <output>` command with its arguments and options, without an action:
 * `registerConvert` adds the CLI's; bench/fuzz-runner.mjs parses the same command lines onto one Engine.
 */
export function defineConvertCommand(program: Command): Command {
  return addFormatOptions(
    program
      .command('convert')
      .argument('<input...>', 'input file(s), directory, glob or s3:// URL(s), then the output file last')
      .description('convert between Arrow IPC, Arrow stream, Parquet, CSV, NDJSON and JSON, in parallel'),
  )
    .option('--input-format <format>', 'treat inputs as arrow, arrows, csv, ndjson, parquet or text')
    .option('--output-format <format>', 'arrow, arrows, parquet, csv, ndjson or json, instead of telling by extension')
    .option('--overwrite', 'replace the output if it exists')
    .option('-w, --workers <n>', 'worker threads (default: the cores Node may use)', positiveInt('--workers'))
    .option('--split-size <size>', 'bytes per split (default: input ÷ (workers × 4), 1 MB–64 MB, the last ranges smaller)')
    .option(...STALL_TIMEOUT_OPTION)
    .option('-q, --quiet', 'no summary on stderr');
}

/** The inputs, the output and `convertFiles`' options from `convert`'s arguments and flags, checked. */
export function convertFromFlags(
  args: string[],
  o: ConvertFlags,
): { inputs: string[]; out: string; options: NonNullable<Parameters<typeof convertFiles>[2]> } {
  if (args.length < 2) throw new UsageError('convert needs an input and an output: quiver convert <input> <output>');
  const out = args[args.length - 1]!;
  const format = outputFormatOf(out, o.outputFormat);
  if (!(PART_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`convert writes ${PART_FORMATS.join(', ')}; not ${format}`);
  return {
    inputs: args.slice(0, -1),
    out,
    options: {
      format: inputFormatOf(o.inputFormat),
      ...formatOptionsFromFlags(o),
      outputFormat: format,
      overwrite: o.overwrite,
      workers: o.workers,
      splitSize: o.splitSize,
      stallTimeoutMs: o.stallTimeout === undefined ? undefined : parseStallTimeout(o.stallTimeout),
    },
  };
}

/**
 * `quiver convert <in> <out>`: any input quiver reads to Arrow IPC (file or stream), Parquet, CSV or
 * NDJSON. It runs the built-in `convert` job — workers decode their splits and write part files in
 * parallel — and then assembles the parts in order into the output, atomically.
 */
export function registerConvert(program: Command): void {
  defineConvertCommand(program).action(async (args: string[], o: ConvertFlags) => {
    const { inputs, out, options } = convertFromFlags(args, o);
    const cancel = runSignal();
    try {
      const t0 = performance.now();
      const r = await convertFiles(inputs, out, { ...options, signal: cancel.signal });
      if (!o.quiet) {
        const s = (performance.now() - t0) / 1000;
        process.stderr.write(
          `converted ${r.rows.toLocaleString('en-US')} rows (${formatSize(r.report.input.bytes)}, ${r.report.input.splits} ` +
            `split(s)) to ${out} (${options.outputFormat}) in ${s.toFixed(2)} s with ${r.report.workers} worker(s)\n`,
        );
      }
    } finally {
      cancel.dispose();
    }
  });
}

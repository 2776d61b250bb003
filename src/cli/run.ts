import os from 'node:os';
import { writeFile } from 'node:fs/promises';
import type { Table } from 'apache-arrow';
import type { Command } from 'commander';
import { run } from '../coordinator/engine.js';
import type { RunOptions } from '../coordinator/run-options.js';
import { formatReport } from '../coordinator/report.js';
import { paramsFromArgs } from '../job/params.js';
import { UsageError } from '../errors.js';
import { tableToCsvLines, tableToJsonArray } from '../io/text-formats.js';
import { collect, positiveInt } from './options.js';
import { addFormatOptions, formatOptionsFromFlags, inputFormatOf, type FormatFlags } from './format-flags.js';
import { formatTable } from './print-table.js';
import { runSignal } from './signals.js';
import { addReliabilityOptions, checkFolderOf, reliabilityFromFlags, type ReliabilityFlags } from './reliability.js';
import { makeProgressView, progressMode } from './progress.js';
import { parseSize } from '../util/size.js';
import { checkOutput, outputFormatOf } from '../io/sinks.js';

/** Options shared by `run`, `explain` and `speedup`: the input and how it is cut. */
export function addInputOptions(cmd: Command): Command {
  return addFormatOptions(cmd)
    .option(
      '-i, --input <paths...>',
      'input files, directories or globs (Arrow IPC, Arrow stream, Parquet, CSV, NDJSON, text; .gz/.zst), ' +
        'or s3://bucket/key, s3://bucket/prefix/ (every object under it) or a key glob; a driver job may need none',
    )
    .option('--input-format <format>', 'treat inputs as arrow, arrows, csv, ndjson, parquet or text, instead of telling by extension')
    .option('-w, --workers <n>', 'worker threads (default: the cores Node may use)', positiveInt('--workers'))
    .option('-r, --reducers <n>', 'reduce partitions (default: workers)', positiveInt('--reducers'))
    .option(
      '--split-size <size>',
      'bytes per split, e.g. 4KB, 64MB, 1GB (default: input ÷ (workers × 4), 1 MB–64 MB, the last ranges smaller)',
    )
    .option('--batch-rows <n>', 'rows per split for Arrow input, and most rows per batch given to map', positiveInt('--batch-rows'))
    .option('-p, --param <name=value>', 'job parameter, repeatable', collect, []);
}

interface InputFlags extends FormatFlags {
  input?: string[];
  inputFormat?: string;
  workers?: number;
  reducers?: number;
  splitSize?: string;
  batchRows?: number;
  param: string[];
}

/** Turns parsed input flags into run options, checking the ones commander cannot. */
export function runOptionsFromFlags(o: InputFlags): RunOptions & { workers?: number } {
  return {
    input: o.input,
    format: inputFormatOf(o.inputFormat),
    ...formatOptionsFromFlags(o),
    workers: o.workers,
    reducers: o.reducers,
    splitSize: o.splitSize,
    batchRows: o.batchRows,
    params: paramsFromArgs(o.param),
  };
}

/** A warning on stderr when --workers asks for more threads than the cores Node may use: they only take turns. */
export function warnOversubscribed(workers: number | undefined): void {
  const cores = os.availableParallelism();
  if (workers !== undefined && workers > cores) {
    process.stderr.write(
      `quiver: warning: --workers ${workers} is more than the ${cores} cores here; the extra threads take turns on the same cores, so ` +
        `the run is no faster (leave --workers out to use every core)\n`,
    );
  }
}

/** What `quiver run` parses: the input, output, stdout and reliability flags. */
export type RunFlags = InputFlags &
  ReliabilityFlags & {
    output?: string;
    outputFormat?: string;
    overwrite?: boolean;
    format: string;
    limit: number;
    jsonReport?: string;
    quiet?: boolean;
    cluster?: string;
    store?: string;
  };

/**
 * The `run <job>` command with its arguments and options, without an action: `registerRun` adds the
 * CLI's; bench/fuzz-runner.mjs parses the same command lines onto one long-lived Engine.
 */
export function defineRunCommand(program: Command): Command {
  const cmd = addInputOptions(
    program
      .command('run')
      .argument('<job>', 'job file (.ts/.js; file.ts#name for a named export) or built-in job name')
      .description('run a job on every core'),
  )
    .option('-o, --output <file>', 'write the result to a file (.arrow, .arrows, .parquet, .csv, .ndjson, .json), atomically')
    .option('--output-format <format>', 'arrow, arrows, parquet, csv, ndjson or json, instead of telling by extension')
    .option('--overwrite', 'replace --output if it exists')
    .option('-f, --format <format>', 'stdout format: table, csv or json', 'table')
    .option('-n, --limit <rows>', 'rows shown in the stdout table', positiveInt('--limit'), 20)
    .option('--json-report <file>', 'write the run report as JSON')
    .option('-q, --quiet', 'no run report or progress bar on stderr')
    .option('--cluster <url>', 'run on the `quiver worker` processes of this Redis (redis://host:6379), with --store')
    .option('--store <url>', 'with --cluster: store every machine reaches, file:///shared/path or s3://bucket/prefix');
  return addReliabilityOptions(cmd);
}

/** Prints a result on stdout as `run -f` asks (`table`, `csv` or `json`). */
export function printResult(table: Table, format: string, limit: number): void {
  if (format === 'table') process.stdout.write(formatTable(table, limit) + '\n');
  else if (format === 'csv') for (const chunk of tableToCsvLines(table)) process.stdout.write(chunk);
  else for (const chunk of tableToJsonArray(table)) process.stdout.write(chunk);
}

/** `quiver run <job>`: run a job and print or write its result, with the run report on stderr. */
export function registerRun(program: Command): void {
  defineRunCommand(program).action(async (jobSpec: string, o: RunFlags) => {
    if (!['table', 'csv', 'json'].includes(o.format)) throw new UsageError(`--format must be table, csv or json, got "${o.format}"`);
    const options = runOptionsFromFlags(o);
    warnOversubscribed(o.workers);
    const r = reliabilityFromFlags(o);
    if (o.jsonReport) checkFolderOf('--json-report', o.jsonReport);
    // Checked again by the engine; here so a mistake is reported before any thread starts.
    if (o.splitSize !== undefined) parseSize(o.splitSize);
    if (o.output) {
      outputFormatOf(o.output, o.outputFormat);
      await checkOutput(o.output, o.overwrite ?? false);
    }
    if ((o.cluster === undefined) !== (o.store === undefined))
      throw new UsageError("--cluster and --store go together: the cluster's Redis, and the store its workers share");
    const view = makeProgressView(r.progress ?? progressMode(undefined, o.quiet ?? false));
    const cancel = runSignal(r.timeoutMs, o.timeout);
    let result: Awaited<ReturnType<typeof run>>;
    let clusterReport: string | undefined;
    try {
      const runHere = o.cluster ? await clusterRun(o.cluster, o.store!, (text) => (clusterReport = text)) : run;
      result = await runHere(jobSpec, {
        ...options,
        output: o.output,
        outputFormat: o.outputFormat as RunOptions['outputFormat'],
        overwrite: o.overwrite,
        signal: cancel.signal,
        onProgress: view.onProgress,
        maxAttempts: r.maxAttempts,
        retryUserErrors: r.retryUserErrors,
        workerMemory: r.workerMemory,
        stallTimeoutMs: r.stallTimeoutMs,
        memory: r.memory,
        maxBadRecords: r.maxBadRecords,
        badRecordsFile: r.badRecordsFile,
      });
    } finally {
      view.stop();
      cancel.dispose();
    }
    const { table, report } = result;
    if (!o.output) printResult(table, o.format, o.limit);
    if (!o.quiet) process.stderr.write((clusterReport ?? formatReport(report)) + '\n');
    if (o.jsonReport) await writeFile(o.jsonReport, JSON.stringify(report, null, 2) + '\n');
  });
}

/** `run`, on the cluster: the cluster runner, which hands its report's text (with the cluster's lines) to `report`. */
async function clusterRun(cluster: string, store: string, report: (text: string) => void): Promise<typeof run> {
  const { runOnCluster, formatClusterReport } = await import('../cluster/runner.js');
  return async (jobSpec, options) => {
    const result = await runOnCluster(jobSpec, { ...options, cluster, store });
    report(formatClusterReport(result.report));
    return result;
  };
}

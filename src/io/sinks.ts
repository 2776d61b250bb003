import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { RecordBatchFileWriter, RecordBatchStreamWriter, type Table } from 'apache-arrow';
import { cancelledErrorOf, InputError, UsageError } from '../errors.js';
import { isS3Input } from './input-handle.js';
import { tableToCsvLines, tableToJsonArray, tableToNdjsonLines } from './text-formats.js';
import { csvHeader } from './batch-text.js';
import type { LineStyle } from './format-column.js';
import { withOneDictionary } from './dictionaries.js';
import { tableToParquet } from './parquet-sink.js';

/** Output formats quiver writes. */
export type OutputFormat = 'arrow' | 'arrows' | 'parquet' | 'csv' | 'ndjson' | 'json';

const BY_EXT: Record<string, OutputFormat> = {
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrows',
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
  '.parquet': 'parquet',
};

/** The output format for a path, from `--output-format` or the extension. */
export function outputFormatOf(file: string, format?: string): OutputFormat {
  const f = format ?? BY_EXT[path.extname(file).toLowerCase()];
  if (!f || !Object.values(BY_EXT).includes(f as OutputFormat)) {
    throw new UsageError(
      `cannot tell the output format of ${file}: use an extension .arrow, .arrows, .parquet, .csv, .ndjson or .json, or pass ` +
        `--output-format`,
    );
  }
  return f as OutputFormat;
}

/** Checks up front that an output can be written: its folder exists, and it does not exist unless `overwrite`. */
export async function checkOutput(file: string, overwrite: boolean): Promise<void> {
  if (isS3Input(file))
    throw new UsageError(`--output ${file}: outputs are written to files, not to s3:// yet; write a local file and copy it (aws s3 cp)`);
  const dir = path.dirname(path.resolve(file));
  const d = await stat(dir).catch(() => undefined);
  if (!d?.isDirectory()) throw new UsageError(`--output ${file}: folder ${dir} does not exist; create it first`);
  const existing = await stat(file).catch(() => undefined);
  if (existing && !overwrite) throw new UsageError(`--output ${file} already exists; pass --overwrite to replace it`);
}

/**
 * Where a CSV or NDJSON output's lines may come from instead of this thread's line writer: the
 * engine's workers (coordinator/lines-in-workers.ts) give the same bytes, in order, or undefined to
 * leave the table to this thread.
 */
export type LineSource = (table: Table, style: LineStyle) => AsyncIterable<Uint8Array> | undefined;

/**
 * Writes a table to a file atomically: into a temp file beside the target, renamed over it on
 * success, removed on failure, so a failed run never leaves a half-written output. An abort of
 * `signal` stops the write between chunks (and before the rename), leaving the target as it was.
 * CSV and NDJSON lines come from `lines` when it takes the table.
 */
export async function writeTableFile(
  table: Table,
  file: string,
  format: OutputFormat,
  signal?: AbortSignal,
  lines?: LineSource,
): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.quiver-${process.pid}-${Date.now()}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    const write = async (chunk: Uint8Array | string) => {
      signal?.throwIfAborted();
      await fh.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    };
    switch (format) {
      case 'arrow':
      case 'arrows': {
        const writer = format === 'arrow' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
        const batches = withOneDictionary(table.batches);
        writer.reset(undefined, batches[0]?.schema ?? table.schema);
        for (const b of batches) writer.write(b);
        writer.finish();
        await write(writer.toUint8Array(true));
        break;
      }
      case 'parquet':
        await write(await tableToParquet(table));
        break;
      case 'csv': {
        const rows = lines?.(table, 'csv');
        if (rows) {
          await write(csvHeader(table.schema.fields.map((f) => f.name)));
          for await (const chunk of rows) await write(chunk);
        } else for (const chunk of tableToCsvLines(table)) await write(chunk);
        break;
      }
      case 'ndjson':
        for await (const chunk of lines?.(table, 'json') ?? tableToNdjsonLines(table)) await write(chunk);
        break;
      case 'json':
        for (const chunk of tableToJsonArray(table)) await write(chunk);
        break;
    }
    await fh.close();
    signal?.throwIfAborted();
    await rename(tmp, file);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    if (signal?.aborted) throw cancelledErrorOf(signal.reason);
    throw new InputError(`could not write ${file}: ${(e as Error).message}`, { cause: e });
  }
}

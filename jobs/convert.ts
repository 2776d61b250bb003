import { rmSync } from 'node:fs';
import path from 'node:path';
import { defineJob } from 'quiver-engine';
import { appendBatchToPart, BatchEncodingError, partExtension, type PartFormat } from '../src/io/part-files.js';
import { batchDataProblem } from '../src/io/arrow-check.js';
import { withUniqueNames } from '../src/io/column-names.js';
import { InputError } from '../src/errors.js';

/**
 * The identity job behind `quiver convert`: every task appends its split's batches to its own part
 * file in `--param dir`, and the coordinator assembles the parts in split order into the output
 * (src/io/part-files.ts). Parallel decode and encode; memory about one batch per worker.
 *
 *   quiver run convert -i data.csv -p dir=parts/   (usually: quiver convert data.csv data.parquet)
 */
type Acc = { parts: string[]; rows: number; columns: string[] };

export default defineJob({
  name: 'convert',
  description: 'copy the input to part files in another format (used by `quiver convert`)',
  params: {
    dir: { type: 'string', description: 'folder for the part files' },
    format: { type: 'string', default: 'arrows', description: 'arrow, arrows, parquet, csv, ndjson or json (a JSON array)' },
  },
  identity: (): Acc => ({ parts: [], rows: 0, columns: [] }),
  fold(acc: Acc, input, ctx) {
    // Repeated column names (an Arrow input may have them) would be merged by the writers: renamed x_2, ….
    const batch = withUniqueNames(input);
    const format = ctx.params.format as PartFormat;
    // Every column is checked in full once, where it enters: the Arrow reader checks every batch it
    // decodes (offsets, UTF-8, null counts: read-arrow-file.ts), arrow-rs validates offsets and UTF-8
    // as it decodes Parquet pages, and the CSV, NDJSON and text decoders build their columns from
    // checked UTF-8. Checking them all again here was 14-19% of a 10M-row Parquet → Arrow convert's
    // CPU (bench/results/fast-paths.md). An in-memory table is the caller's memory, which no reader
    // saw: checked in full here. Every batch gets the two-reads-a-column check of its first and last
    // offsets, which the writers rely on (Arrow JS's encoder silently cuts a column whose offsets run
    // past its data; parquet-wasm refuses such a batch with "Dyn casting error", naming no input).
    const problem = batchDataProblem(batch, ctx.split.file === '<table>');
    if (problem) throw new InputError(`${ctx.split.describe}: ${problem}; the file is corrupt`);
    const part = path.join(ctx.params.dir as string, `part-${String(ctx.split.id).padStart(6, '0')}.${partExtension(format)}`);
    // A task's first batch starts its part afresh: a run that restarted (a column widened) or a task
    // retried after its worker died must not append to what the earlier attempt wrote.
    if (acc.parts.length === 0) rmSync(part, { force: true });
    try {
      appendBatchToPart(part, batch, format);
    } catch (e) {
      if (!(e instanceof BatchEncodingError)) throw e;
      throw new InputError(`${ctx.split.describe}: ${(e as Error).message}; the file is corrupt`, { cause: e });
    }
    if (acc.parts.length === 0) acc.parts.push(part);
    acc.rows += batch.numRows;
    if (acc.columns.length === 0) acc.columns = batch.schema.fields.map((f) => f.name);
    return acc;
  },
  merge: (a: Acc, b: Acc): Acc => ({
    parts: [...a.parts, ...b.parts],
    rows: a.rows + b.rows,
    columns: a.columns.length ? a.columns : b.columns,
  }),
});

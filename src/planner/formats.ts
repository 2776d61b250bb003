import { PlanError } from '../errors.js';
import type { ColumnSpec, ColumnType } from '../io/column-types.js';
import { widerType } from '../io/infer-types.js';
import { splitArrowFile } from './arrow-file.js';
import { readArrowStreamLayout } from './arrow-stream.js';
import { compressedLayout, compressedSplit } from './compressed.js';
import { readCsvLayout, splitCsvFile, type ColumnOptions, type CsvLayout, type CsvOptions } from './csv.js';
import type { InputFile } from './inputs.js';
import { readNdjsonLayout, splitNdjsonFile, type NdjsonLayout } from './ndjson.js';
import { readParquetLayout, splitParquetFile } from './parquet.js';
import type { Split } from './split.js';

/** Options for reading CSV/NDJSON/Parquet/stream inputs. Plain data (it comes from flags or the library). */
export interface FormatOptions {
  csv?: CsvOptions;
  /** Column names and types for CSV and NDJSON (`--schema`, `--column`). */
  columns?: ColumnOptions;
}

/** How the planner cuts one file of the formats in this module. */
export interface FilePlan {
  splits(firstId: number): Split[];
  /** Exact rows, when the format records them. */
  rows?: number;
  /** Rows estimated from a sample. */
  estimatedRows?: number;
  /** A remark on how the file is split (why it is read by one task, when it is). */
  note?: string;
  /** The file is read by one task whatever --split-size says (`note` says why). */
  unsplittable?: boolean;
}

/** Whether a file is planned here (rather than by the core Arrow-file and plain-text planners). */
export function isFormatFile(f: InputFile): boolean {
  return f.codec !== undefined || f.format === 'csv' || f.format === 'ndjson' || f.format === 'parquet' || f.format === 'arrows';
}

/**
 * Plans files of the formats in this module. CSV and NDJSON files are sampled first, and column types
 * that differ between files are widened (`widerType`: int32 → int64 → float64, date → timestamp, any other mix → utf8), so every
 * split of a run decodes to the same schema.
 */
export async function planFormatFiles(
  files: InputFile[],
  splitBytes: number,
  batchRows: number | undefined,
  o: FormatOptions = {},
): Promise<Map<string, FilePlan>> {
  const csv = o.csv ?? {};
  const given = o.columns ?? {};
  const layouts = new Map<string, CsvLayout | NdjsonLayout | undefined>();
  for (const f of files) {
    if (f.codec) layouts.set(f.path, await compressedLayout(f, csv, given));
    else if (f.format === 'csv') layouts.set(f.path, await readCsvLayout(f.path, f.bytes, csv, given));
    else if (f.format === 'ndjson') layouts.set(f.path, await readNdjsonLayout(f.path, f.bytes, given));
  }
  widenColumns([...layouts.values()].filter((l): l is CsvLayout | NdjsonLayout => l !== undefined));

  const plans = new Map<string, FilePlan>();
  for (const f of files) {
    const layout = layouts.get(f.path);
    if (f.codec) {
      plans.set(f.path, {
        splits: (id) => [compressedSplit(f, layout, id)],
        estimatedRows: layout?.estimatedRows,
        note:
          `${f.codec}-compressed: not splittable, read by one task (a ${f.codec} stream decompresses only from its start; ` +
          `decompress it, or write several files, to read it in parallel)`,
        unsplittable: true,
      });
    } else if (f.format === 'csv') {
      const l = layout as CsvLayout;
      plans.set(f.path, { splits: (id) => splitCsvFile(l, splitBytes, id), estimatedRows: l.estimatedRows });
    } else if (f.format === 'ndjson') {
      const l = layout as NdjsonLayout;
      const note =
        l.array === 'whole'
          ? 'a JSON array with elements over several lines: not splittable, parsed whole by one task (write it as JSON lines to read it ' +
            'in parallel)'
          : l.array === 'lines'
            ? 'a JSON array, one element per line: split at line ends'
            : undefined;
      // A JSON array read whole was parsed whole by the planner: its row count is exact.
      plans.set(f.path, {
        splits: (id) => splitNdjsonFile(l, splitBytes, id),
        ...(l.array === 'whole' ? { rows: l.estimatedRows, unsplittable: true } : { estimatedRows: l.estimatedRows }),
        note,
      });
    } else if (f.format === 'parquet') {
      const l = await readParquetLayout(f.path, f.bytes);
      plans.set(f.path, { splits: (id) => splitParquetFile(l, splitBytes, id), rows: l.rows });
    } else if (f.format === 'arrows') {
      const l = await readArrowStreamLayout(f.path);
      const perRow = l.rows > 0 ? l.bytes / l.rows : 1;
      const rowsPerSplit = batchRows ?? Math.max(1, Math.round(splitBytes / perRow));
      const header = { schemaMessage: l.schemaMessage, dictionaries: l.dictionaries };
      plans.set(f.path, {
        rows: l.rows,
        splits: (id) => {
          let row = 0;
          return splitArrowFile(l, rowsPerSplit, id).map((s) => {
            const withHeader = { ...s, rowStart: row, header };
            row += s.rows;
            return withHeader;
          });
        },
      });
    } else {
      throw new PlanError(`no planner for ${f.path} (${f.format})`);
    }
  }
  return plans;
}

/** Makes a column's type the same in every layout that has it (the planner's and readSchemas' rule). */
export function widenColumns(layouts: Array<CsvLayout | NdjsonLayout>): void {
  if (layouts.length < 2) return;
  const types = new Map<string, ColumnType>();
  for (const l of layouts) for (const c of l.columns) types.set(c.name, widerType(types.get(c.name), c.type));
  for (const l of layouts) l.columns = l.columns.map((c): ColumnSpec => ({ ...c, type: types.get(c.name)! }));
}

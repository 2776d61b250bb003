import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseColumnFlags, parseColumnType, type ColumnSpec } from '../io/column-types.js';
import type { FormatOptions } from '../planner/formats.js';
import { INPUT_FORMATS, type InputFormat } from '../planner/inputs.js';
import { parseSize } from '../util/size.js';
import { collect } from './options.js';

/** The flags of input formats (CSV dialect, column types, projection). */
export interface FormatFlags {
  inputFormat?: string;
  delimiter?: string;
  quote?: string;
  header?: boolean;
  null?: string[];
  maxRecordSize?: string;
  schema?: string;
  column?: string[];
  columns?: string;
}

/** Adds the input-format flags to a command. */
export function addFormatOptions(cmd: Command): Command {
  return cmd
    .option('--delimiter <char>', 'CSV field delimiter (default: , or tab for .tsv; \\t for tab)')
    .option('--quote <char>', 'CSV quote character; "" for none (default: ")')
    .option('--no-header', 'CSV files have no header line (columns are named column0, column1, …)')
    .option('--null <text>', 'CSV text that means null, repeatable (default: the empty field)', collect, [])
    .option('--max-record-size <size>', 'longest CSV record allowed (default: 1MB)')
    .option('--schema <file.json>', 'CSV/NDJSON column names and types: {"columns":[{"name":"a","type":"int32"},…]} or {"a":"int32",…}')
    .option('--column <name:type>', 'set one column type (int32, float64, bool, utf8, dict), repeatable', collect, [])
    .option('--columns <a,b,…>', 'read only these columns (default: the columns the job declares, else all)');
}

/** The input format named by `--input-format`, checked. */
export function inputFormatOf(flag: string | undefined): InputFormat | undefined {
  if (flag === undefined) return undefined;
  if (!INPUT_FORMATS.includes(flag as InputFormat))
    throw new UsageError(`--input-format must be one of ${INPUT_FORMATS.join(', ')}, got "${flag}"`);
  return flag as InputFormat;
}

/** Format options from flags. */
export function formatOptionsFromFlags(o: FormatFlags): { formatOptions: FormatOptions; columns?: string[] } {
  const formatOptions: FormatOptions = {
    csv: {
      delimiter: o.delimiter,
      quote: o.quote,
      header: o.header,
      nullValues: o.null && o.null.length > 0 ? o.null : undefined,
      maxRecordBytes: o.maxRecordSize === undefined ? undefined : parseSize(o.maxRecordSize, '--max-record-size'),
    },
    columns: {
      schema: o.schema ? readSchemaFile(o.schema) : undefined,
      types: o.column && o.column.length > 0 ? parseColumnFlags(o.column) : undefined,
    },
  };
  const columns = o.columns
    ? o.columns
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean)
    : undefined;
  return { formatOptions, columns };
}

/** Reads a schema file: `{"columns":[{"name","type"}]}`, `[{"name","type"}]` or `{"name":"type"}`. */
export function readSchemaFile(file: string): ColumnSpec[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--schema ${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(json)
    ? json
    : json && typeof json === 'object' && Array.isArray((json as { columns?: unknown }).columns)
      ? (json as { columns: unknown[] }).columns
      : undefined;
  if (list) {
    return list.map((c, i) => {
      const { name, type } = (c ?? {}) as { name?: unknown; type?: unknown };
      if (typeof name !== 'string' || typeof type !== 'string')
        throw new UsageError(`--schema ${file}: column ${i} must be {"name": "...", "type": "..."}`);
      return { name, type: parseColumnType(type, `--schema ${file}`) };
    });
  }
  if (json && typeof json === 'object') {
    return Object.entries(json as Record<string, unknown>).map(([name, type]) => {
      if (typeof type !== 'string') throw new UsageError(`--schema ${file}: the type of "${name}" must be a string`);
      return { name, type: parseColumnType(type, `--schema ${file}`) };
    });
  }
  throw new UsageError(`--schema ${file}: expected {"columns": [{"name": "a", "type": "int32"}, …]} or {"a": "int32", …}`);
}

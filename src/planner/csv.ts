import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { uniqueNames } from '../io/column-names.js';
import type { ColumnSpec } from '../io/column-types.js';
import type { CsvDialect } from '../io/csv-decode.js';
import { sampleRecords } from '../io/csv-sample.js';
import { readRange } from '../io/file-range.js';
import { openInput } from '../io/input-source.js';
import { TypeSniffer } from '../io/infer-types.js';
import type { CsvSplit } from './split.js';
import { rememberedLayout } from './layout-cache.js';

/** CSV options as users give them; unset ones are defaulted from the file. */
export interface CsvOptions {
  /** @default ',' (tab for .tsv/.tab files) */
  delimiter?: string;
  /** @default '"' */
  quote?: string;
  /** @default true */
  header?: boolean;
  /** @default [''] */
  nullValues?: string[];
  /** @default 1 MB */
  maxRecordBytes?: number;
}

/** Column names and types: `schema` lists every column in file order; `types` overrides inferred ones by name. */
export interface ColumnOptions {
  schema?: ColumnSpec[];
  types?: ColumnSpec[];
  /**
   * Types that replace inferred ones because a run found values past the sample that did not fit
   * (src/coordinator/widen-run.ts); unlike `types` they stay inferred, so they may widen again. An
   * NDJSON name here that the sample lacks is a column found later.
   */
  widened?: ColumnSpec[];
}

/** What the planner learns from the start of a CSV file. */
export interface CsvLayout {
  file: string;
  bytes: number;
  dialect: CsvDialect;
  columns: ColumnSpec[];
  /** Which column types were inferred (not given). */
  inferred: boolean[];
  bom: boolean;
  dataStart: number;
  /** Records in the sample, and rows estimated for the whole file from their average size. */
  sampleRows: number;
  estimatedRows: number;
  /** True when the sample was the whole file, so `estimatedRows` is its exact row count. */
  rowsExact: boolean;
  /** The sampled records, as text, for `quiver inspect`. */
  sample: Array<Array<string | null>>;
}

/** Bytes read from the start of a file to find its header and infer column types. */
export const SAMPLE_BYTES = 1 << 20;
/** Records used for type inference. */
export const SAMPLE_RECORDS = 20_000;
export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The dialect of a file: options, else defaults by extension. */
export function csvDialectOf(file: string, o: CsvOptions = {}): CsvDialect {
  const ext = path.extname(file.replace(/\.(gz|zst)$/i, '')).toLowerCase();
  const delimiter =
    o.delimiter === undefined ? (ext === '.tsv' || ext === '.tab' ? '\t' : ',') : o.delimiter === '\\t' ? '\t' : o.delimiter;
  const quote = o.quote ?? '"';
  if (Buffer.byteLength(delimiter) !== 1) throw new UsageError(`--delimiter must be one byte, got "${delimiter}"`);
  if (quote !== '' && Buffer.byteLength(quote) !== 1) throw new UsageError(`--quote must be one byte (or "" for none), got "${quote}"`);
  if (delimiter === quote || delimiter === '\n' || delimiter === '\r')
    throw new UsageError(`--delimiter "${delimiter}" cannot be the quote or a line end`);
  const maxRecordBytes = o.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  return { delimiter, quote, header: o.header ?? true, nullValues: o.nullValues ?? [''], maxRecordBytes };
}

/** Reads the start of a CSV file: BOM, header, and column types from a sample. */
export function readCsvLayout(file: string, bytes: number, options: CsvOptions = {}, columns: ColumnOptions = {}): Promise<CsvLayout> {
  // A copy of the columns: the planner widens them when files of one input disagree.
  return rememberedLayout(
    'csv',
    file,
    [bytes, options, columns],
    () => sampleCsvLayout(file, bytes, options, columns),
    (l) => ({ ...l, columns: [...l.columns] }),
  );
}

async function sampleCsvLayout(file: string, bytes: number, options: CsvOptions, columns: ColumnOptions): Promise<CsvLayout> {
  const fh = await openInput(file);
  try {
    const head = await readRange(fh, 0, Math.min(bytes, Math.max(SAMPLE_BYTES, (options.maxRecordBytes ?? 0) + 1)));
    return csvLayoutFromHead(file, bytes, head, head.length >= bytes, options, columns);
  } finally {
    await fh.close();
  }
}

/** The layout of a CSV file from its first bytes (also used for decompressed streams). */
export function csvLayoutFromHead(
  file: string,
  bytes: number,
  head: Buffer,
  atEof: boolean,
  options: CsvOptions,
  given: ColumnOptions,
): CsvLayout {
  const dialect = csvDialectOf(file, options);
  const bom = head.subarray(0, 3).equals(BOM);
  let pos = bom ? 3 : 0;
  // Lines ended by CR alone (classic Mac OS) would read as one record: the whole file a header line.
  const cr = head.indexOf(13, pos);
  if (cr >= 0 && cr < head.length - 1 && head.indexOf(10, pos) < 0) {
    throw new InputError(
      `${file}: its lines end in a carriage return alone (CR, as classic Mac OS wrote them), which the CSV reader does not take as line ` +
        `ends; convert them first, e.g. tr '\\r' '\\n' < in.csv > out.csv`,
      {
        location: { file, byteOffset: cr, expected: 'lines ended by LF or CRLF', found: 'CR alone' },
      },
    );
  }
  let names: string[] | undefined;
  if (dialect.header) {
    const { records, end } = sampleRecords(head, pos, head.length, atEof, dialect, 1);
    if (records.length === 0 && !atEof)
      throw new InputError(
        `${file}: the header line is longer than ${head.length} bytes or has an unterminated quote; pass --no-header if the file has none`,
      );
    names = uniqueNames((records[0] ?? []).map((f) => f.text));
    pos = end;
  }
  const { records, end } = sampleRecords(head, pos, head.length, atEof, dialect, SAMPLE_RECORDS);
  const width = given.schema?.length ?? names?.length ?? Math.max(0, ...records.map((r) => r.length));
  if (given.schema && names && names.length !== given.schema.length) {
    throw new UsageError(
      `--schema lists ${given.schema.length} columns but the header of ${file} has ${names.length} (${names.join(', ')})`,
    );
  }
  const colNames = given.schema ? given.schema.map((c) => c.name) : (names ?? Array.from({ length: width }, (_, i) => `column${i}`));
  const isNull = (f: { text: string; quoted: boolean } | undefined) =>
    f === undefined || (!f.quoted && dialect.nullValues.includes(f.text));
  const sniffers = colNames.map(() => new TypeSniffer());
  for (const r of records) for (let i = 0; i < width; i++) sniffers[i]!.addText(isNull(r[i]) ? null : r[i]!.text);
  const overrides = new Map((given.types ?? []).map((c) => [c.name, c.type]));
  for (const name of overrides.keys()) {
    if (!colNames.includes(name))
      throw new UsageError(`--column ${name}: ${file} has no column "${name}" (columns: ${colNames.join(', ')})`);
  }
  const widened = new Map((given.widened ?? []).map((c) => [c.name, c.type]));
  const inferred = colNames.map((name) => !overrides.has(name) && !given.schema);
  const columns: ColumnSpec[] = colNames.map((name, i) => ({
    name,
    type: overrides.get(name) ?? given.schema?.[i]?.type ?? widened.get(name) ?? sniffers[i]!.type,
    inferred: inferred[i],
  }));
  const perRow = records.length > 0 ? (end - pos) / records.length : 1;
  return {
    file,
    bytes,
    dialect,
    columns,
    inferred,
    bom,
    dataStart: pos,
    sampleRows: records.length,
    estimatedRows: atEof && end >= head.length ? records.length : Math.round((bytes - pos) / Math.max(1, perRow)),
    rowsExact: atEof && end >= head.length,
    sample: records.slice(0, 100).map((r) => colNames.map((_, i) => (isNull(r[i]) ? null : r[i]!.text))),
  };
}

/**
 * Cuts a CSV file into byte ranges of about `splitBytes`, at least 4 × the longest record allowed so
 * that the record start a split finds is always before the next split's (see io/csv-records.ts).
 */
export function splitCsvFile(layout: CsvLayout, splitBytes: number, firstId: number): CsvSplit[] {
  const size = Math.max(splitBytes, 4 * layout.dialect.maxRecordBytes + 4);
  const splits: CsvSplit[] = [];
  for (let start = layout.dataStart; start < layout.bytes; start += size) {
    const end = Math.min(layout.bytes, start + size);
    splits.push({
      kind: 'csv',
      id: firstId + splits.length,
      file: layout.file,
      start,
      end,
      bytes: end - start,
      dataStart: layout.dataStart,
      fileBytes: layout.bytes,
      dialect: layout.dialect,
      columns: layout.columns,
    });
  }
  return splits;
}

import type { Command } from 'commander';
import { readRange } from '../io/file-range.js';
import { openInput } from '../io/input-source.js';
import { DataType, Field, Schema as ArrowSchema, Table, vectorFromArray, Utf8, type Schema } from 'apache-arrow';
import { InputError, UsageError } from '../errors.js';
import { BadRecords } from '../io/bad-records.js';
import { recordBatchOf } from '../io/record-batch.js';
import { readArrowFileLayout } from '../planner/arrow-file.js';
import { readArrowStreamLayout } from '../planner/arrow-stream.js';
import { compressedLayout, decompressedHead } from '../planner/compressed.js';
import { readCsvLayout, splitCsvFile, type CsvLayout } from '../planner/csv.js';
import { expandInputs, type InputFile } from '../planner/inputs.js';
import { readNdjsonLayout, splitNdjsonFile, type NdjsonLayout } from '../planner/ndjson.js';
import { readParquetLayout } from '../planner/parquet.js';
import { readParquetHead } from '../io/read-parquet.js';
import { formatSize } from '../util/size.js';
import type { Split } from '../planner/split.js';
import { readSplit, streamSplit } from '../worker/read-split.js';
import { splitArrowFile } from '../planner/arrow-file.js';
import { addFormatOptions, formatOptionsFromFlags, inputFormatOf, type FormatFlags } from './format-flags.js';
import { positiveInt } from './options.js';
import { formatTable } from './print-table.js';

/** `quiver inspect <file>`: format, size, schema, rows, batches or row groups, and the first rows. */
export function registerInspect(program: Command): void {
  addFormatOptions(
    program
      .command('inspect')
      .argument('<file>', 'a file quiver can read, or an s3://bucket/key object')
      .description("show a file's format, schema, row count, batches and first rows"),
  )
    .option('--input-format <format>', 'treat the file as arrow, arrows, csv, ndjson, parquet or text')
    .option('-n, --limit <rows>', 'rows shown', positiveInt('--limit'), 10)
    .action(async (file: string, o: FormatFlags & { limit: number }) => {
      const files = await expandInputs([file], inputFormatOf(o.inputFormat));
      if (files.length !== 1) throw new UsageError(`inspect takes one file; ${file} is ${files.length} files`);
      process.stdout.write((await inspectFile(files[0]!, o, o.limit)).join('\n') + '\n');
    });
}

/** The lines `quiver inspect` prints for one file. */
export async function inspectFile(f: InputFile, flags: FormatFlags, limit: number): Promise<string[]> {
  const { formatOptions } = formatOptionsFromFlags(flags);
  const out = [
    `file      ${f.path}`,
    `format    ${f.format}${f.codec ? ` (${f.codec}-compressed: not splittable)` : ''}`,
    `size      ${formatSize(f.bytes)} (${f.bytes.toLocaleString('en-US')} bytes)`,
  ];
  const schemaLines = (schema: Schema) => [
    'schema',
    ...schema.fields.map((x) => `  ${x.name}: ${typeText(x)}${x.nullable ? '' : ' not null'}`),
  ];
  let first: Table;
  let typedRows = '';
  if (f.format === 'arrow' || f.format === 'arrows') {
    const l = f.format === 'arrow' ? await readArrowFileLayout(f.path) : await readArrowStreamLayout(f.path);
    out.push(
      `rows      ${l.rows.toLocaleString('en-US')} (exact)`,
      `batches   ${l.blocks.length} record batch(es)${l.dictionaries.length ? `, ${l.dictionaries.length} dictionary batch(es)` : ''}`,
      ...schemaLines(l.schema),
    );
    const split = splitArrowFile(l, limit, 0)[0];
    first = split
      ? new Table(
          await readSplit(
            { ...split, rowStart: 0, header: { schemaMessage: l.schemaMessage, dictionaries: l.dictionaries } },
            limit,
            undefined,
          ),
        )
      : new Table(l.schema);
  } else if (f.format === 'parquet' && !f.codec) {
    const l = await readParquetLayout(f.path, f.bytes);
    out.push(
      `rows      ${l.rows.toLocaleString('en-US')} (exact)`,
      `row groups ${l.rowGroups.length}: ${l.rowGroups
        .slice(0, 8)
        .map((g) => `${g.rows.toLocaleString('en-US')} rows/${formatSize(g.bytes)}`)
        .join(', ')}${l.rowGroups.length > 8 ? ', …' : ''}`,
    );
    if (l.createdBy) out.push(`written by ${l.createdBy}`);
    out.push(...schemaLines(l.schema));
    const head = await readParquetHead(f.path, limit);
    if (head.left) out.push(`column ${head.left.name} is not shown: ${head.left.why}`);
    first = head.table;
  } else if (f.format === 'csv' || f.format === 'ndjson') {
    const l = (
      f.codec
        ? await compressedLayout(f, formatOptions.csv ?? {}, formatOptions.columns ?? {})
        : f.format === 'csv'
          ? await readCsvLayout(f.path, f.bytes, formatOptions.csv, formatOptions.columns)
          : await readNdjsonLayout(f.path, f.bytes, formatOptions.columns)
    ) as CsvLayout | NdjsonLayout;
    out.push(
      l.rowsExact && !f.codec
        ? await wholeFileRows(l)
        : `rows      ~${l.estimatedRows.toLocaleString('en-US')} (estimated from ${l.sampleRows.toLocaleString('en-US')} sampled rows)`,
    );
    if ('dialect' in l)
      out.push(
        `dialect   delimiter ${JSON.stringify(l.dialect.delimiter)}, quote ${JSON.stringify(l.dialect.quote)}, ` +
          `${l.dialect.header ? 'header' : 'no header'}${l.bom ? ', UTF-8 BOM' : ''}, nulls ${JSON.stringify(l.dialect.nullValues)}`,
      );
    out.push(
      'schema (types inferred from the sample unless given)',
      ...l.columns.map((c, i) => `  ${c.name}: ${c.type}${l.inferred[i] ? '' : ' (given)'}`),
    );
    const decoded = f.codec
      ? undefined
      : await firstDecodedRows(
          f.format === 'csv'
            ? splitCsvFile(l as CsvLayout, FIRST_SPLIT_BYTES, 0)[0]
            : splitNdjsonFile(l as NdjsonLayout, FIRST_SPLIT_BYTES, 0)[0],
          limit,
        );
    if (decoded instanceof Table && decoded.numRows > 0) first = decoded;
    else {
      // The sample as text: a compressed file (not decoded twice), a bad record, or no rows.
      const rows =
        'dialect' in l
          ? l.sample.slice(0, limit)
          : (l as NdjsonLayout).sample
              .slice(0, limit)
              .map((r) =>
                l.columns.map((c) =>
                  r[c.name] === undefined || r[c.name] === null
                    ? null
                    : String(typeof r[c.name] === 'object' ? JSON.stringify(r[c.name]) : r[c.name]),
                ),
              );
      // One schema, made once: new Table({ name: vector, … }) merges the columns one by one into a schema
      // it searches by name each time, which takes minutes for a header of 40,000 columns.
      const schema = new ArrowSchema(l.columns.map((c) => new Field(c.name, new Utf8(), true)));
      const children = l.columns.map(
        (_, i) =>
          vectorFromArray(
            rows.map((r) => r[i] ?? null),
            new Utf8(),
          ).data[0]!,
      );
      first = new Table([recordBatchOf(schema, children, rows.length)]);
      if (typeof decoded === 'string') typedRows = `(as text: ${decoded})`;
      else if (decoded === undefined) typedRows = '(as text)';
    }
  } else {
    const { head } = f.codec ? await decompressedHead(f.path, f.codec, 1 << 16) : { head: await firstBytes(f.path, 1 << 16) };
    const lines = head.toString('utf8').split('\n').slice(0, limit);
    out.push('schema', '  line: Utf8 not null');
    first = new Table({ line: vectorFromArray(lines, new Utf8()) });
  }
  out.push('', `first rows${typedRows ? ` ${typedRows}` : ''}`, formatTable(first, limit));
  return out;
}

/**
 * A field's type as inspect shows it: Arrow JS's name, except a decimal as `Decimal128(15, 2)` (not
 * `Decimal[15e+2]`), and an extension type (`arrow.uuid`) named after the storage type.
 */
function typeText(field: Field): string {
  const t = field.type;
  const base = DataType.isDecimal(t) ? `Decimal${t.bitWidth}(${t.precision}, ${t.scale})` : String(t);
  const extension = field.metadata.get('ARROW:extension:name');
  return extension ? `${base} (${extension})` : base;
}

/** Bytes of the split the first rows are decoded from (only its first batch is read). */
const FIRST_SPLIT_BYTES = 4 << 20;

/**
 * The first `limit` rows of a CSV or NDJSON file decoded with the schema above, as a job sees them
 * (so the table shows inferred dates as dates); a message when they do not decode (a bad record),
 * and the sample is then shown as text.
 */
async function firstDecodedRows(split: Split | undefined, limit: number): Promise<Table | string> {
  if (!split) return new Table(); // no data after the header
  try {
    const batches = await streamSplit(split, limit, undefined);
    for await (const batch of batches) return new Table([batch]);
    return new Table();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
}

/**
 * The rows of a text file the planner read whole, counted as a run reads them: the planner's sample counts
 * lines (a CSV record of the wrong width among them), so the file is decoded, its bad records counted apart.
 */
async function wholeFileRows(l: CsvLayout | NdjsonLayout): Promise<string> {
  const splits = 'dialect' in l ? splitCsvFile(l, FIRST_SPLIT_BYTES, 0) : splitNdjsonFile(l, FIRST_SPLIT_BYTES, 0);
  const bad = new BadRecords(Number.POSITIVE_INFINITY, 1);
  let rows = 0;
  try {
    for (const split of splits) for await (const b of await streamSplit(split, 1 << 16, undefined, undefined, bad)) rows += b.numRows;
  } catch (e) {
    if (e instanceof InputError) return `rows      not known: ${e.message}`;
    throw e;
  }
  const n = rows.toLocaleString('en-US');
  if (bad.count === 0) return `rows      ${n} (exact: the whole file was read)`;
  return (
    `rows      ${n} good and ${bad.count.toLocaleString('en-US')} bad record${bad.count === 1 ? '' : 's'} (the whole file was read; ` +
    `the first bad one: ${bad.examples[0]!.message}; a run stops there unless --max-bad-records N)`
  );
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  const fh = await openInput(file);
  try {
    return await readRange(fh, 0, n);
  } finally {
    await fh.close();
  }
}

import { InputError } from '../errors.js';
import { readRange } from './file-range.js';
import { openInput } from './input-source.js';
import { schemaElements, ThriftReader, type FieldBytes } from './parquet-thrift.js';

/** Parquet's physical types by their Thrift number, and the byte width of a plain value (BYTE_ARRAY has none). */
const PHYSICAL = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const WIDTH: Array<number | undefined> = [1, 4, 8, undefined, 4, 8, undefined, undefined];

/** FileMetaData.row_groups, RowGroup.columns, ColumnChunk.meta_data, ColumnMetaData.type and .statistics. */
const ROW_GROUPS = 4;
/** FileMetaData.num_rows and RowGroup.num_rows (both field 3). */
const NUM_ROWS = 3;
const COLUMNS = 1;
const META_DATA = 3;
const TYPE = 1;
const STATISTICS = 12;
/** Statistics' min and max, old (1, 2) and new (5, 6): the value's plain encoding. */
const STAT_VALUES: Record<number, string> = { 1: 'max', 2: 'min', 5: 'max_value', 6: 'min_value' };

/**
 * Checks a Parquet file's footer with `footerTypeProblem`, after openParquet has found its length
 * sound: an InputError naming the file if it is inconsistent. The planner calls it once per file (and
 * inspect through it), not each worker's handle: on the 62 KB footer of the 10M-row DuckDB file it costs
 * 20-33 ms of CPU cold, 4-12 ms warm, and two small reads.
 */
export async function checkParquetFooter(file: string): Promise<void> {
  const fh = await openInput(file);
  let footer: Buffer;
  try {
    const { size } = await fh.stat();
    const length = (await readRange(fh, size - 8, 4)).readUInt32LE(0);
    footer = await readRange(fh, size - 8 - length, length);
  } finally {
    await fh.close();
  }
  let problem: string | undefined;
  try {
    problem = footerTypeProblem(footer);
  } catch (e) {
    problem = `its footer does not decode (${String(e)})`;
  }
  if (problem)
    throw new InputError(`${file} is not a valid Parquet file: ${problem}; the footer is corrupt`, {
      location: { file, expected: 'a Parquet footer' },
    });
}

/**
 * What is inconsistent between a Parquet footer's schema and its column chunks, or undefined: a file row
 * count that is not the sum of its row groups', a chunk
 * whose physical type is not its schema column's, a row group with more or fewer chunks than the schema
 * has columns, a min or max statistic whose width is not its fixed-width type's. Why: one bit flipped in
 * a schema element's type (DOUBLE 5 → INT32 1, fuzz case 379 of seed 2 on DuckDB's file) made parquet-wasm
 * (and Polars) read half of each page of doubles as int32s: 300 rows of garbage, exit 0, where DuckDB
 * refuses the file ("Incorrect stats size for type INTEGER"). Here only the structure is checked, from the
 * footer alone, in one pass over its bytes; the pages' values are compared with the statistics by the
 * worker as it decodes them (`parquet-statistics.ts`), not here, which would read every page twice.
 * BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY statistics may be truncated by their writer, and INT96's are
 * undefined by the format, so their widths are not checked.
 */
export function footerTypeProblem(footer: Uint8Array): string | undefined {
  const elements = schemaElements(footer);
  // The leaves, in the order of a row group's chunks: schema elements with a physical type.
  const leaves = elements.slice(1).filter((e) => e.type !== undefined);
  const fields = new ThriftReader(footer).struct();
  const groups = fields.find((f) => f.id === ROW_GROUPS);
  if (!groups) return undefined;
  // A reader at a field's value, over the whole footer, so the offsets of what it reads stay the footer's.
  const sub = (f: FieldBytes) => Object.assign(new ThriftReader(footer), { at: f.value[0] });
  const rowGroups = listOfStructs(sub(groups));
  // The file's row count is its row groups' (fuzz seed 7, case 220: three bits of Polars' footer made it
  // negative; DuckDB refuses such a file, quiver read the 300 rows of its row groups).
  const rowsOf = (fields: FieldBytes[]) => {
    const f = fields.find((x) => x.id === NUM_ROWS);
    return f ? sub(f).zigzag() : undefined;
  };
  const fileRows = rowsOf(fields);
  const groupRows = rowGroups.reduce((n, g) => n + (rowsOf(g) ?? 0), 0);
  if (fileRows !== groupRows) return `it says it has ${fileRows} rows, but its row groups hold ${groupRows}`;
  for (let g = 0; g < rowGroups.length; g++) {
    const columns = rowGroups[g]!.find((f) => f.id === COLUMNS);
    const chunks = columns ? listOfStructs(sub(columns)) : [];
    if (chunks.length !== leaves.length)
      return `row group ${g} has ${chunks.length} column chunk(s), but the schema has ${leaves.length} column(s)`;
    for (let c = 0; c < chunks.length; c++) {
      const metaField = chunks[c]!.find((f) => f.id === META_DATA);
      if (!metaField) continue; // the chunk's metadata lives in another file (file_path): not read here
      const meta = sub(metaField).struct();
      const leaf = leaves[c]!;
      const where = `row group ${g}, column "${leaf.name}"`;
      const typeField = meta.find((f) => f.id === TYPE);
      const type = typeField ? sub(typeField).zigzag() : undefined;
      if (type !== leaf.type) return `${where}: its chunk holds ${nameOf(type)} values, but the schema says ${nameOf(leaf.type)}`;
      const width = WIDTH[type!];
      const stats = meta.find((f) => f.id === STATISTICS);
      if (width === undefined || !stats) continue;
      for (const stat of sub(stats).struct()) {
        const name = STAT_VALUES[stat.id];
        if (!name) continue;
        const length = sub(stat).varint();
        if (length !== width) return `${where}: its ${name} statistic has ${length} bytes, but a ${nameOf(type)} value has ${width}`;
      }
    }
  }
  return undefined;
}

/** A Thrift list of structs, each as its fields (offsets into the reader's bytes). */
export function listOfStructs(r: ThriftReader): FieldBytes[][] {
  const header = r.byte();
  const size = header >> 4 === 15 ? r.varint() : header >> 4;
  const out: FieldBytes[][] = [];
  for (let i = 0; i < size; i++) out.push(r.struct());
  return out;
}

const nameOf = (type: number | undefined) => (type === undefined ? 'no type' : (PHYSICAL[type] ?? `type ${type}`));

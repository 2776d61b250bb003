import type { RecordBatch } from 'apache-arrow';
import { CellBytes } from './cell-bytes.js';
import { csvQuote, formatColumn, type LineStyle } from './format-column.js';

/**
 * Record batches as CSV or NDJSON lines, in bytes: each column's cells are formatted in one pass
 * (format-column.ts) into a byte buffer kept for the next batch, then the rows are joined into an
 * output buffer that is kept too. What `quiver convert` workers append to their part files, and what
 * the table writers (text-formats.ts) write a chunk of rows at a time. A batch makes no string per
 * cell or per line: on a 10M-row Parquet → CSV convert those strings were 56% of the CPU, in GC.
 */

/** The CSV header line of these column names. */
export function csvHeader(names: string[]): string {
  return names.map(csvQuote).join(',') + '\n';
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Writes rows of record batches as lines of one style: CSV (nulls empty fields) or JSON objects (NDJSON). */
export class BatchLines {
  private readonly cells: CellBytes[] = [];
  private out: Buffer = Buffer.allocUnsafe(1 << 16);
  private names: Buffer[] = [];
  private padded: Buffer[] = [];
  private namesOf: RecordBatch['schema'] | undefined;

  constructor(private readonly style: LineStyle) {}

  /** Rows `[start, end)` of `batch`, each line ended by `\n`: a view of a buffer that the next call overwrites. */
  of(batch: RecordBatch, start = 0, end = batch.numRows): Buffer {
    const fields = batch.schema.fields;
    const json = this.style === 'json';
    let size = 0;
    for (let j = 0; j < fields.length; j++) {
      const cells = (this.cells[j] ??= new CellBytes());
      cells.reset();
      formatColumn(batch.data.children[j]!, fields[j], this.style, start, end, cells);
      size += cells.pos;
    }
    // JSON: `{"name":` before the first value, `,"name":` before the others, `}` after them.
    if (json && this.namesOf !== batch.schema) {
      this.names = fields.map((f, j) => Buffer.from((j > 0 ? ',' : '{') + JSON.stringify(f.name) + ':'));
      this.padded = this.names.map((b) => Buffer.concat([b, Buffer.alloc(8)]));
      this.namesOf = batch.schema;
    }
    const rows = end - start;
    const perRow = json ? this.names.reduce((n, b) => n + b.length, 0) + 2 + (fields.length === 0 ? 1 : 0) : fields.length + 1;
    const need = size + rows * perRow + 8; // a JSON name is written as 8 bytes at least
    if (this.out.length < need) this.out = Buffer.allocUnsafe(Math.max(need, 2 * this.out.length));
    const out = this.out;
    const cols = fields.length;
    const bytes = this.cells.slice(0, cols).map((c) => c.bytes);
    const ends = this.cells.slice(0, cols).map((c) => c.ends);
    // Where each column's next cell starts: cell r of column j is bytes[j][from[j] .. ends[j][r]).
    const from = new Int32Array(cols);
    const names = this.names;
    const padded = this.padded;
    // Row by row, each column's cell copied in turn. Copying each column into its place in all lines
    // instead measured the same (110-140 ms per 1M rows of nine columns), and again after the cells got
    // faster to format (s31: 250 ms against 205-255 ms for 2M rows of q10's eight columns), and so did
    // copying every short cell as a fixed 8 bytes (230 ms): the loop pays ~11 ns a cell whatever its length.
    let p = 0;
    if (!json)
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) {
          if (j > 0) out[p++] = COMMA;
          p = copyCell(out, p, bytes[j]!, from[j]!, (from[j] = ends[j]![r]!));
        }
        out[p++] = NEWLINE;
      }
    else
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) {
          // A name is copied as 8 bytes at least (padded; what follows overwrites the padding): a loop
          // whose length changes from column to column costs a mispredicted branch per cell.
          const name = padded[j]!;
          const n = names[j]!.length;
          out[p] = name[0]!;
          out[p + 1] = name[1]!;
          out[p + 2] = name[2]!;
          out[p + 3] = name[3]!;
          out[p + 4] = name[4]!;
          out[p + 5] = name[5]!;
          out[p + 6] = name[6]!;
          out[p + 7] = name[7]!;
          for (let k = 8; k < n; k++) out[p + k] = name[k]!;
          p += n;
          p = copyCell(out, p, bytes[j]!, from[j]!, (from[j] = ends[j]![r]!));
        }
        if (cols === 0) out[p++] = 0x7b; // {
        out[p++] = 0x7d; // }
        out[p++] = NEWLINE;
      }
    return out.subarray(0, p);
  }
}

/** Copies `src[a, e)` to `out` at `p`: the position after it. */
function copyCell(out: Buffer, p: number, src: Buffer, a: number, e: number): number {
  // Cells are mostly a few bytes: a loop beats a call into `Buffer.copy`, which pays off for long ones.
  if (e - a > 64) return p + src.copy(out, p, a, e);
  while (a < e) out[p++] = src[a++]!;
  return p;
}

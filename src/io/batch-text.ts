import type { RecordBatch } from 'apache-arrow';
import { cellTextOf, mayNeedQuotes } from './format-value.js';

/**
 * Record batches as CSV or NDJSON text, column by column: each column gets one formatter
 * (format-value.ts) that reads its Arrow buffers, then rows are joined. What `quiver convert` workers
 * run per batch and what the table writers (text-formats.ts) run per chunk of rows.
 */

/**
 * Text as one CSV field (RFC 4180 quoting). An empty string is written quoted (`""`), so it is not
 * read back as a null: a null is an empty field, as DuckDB's and PostgreSQL's COPY write them and
 * quiver's CSV reader reads them (its null markers apply to unquoted text only).
 */
export function csvQuote(s: string): string {
  if (s === '') return '""';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV header line of these column names. */
export function csvHeader(names: string[]): string {
  return names.map(csvQuote).join(',') + '\n';
}

/** A function giving row `i` of a batch as one CSV line (no newline): nulls are empty fields. */
export function csvRowsOf(batch: RecordBatch): (i: number) => string {
  const cols = batch.schema.fields.map((f, j) => {
    const text = cellTextOf(batch.getChildAt(j)!.data[0]!, 'text', f);
    return mayNeedQuotes(f.type)
      ? (i: number) => {
          const s = text(i);
          return s === null ? '' : csvQuote(s);
        }
      : (i: number) => text(i) ?? '';
  });
  return (i) => {
    let line = '';
    for (let j = 0; j < cols.length; j++) line += (j > 0 ? ',' : '') + cols[j]!(i);
    return line;
  };
}

/** A function giving row `i` of a batch as one JSON object (no newline); nested columns are nested JSON. */
export function jsonRowsOf(batch: RecordBatch): (i: number) => string {
  const names = batch.schema.fields.map((f, j) => (j > 0 ? ',' : '{') + JSON.stringify(f.name) + ':');
  const cols = batch.schema.fields.map((f, j) => cellTextOf(batch.getChildAt(j)!.data[0]!, 'json', f));
  return (i) => {
    let line = '';
    for (let j = 0; j < cols.length; j++) line += names[j]! + (cols[j]!(i) ?? 'null');
    return (cols.length === 0 ? '{' : line) + '}';
  };
}

/** The rows of a batch as CSV lines (no header). */
export function batchToCsv(batch: RecordBatch): string {
  return linesOf(batch.numRows, csvRowsOf(batch));
}

/** The rows of a batch as JSON lines. */
export function batchToNdjson(batch: RecordBatch): string {
  return linesOf(batch.numRows, jsonRowsOf(batch));
}

function linesOf(rows: number, row: (i: number) => string): string {
  let out = '';
  for (let i = 0; i < rows; i++) out += row(i) + '\n';
  return out;
}

import type { Table } from 'apache-arrow';
import { csvHeader, csvRowsOf, jsonRowsOf } from './batch-text.js';

export { csvQuote } from './batch-text.js';

/** Rows per chunk of text handed to the writer: about a megabyte of text, never one string per table. */
const ROWS_PER_CHUNK = 8192;

/** The rows of every batch, `rowsOf` made once per batch, as chunks of lines each followed by `sep`. */
function* chunksOf(table: Table, rowsOf: typeof csvRowsOf, sep: string): Generator<string> {
  for (const batch of table.batches) {
    const row = rowsOf(batch);
    for (let start = 0; start < batch.numRows; start += ROWS_PER_CHUNK) {
      let out = '';
      for (let i = start, end = Math.min(batch.numRows, start + ROWS_PER_CHUNK); i < end; i++) out += row(i) + sep;
      yield out;
    }
  }
}

/** The table as CSV text (RFC 4180 quoting; a null is an empty field, an empty string `""`), header first, in chunks of rows. */
export function* tableToCsvLines(table: Table): Generator<string> {
  yield csvHeader(table.schema.fields.map((f) => f.name));
  yield* chunksOf(table, csvRowsOf, '\n');
}

/**
 * The table as one JSON object per row, in chunks of rows. Rows are separated by `sep`: `\n` ends
 * every row (NDJSON); any other separator (`,\n` inside a JSON array) goes between rows only.
 */
export function* tableToNdjsonLines(table: Table, sep = '\n'): Generator<string> {
  if (sep === '\n') {
    yield* chunksOf(table, jsonRowsOf, '\n');
    return;
  }
  let first = true;
  for (const chunk of chunksOf(table, jsonRowsOf, sep)) {
    yield (first ? '' : sep) + chunk.slice(0, -sep.length);
    first = false;
  }
}

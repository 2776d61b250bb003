import type { Table } from 'apache-arrow';
import { BatchLines, csvHeader } from './batch-text.js';
import type { LineStyle } from './format-column.js';

export { csvQuote } from './format-column.js';

/** Rows per chunk of text handed to the writer: about a megabyte of text, never one string per table. */
const ROWS_PER_CHUNK = 8192;

/**
 * The rows of every batch as chunks of lines, each line ended by `\n`, as UTF-8 bytes of their own
 * (the line writer's buffer is reused for the next chunk, so each is copied out). Bytes, not strings:
 * a string per chunk was decoded from these bytes and encoded again by the file writer, ~0.45 s of the
 * main thread for q10's 10M result rows.
 */
function* chunksOf(table: Table, style: LineStyle): Generator<Buffer> {
  const lines = new BatchLines(style);
  for (const batch of table.batches) {
    for (let start = 0; start < batch.numRows; start += ROWS_PER_CHUNK)
      yield Buffer.from(lines.of(batch, start, Math.min(batch.numRows, start + ROWS_PER_CHUNK)));
  }
}

/** The table as CSV text (RFC 4180 quoting; a null is an empty field, an empty string `""`), header first, in chunks of rows. */
export function* tableToCsvLines(table: Table): Generator<string | Buffer> {
  yield csvHeader(table.schema.fields.map((f) => f.name));
  yield* chunksOf(table, 'csv');
}

/**
 * The table as one JSON object per row, in chunks of rows. Rows are separated by `sep`: `\n` ends
 * every row (NDJSON, as bytes); any other separator (`,\n` inside a JSON array) goes between rows only,
 * as text. A JSON line holds no raw newline (JSON escapes it), so each `\n` in a chunk is a line end.
 */
export function* tableToNdjsonLines(table: Table, sep = '\n'): Generator<string | Buffer> {
  if (sep === '\n') {
    yield* chunksOf(table, 'json');
    return;
  }
  let first = true;
  for (const chunk of chunksOf(table, 'json')) {
    yield (first ? '' : sep) + chunk.toString('utf8', 0, chunk.length - 1).replaceAll('\n', sep);
    first = false;
  }
}

/** The table as a JSON array, one object a line (`[`, the rows separated by `,\n`, `]`): `-o x.json` and `run -f json`. */
export function* tableToJsonArray(table: Table): Generator<string | Buffer> {
  yield '[';
  let first = true;
  for (const chunk of tableToNdjsonLines(table, ',\n')) {
    yield (first ? '\n' : '') + chunk;
    first = false;
  }
  yield ']\n';
}

// What every hand-written baseline shares: reading an Arrow file, turning a Utf8 column into JS
// strings, and running as a standalone program that prints its result as CSV sorted by key.
//
// The baselines are written the way a competent Node user would write a one-off program: read the
// whole file, loop over the typed arrays, accumulate in a Map. They are deliberately independent of
// the engine's code, so the benchmark compares against a program, not against the engine itself.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tableFromIPC } from 'apache-arrow';

/** Reads a whole Arrow IPC file; the table's columns are zero-copy views of the file's bytes. */
export function readArrow(file) {
  return tableFromIPC(readFileSync(file));
}

/**
 * The strings of a Utf8 column chunk. `vector.get(i)` decodes one string per call and is several times
 * slower, so a performance-minded user decodes the values buffer once and slices it by the offsets
 * (when the text is ASCII, byte offsets are character offsets).
 */
export function utf8Strings(data) {
  const offsets = data.valueOffsets;
  const n = data.length;
  const base = offsets[0];
  const bytes = Buffer.from(data.values.buffer, data.values.byteOffset + base, offsets[n] - base);
  const all = bytes.toString('utf8');
  const out = new Array(n);
  if (all.length === bytes.length) {
    for (let i = 0; i < n; i++) out[i] = all.slice(offsets[i] - base, offsets[i + 1] - base);
  } else {
    for (let i = 0; i < n; i++) out[i] = bytes.toString('utf8', offsets[i] - base, offsets[i + 1] - base);
  }
  return out;
}

/** Rows `[key, ...values]` of a result map, sorted by key (numbers numerically, strings by code unit). */
export function sortedRows(result) {
  const rows = [...result].map(([k, v]) => [k, ...(Array.isArray(v) ? v : [v])]);
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Runs `compute(file)` when the calling module is the program being run, printing a CSV header and
 * the result rows sorted by key, like `quiver run … --format csv`.
 */
export function runIfMain(moduleUrl, header, compute) {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(`usage: node ${process.argv[1]} <file>\n`);
    process.exit(2);
  }
  const rows = sortedRows(compute(file));
  let out = header.join(',') + '\n';
  for (const row of rows) out += row.join(',') + '\n';
  process.stdout.write(out);
}

import { InputError, UsageError } from '../errors.js';
import type { ColumnSpec } from '../io/column-types.js';
import { readRange } from '../io/file-range.js';
import { openInput, readWholeInput } from '../io/input-source.js';
import { flattenObject } from '../io/flatten.js';
import { TypeSniffer } from '../io/infer-types.js';
import { duplicateKey, duplicateKeysByElement } from '../io/duplicate-keys.js';
import { parseJsonLine, wholeJsonArray } from '../io/json-line.js';
import { jsonArrayElement, trimmedLine } from '../io/ndjson-decode.js';
import type { ColumnOptions } from './csv.js';
import type { JsonArrayLayout, NdjsonSplit } from './split.js';
import { rememberedLayout } from './layout-cache.js';

/** What the planner learns from the start of an NDJSON file (or a `.json` file holding an array of objects). */
export interface NdjsonLayout {
  file: string;
  bytes: number;
  columns: ColumnSpec[];
  inferred: boolean[];
  sampleRows: number;
  estimatedRows: number;
  /** True when the row count is known exactly (the sample was the whole file, or a whole JSON array was read). */
  rowsExact: boolean;
  sample: Array<Record<string, unknown>>;
  /** Set for a JSON array: how its elements are found (see `JsonArrayLayout`). */
  array?: JsonArrayLayout;
}

const SAMPLE_BYTES = 1 << 20;
/** Lines used for type inference. */
export const SAMPLE_LINES = 10_000;
/** Largest JSON array read whole (JSON.parse of one string; V8's strings stop near 512 MB). */
const MAX_WHOLE_ARRAY = 256 << 20;

/** Reads the first lines of an NDJSON file and infers its (flattened) columns. */
export function readNdjsonLayout(file: string, bytes: number, given: ColumnOptions = {}): Promise<NdjsonLayout> {
  // A copy of the columns: the planner widens them when files of one input disagree.
  return rememberedLayout(
    'ndjson',
    file,
    [bytes, given],
    () => sampleNdjsonLayout(file, bytes, given),
    (l) => ({ ...l, columns: [...l.columns] }),
  );
}

async function sampleNdjsonLayout(file: string, bytes: number, given: ColumnOptions): Promise<NdjsonLayout> {
  const fh = await openInput(file);
  let head: Buffer;
  try {
    head = await readRange(fh, 0, Math.min(bytes, SAMPLE_BYTES));
  } finally {
    await fh.close();
  }
  const atEof = head.length >= bytes;
  const array = jsonArrayLayoutOf(head, atEof);
  if (array !== 'whole') return ndjsonLayoutFromHead(file, bytes, head, atEof, given, array);
  if (bytes > MAX_WHOLE_ARRAY)
    throw new InputError(
      `${file}: a JSON array of ${bytes} bytes with elements over several lines is read whole, by one task, up to ` +
        `${MAX_WHOLE_ARRAY >> 20} MB; convert it to JSON lines (one object per line, e.g. \`jq -c '.[]'\`) to read it in parallel`,
    );
  const whole = await readWholeInput(file);
  const objects = wholeJsonArray(file, whole);
  // An element that repeats a key is a bad record (the reader reports it): it takes no part in inferring the columns.
  const repeated = duplicateKeysByElement(whole, 0, whole.length, SAMPLE_LINES);
  return layoutFromObjects(
    file,
    bytes,
    objects.slice(0, SAMPLE_LINES).filter((_, i) => !repeated.has(i)),
    true,
    bytes / Math.max(1, objects.length),
    given,
    'whole',
    objects.length,
  );
}

/**
 * How a file that starts with `[` holds its array: `lines` when every sampled line is one element
 * (quiver's own `-o x.json`, `jq -c`, pandas `to_json(orient='records', lines=False)` after a reflow):
 * then it is split at line ends like NDJSON; `whole` otherwise (pretty-printed elements over several
 * lines, as vega-datasets' movies.json): then one task parses it whole, since a split boundary inside
 * an element cannot be told from the bytes after it without parsing from the start.
 */
export function jsonArrayLayoutOf(head: Buffer, atEof: boolean): JsonArrayLayout | undefined {
  let p = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (p < head.length && (head[p] === 32 || head[p] === 9 || head[p] === 10 || head[p] === 13)) p++;
  if (head[p] !== 0x5b) return undefined;
  let lines = 0;
  for (let pos = p; pos < head.length && lines < SAMPLE_LINES; ) {
    let nl = head.indexOf(10, pos);
    if (nl < 0) {
      if (!atEof) break;
      nl = head.length;
    }
    const [s, e] = jsonArrayElement(head, ...trimmedLine(head, pos, nl));
    pos = nl + 1;
    if (s === e) continue;
    if (head[s] !== 0x7b || head[e - 1] !== 0x7d) return 'whole';
    try {
      const v = parseJsonLine(head.toString('utf8', s, e));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'whole';
    } catch {
      return 'whole';
    }
    lines++;
  }
  return lines > 0 ? 'lines' : 'whole';
}

/** The layout of an NDJSON file from its first bytes (also used for decompressed streams). */
export function ndjsonLayoutFromHead(
  file: string,
  bytes: number,
  head: Buffer,
  atEof: boolean,
  given: ColumnOptions,
  array?: 'lines',
): NdjsonLayout {
  const objects: unknown[] = [];
  let pos = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let used = 0;
  while (pos < head.length && objects.length < SAMPLE_LINES) {
    let nl = head.indexOf(10, pos);
    if (nl < 0) {
      if (!atEof) break;
      nl = head.length;
    }
    let [s, e] = trimmedLine(head, pos, nl);
    if (array) [s, e] = jsonArrayElement(head, s, e);
    pos = nl + 1;
    if (s === e) continue;
    let obj: unknown;
    try {
      obj = parseJsonLine(head.toString('utf8', s, e));
    } catch {
      obj = undefined;
    }
    // A bad line in the sample (a repeated key included) is left to the reader, which skips or reports it
    // under the run's --max-bad-records; it only takes no part in inferring the columns.
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || duplicateKey(head, s, e)) continue;
    objects.push(obj);
    used = nl + 1;
  }
  if (objects.length === 0 && !given.schema && !atEof)
    throw new UsageError(`${file}: no JSON object in the first ${head.length} bytes; give the columns with --schema`);
  return layoutFromObjects(file, bytes, objects, atEof, used / Math.max(1, objects.length), given, array);
}

/** Columns and types from sampled objects (flattened to `a.b`), with the given and widened types applied. */
function layoutFromObjects(
  file: string,
  bytes: number,
  objects: unknown[],
  atEof: boolean,
  perRow: number,
  given: ColumnOptions,
  array?: JsonArrayLayout,
  rows?: number,
): NdjsonLayout {
  const sniffers = new Map<string, TypeSniffer>();
  const sample: Array<Record<string, unknown>> = [];
  for (const obj of objects) {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) continue;
    const flat: Record<string, unknown> = {};
    flattenObject(obj as Record<string, unknown>, (path, v) => {
      flat[path] = v;
      let s = sniffers.get(path);
      if (!s) sniffers.set(path, (s = new TypeSniffer()));
      s.addJson(v);
    });
    sample.push(flat);
  }
  const names = given.schema ? given.schema.map((c) => c.name) : [...sniffers.keys()];
  const overrides = new Map((given.types ?? []).map((c) => [c.name, c.type]));
  const widened = new Map((given.widened ?? []).map((c) => [c.name, c.type]));
  for (const c of given.types ?? []) if (!names.includes(c.name)) names.push(c.name);
  // Keys found past the sample by an earlier attempt of the run are columns too (after the sampled ones).
  if (!given.schema) for (const c of given.widened ?? []) if (!names.includes(c.name)) names.push(c.name);
  const inferred = names.map((n) => !overrides.has(n) && !given.schema);
  const columns = names.map((name, i) => ({
    name,
    type: overrides.get(name) ?? given.schema?.[i]?.type ?? widened.get(name) ?? sniffers.get(name)?.type ?? 'utf8',
    inferred: inferred[i],
  }));
  return {
    file,
    bytes,
    columns,
    inferred,
    sampleRows: sample.length,
    estimatedRows: rows ?? (atEof ? sample.length : Math.round(bytes / Math.max(1, perRow))),
    rowsExact: rows !== undefined || atEof,
    sample: sample.slice(0, 100),
    array,
  };
}

/** Line-aligned byte ranges of about `splitBytes` (a split owns the lines that start in it); a JSON array read whole is one split. */
export function splitNdjsonFile(layout: NdjsonLayout, splitBytes: number, firstId: number): NdjsonSplit[] {
  const array = layout.array;
  const size = array === 'whole' ? Math.max(1, layout.bytes) : splitBytes;
  const splits: NdjsonSplit[] = [];
  for (let start = 0; start < layout.bytes; start += size) {
    const end = Math.min(layout.bytes, start + size);
    splits.push({
      kind: 'ndjson',
      id: firstId + splits.length,
      file: layout.file,
      start,
      end,
      bytes: end - start,
      columns: layout.columns,
      fileBytes: layout.bytes,
      ...(array ? { array } : {}),
    });
  }
  return splits;
}

import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { ColumnSpec } from '../io/column-types.js';
import { readRange } from '../io/file-range.js';
import { flattenObject } from '../io/flatten.js';
import { TypeSniffer } from '../io/infer-types.js';
import { parseJsonLine } from '../io/json-line.js';
import type { ColumnOptions } from './csv.js';
import type { NdjsonSplit } from './split.js';
import { rememberedLayout } from './layout-cache.js';

/** What the planner learns from the start of an NDJSON file. */
export interface NdjsonLayout {
  file: string;
  bytes: number;
  columns: ColumnSpec[];
  inferred: boolean[];
  sampleRows: number;
  estimatedRows: number;
  sample: Array<Record<string, unknown>>;
}

const SAMPLE_BYTES = 1 << 20;
/** Lines used for type inference. */
export const SAMPLE_LINES = 10_000;

/** Reads the first lines of an NDJSON file and infers its (flattened) columns. */
export function readNdjsonLayout(file: string, bytes: number, given: ColumnOptions = {}): Promise<NdjsonLayout> {
  // A copy of the columns: the planner widens them when files of one input disagree.
  return rememberedLayout('ndjson', file, [bytes, given], () => sampleNdjsonLayout(file, bytes, given), (l) => ({ ...l, columns: [...l.columns] }));
}

async function sampleNdjsonLayout(file: string, bytes: number, given: ColumnOptions): Promise<NdjsonLayout> {
  const fh = await open(file, 'r');
  try {
    const head = await readRange(fh, 0, Math.min(bytes, SAMPLE_BYTES));
    return ndjsonLayoutFromHead(file, bytes, head, head.length >= bytes, given);
  } finally {
    await fh.close();
  }
}

/** The layout of an NDJSON file from its first bytes (also used for decompressed streams). */
export function ndjsonLayoutFromHead(file: string, bytes: number, head: Buffer, atEof: boolean, given: ColumnOptions): NdjsonLayout {
  const sniffers = new Map<string, TypeSniffer>();
  const sample: Array<Record<string, unknown>> = [];
  let pos = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let line = 1;
  let used = 0;
  while (pos < head.length && sample.length < SAMPLE_LINES) {
    let nl = head.indexOf(10, pos);
    if (nl < 0) {
      if (!atEof) break;
      nl = head.length;
    }
    const text = head.toString('utf8', pos, nl).trim();
    if (text !== '') {
      let obj: unknown;
      try {
        obj = parseJsonLine(text);
      } catch {
        obj = undefined;
      }
      // A bad line in the sample is left to the reader, which skips or reports it under the run's
      // --max-bad-records; it only takes no part in inferring the columns.
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        pos = nl + 1;
        line++;
        continue;
      }
      const flat: Record<string, unknown> = {};
      flattenObject(obj as Record<string, unknown>, (path, v) => {
        flat[path] = v;
        let s = sniffers.get(path);
        if (!s) sniffers.set(path, (s = new TypeSniffer()));
        s.addJson(v);
      });
      sample.push(flat);
      used = nl + 1;
    }
    pos = nl + 1;
    line++;
  }
  const names = given.schema ? given.schema.map((c) => c.name) : [...sniffers.keys()];
  const overrides = new Map((given.types ?? []).map((c) => [c.name, c.type]));
  const widened = new Map((given.widened ?? []).map((c) => [c.name, c.type]));
  for (const c of given.types ?? []) if (!names.includes(c.name)) names.push(c.name);
  // Keys found past the sample by an earlier attempt of the run are columns too (after the sampled ones).
  if (!given.schema) for (const c of given.widened ?? []) if (!names.includes(c.name)) names.push(c.name);
  if (names.length === 0 && !atEof) throw new UsageError(`${file}: no JSON object in the first ${head.length} bytes; give the columns with --schema`);
  const inferred = names.map((n) => !overrides.has(n) && !given.schema);
  const columns = names.map((name, i) => ({ name, type: overrides.get(name) ?? given.schema?.[i]?.type ?? widened.get(name) ?? sniffers.get(name)?.type ?? 'utf8', inferred: inferred[i] }));
  const perRow = sample.length > 0 ? used / sample.length : 1;
  return {
    file,
    bytes,
    columns,
    inferred,
    sampleRows: sample.length,
    estimatedRows: atEof ? sample.length : Math.round(bytes / Math.max(1, perRow)),
    sample: sample.slice(0, 100),
  };
}

/** Line-aligned byte ranges of about `splitBytes` (a split owns the lines that start in it). */
export function splitNdjsonFile(layout: NdjsonLayout, splitBytes: number, firstId: number): NdjsonSplit[] {
  const splits: NdjsonSplit[] = [];
  for (let start = 0; start < layout.bytes; start += splitBytes) {
    const end = Math.min(layout.bytes, start + splitBytes);
    splits.push({ kind: 'ndjson', id: firstId + splits.length, file: layout.file, start, end, bytes: end - start, columns: layout.columns });
  }
  return splits;
}

import { Schema, Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import { InputError } from '../errors.js';
import { describeSplit, type ParquetSplit } from '../planner/split.js';
import { cutBatch } from './cut-batch.js';
import { inputVersion } from './input-source.js';
import { openParquet, parquetSchemaOf, reopenParquet, type ParquetFile } from './parquet-file.js';
import { needsIpc, unreadableColumn, withDictionaryTypes, withParquetBatch, type UnreadableColumn } from './parquet-types.js';
import { checkPageHeaders, pageLayout, type GroupPages } from './parquet-pages.js';
import { chunkBounds, outOfBounds, type ChunkBounds } from './parquet-statistics.js';
import { isWasmTrap, parquetWasm, wasmFailure, parquetWasmGeneration, whileReading } from './parquet-wasm.js';

/**
 * Open Parquet files of this worker (the footer is parsed once per file, not once per task), by path,
 * size and modification time: a file written again between two runs of one engine is opened again,
 * not read through the old file's handle. Two handles a file: `streamParquetSplit` reads the next row
 * group on one while the job works on the other's batches. A file read with dictionary columns
 * (`openParquet`'s `dictionary`) has handles of its own: the key is the path and those columns.
 */
const open = new Map<string, { version: string; generation: number; files: Promise<ParquetFile[]> }>();
const MAX_OPEN = 8;

const free = (files: Promise<ParquetFile[]>) =>
  void files.then(
    (fs) =>
      fs.forEach((f) => {
        f.generation === parquetWasmGeneration() && f.free();
      }),
    () => undefined,
  );

async function parquetFiles(file: string, dictionary: string[]): Promise<ParquetFile[]> {
  parquetWasm(); // instantiated first, so the generation recorded below is the handles' own
  const version = await inputVersion(file);
  const key = dictionary.length > 0 ? `${file}\0${dictionary.join('\0')}` : file;
  const known = open.get(key);
  // Handles opened under a parquet-wasm instance that trapped since are dead, like the instance.
  if (known?.version === version && known.generation === parquetWasmGeneration()) return known.files;
  // This path's older version goes, or else the oldest file while there are too many.
  const gone = known ? key : open.size >= MAX_OPEN ? open.keys().next().value! : undefined;
  if (gone !== undefined) {
    free(open.get(gone)!.files);
    open.delete(gone);
  }
  // The second handle reopens the first's bytes: the footer's checks and patches are done once.
  const files = openParquet(file, dictionary).then(async (pf) => {
    try {
      return [pf, await reopenParquet(pf, file)];
    } catch (e) {
      if (pf.generation === parquetWasmGeneration()) pf.free();
      throw e;
    }
  });
  files.catch(() => open.get(key)?.files === files && open.delete(key));
  open.set(key, { version, generation: parquetWasmGeneration(), files });
  return files;
}

/**
 * Reads a split's row groups of a Parquet file with parquet-wasm, only the `columns` asked for, and
 * hands them over as Arrow JS record batches: arrow-js-ffi copies each column buffer straight out of
 * WebAssembly memory through the Arrow C Data Interface. (Going through an IPC stream instead wrote
 * every buffer twice, once into the stream inside WebAssembly and once out of it: 8% more time.)
 *
 * Row groups are read one at a time and their batches given out as they come: WebAssembly memory and
 * the copy hold one row group, not the whole split, which keeps them in cache (10M-row G1 file, 16 row
 * groups a split: 1565–1682 → 1354–1459 ms of CPU), and a task that folds each batch as it arrives
 * holds one row group's columns at a time rather than the split's. That also spares the worker's
 * garbage collector: every ~64 MB of live off-heap columns starts a mark-compact (GC time per run of
 * the 10M-row scan at 1 worker, --trace-gc: 168 ms whole splits, 94 ms a row group at a time).
 * The row count is checked against the footer when the split ends. The Utf8 columns named in
 * `dictionary` come as Dictionary<Int32, Utf8> (see `openParquet`).
 */
export async function* streamParquetSplit(
  split: ParquetSplit,
  batchRows: number,
  columns?: string[],
  dictionary: string[] = [],
): AsyncGenerator<RecordBatch> {
  const handles = await parquetFiles(split.file, dictionary);
  const groups = split.rowGroups;
  const schema = arrowSchemaOf(handles[0]!);
  const unreadable = unreadableColumn(schema, columns);
  if (unreadable) throw unreadableError(split.file, split.rowGroups[0], unreadable);
  const annotations = handles[0]!.annotations!;
  const viaIpc = needsIpc(columns ? new Schema(schema.fields.filter((f) => columns.includes(f.name))) : schema);
  // The split's page headers are checked before parquet-wasm reads any of it (`checkPageHeaders`).
  const layout = layoutOf(handles[0]!);
  for (const g of groups) checkPageHeaders(split.file, g, layout[g], columns);
  // The next row group is read while the job works on this one's batches: its bytes come off the
  // file on libuv's threads, which the worker would otherwise wait for (10M-row scan, paired runs:
  // 2 workers 702-757 -> 687-734 ms; 1 worker unchanged).
  const read = (k: number) => {
    const pf = handles[k % 2]!;
    const readGroup = () => pf.read({ rowGroups: [groups[k]!], columns, batchSize: batchRows });
    // Its column chunks are read into buffers lent for the read (parquet-file.ts' ReadBuffers).
    const pending = whileReading(() => (pf.buffers ? pf.buffers.during(readGroup) : readGroup()));
    pending.catch(() => undefined); // its error is reported when its turn comes, not as unhandled now
    return pending;
  };
  let next = groups.length > 0 ? read(0) : undefined;
  let rows = 0;
  const bounds = boundsOf(handles[0]!);
  try {
    for (let k = 0; k < groups.length; k++) {
      const group = groups[k]!;
      let batches: RecordBatch[];
      try {
        const table = await next!;
        next = k + 1 < groups.length ? read(k + 1) : undefined;
        batches = viaIpc ? tableFromIPC(table.intoIPCStream()).batches : batchesOf(table);
      } catch (e) {
        next = undefined; // after a trap the instance is gone, and with it any read still pending
        const names = columns ?? schema.fields.map((f) => f.name);
        throw rowGroupError(split, group, (await culprit(split.file, group, names)) ?? names, e);
      }
      for (let b = 0, at = 0; b < batches.length; at += batches[b]!.numRows, b++) checkBounds(split, group, at, batches[b]!, bounds[group]);
      for (const b of batches) {
        rows += b.numRows;
        yield* cutBatch(withParquetBatch(b, annotations), batchRows);
      }
    }
  } finally {
    // A task that stopped early, or failed, leaves no read behind and frees what it read.
    if (next)
      await next.then(
        (t) => t.free(),
        () => undefined,
      );
  }
  if (rows !== split.rows) {
    throw new InputError(`${describeSplit(split)}: decoded ${rows} rows, the footer says ${split.rows}; the file may be corrupt`, {
      location: { file: split.file, rowGroup: split.rowGroups[0] },
    });
  }
}

/** A row group's columns copied out of WebAssembly memory through the C Data Interface. */
function batchesOf(table: Awaited<ReturnType<ParquetFile['read']>>): RecordBatch[] {
  const ffi = table.intoFFI();
  try {
    // Copied (the last argument): the next read reuses and may grow WebAssembly memory.
    return parseTable(parquetWasm().wasmMemory().buffer, ffi.arrayAddrs(), ffi.schemaAddr(), true).batches.map(withDictionaryTypes);
  } finally {
    ffi.drop();
  }
}

/** A row group that does not decode: which file, row group and columns, and whether parquet-wasm trapped. */
function rowGroupError(split: ParquetSplit, group: number, columns: string[], e: unknown): InputError {
  const what = isWasmTrap(e)
    ? `the Parquet reader (parquet-wasm) crashed (WebAssembly ${e.message}) decoding column${columns.length === 1 ? '' : 's'} ` +
      `${columns.join(', ')}`
    : `column${columns.length === 1 ? '' : 's'} ${columns.join(', ')} do${columns.length === 1 ? 'es' : ''} not decode: ${String(e)}`;
  const fix =
    columns.length > 1
      ? `; the file may be corrupt or truncated, or one of these columns has a layout the reader cannot decode (leave it out with ` +
        `--columns to find which)`
      : '; the file may be corrupt or truncated';
  return new InputError(`${describeSplit(split)}: row group ${group}: ${what}${fix}`, {
    cause: e,
    location: {
      file: split.file,
      rowGroup: group,
      column: columns.length === 1 ? columns[0] : undefined,
      expected: 'Parquet row group data',
    },
  });
}

/**
 * Which one of several columns fails to decode in a row group, read one at a time on a fresh handle,
 * so the error can name it; undefined when they all read alone (or there is only one). It runs only
 * after a failure, and a trap is caught like any other failure.
 */
async function culprit(file: string, group: number, columns: string[]): Promise<string[] | undefined> {
  if (columns.length < 2) return undefined;
  for (const column of columns) {
    try {
      const pf = await openParquet(file);
      try {
        (await whileReading(() => pf.read({ rowGroups: [group], columns: [column] }))).free();
      } finally {
        if (pf.generation === parquetWasmGeneration()) pf.free();
      }
    } catch {
      return [column];
    }
  }
  return undefined;
}

function unreadableError(file: string, rowGroup: number | undefined, c: UnreadableColumn): InputError {
  return new InputError(
    `${file}: column ${c.name} (${c.type}) cannot be read: ${c.why}; leave it out with --columns (the other columns read as usual)`,
    {
      location: { file, rowGroup, column: c.name, expected: 'a column type quiver reads from Parquet', found: c.type },
    },
  );
}

const bounds = new WeakMap<ParquetFile, Array<Map<string, ChunkBounds>>>();

/** A handle's column chunk statistics by row group (decoded once per handle, when its first split is read). */
function boundsOf(pf: ParquetFile): Array<Map<string, ChunkBounds>> {
  let b = bounds.get(pf);
  if (!b) bounds.set(pf, (b = pf.footer ? chunkBounds(pf.footer) : []));
  return b;
}

/**
 * Fails a row group whose decoded values lie outside its column chunks' min/max statistics. Why: a page
 * corrupted inside its compression (fuzz seed 5, case 693: three bits of a Snappy page of doubles) can
 * decode without complaint in parquet-wasm to values the writer never wrote (a v sum of 288,149,368,466
 * where the chunk's max is 99.281), which DuckDB and Polars refuse ("Snappy decompression failure"). Pages
 * carry no checksum quiver could check instead (writers rarely write the optional page CRC); the
 * statistics are in the footer, and comparing costs one pass over each numeric column, about 1 ns a value.
 */
function checkBounds(split: ParquetSplit, group: number, at: number, batch: RecordBatch, chunks: Map<string, ChunkBounds> | undefined) {
  if (!chunks || chunks.size === 0) return;
  batch.schema.fields.forEach((field, c) => {
    const b = chunks.get(field.name);
    const bad = b && outOfBounds(batch.data.children[c]!, b);
    if (!bad) return;
    throw new InputError(
      `${split.file}: row group ${group}, column "${field.name}": value ${bad.value} (row ${at + bad.index} of the row group) ` +
        `is outside the chunk's statistics [${b.min}, ${b.max}]: the file is corrupt (a page decodes to values its writer never wrote)`,
      { location: { file: split.file, rowGroup: group, column: field.name, expected: `values in [${b.min}, ${b.max}]`, found: bad.value } },
    );
  });
}

const layouts = new WeakMap<ParquetFile, GroupPages[]>();

/** A handle's column chunks' page ranges by row group (decoded once per handle). */
function layoutOf(pf: ParquetFile): GroupPages[] {
  let l = layouts.get(pf);
  if (!l) layouts.set(pf, (l = pf.footer ? pageLayout(pf.footer) : []));
  return l;
}

const schemas = new WeakMap<ParquetFile, Schema>();

/** A handle's schema as an Arrow JS schema (decoded once per handle). */
function arrowSchemaOf(pf: ParquetFile): Schema {
  let schema = schemas.get(pf);
  if (!schema) schemas.set(pf, (schema = parquetSchemaOf(pf)));
  return schema;
}

/**
 * The first `rows` rows of a Parquet file, for `quiver inspect`: every column it can read (`left`
 * names the first it cannot, which is shown in the schema but not in the rows), and a trap or an
 * undecodable column is an InputError naming the file and the column, as in a task.
 */
export async function readParquetHead(file: string, rows: number): Promise<{ table: Table; left?: UnreadableColumn }> {
  const pf = await openParquet(file);
  const schema = arrowSchemaOf(pf);
  const left = unreadableColumn(schema);
  const columns = schema.fields.map((f) => f.name).filter((n) => n !== left?.name);
  // The page headers of the row groups the head comes from are checked as a task checks its own.
  try {
    const layout = layoutOf(pf);
    for (let g = 0, seen = 0; g < layout.length && seen < Math.max(1, rows); seen += layout[g]!.rows, g++)
      checkPageHeaders(file, g, layout[g], columns);
  } catch (e) {
    if (pf.generation === parquetWasmGeneration()) pf.free();
    throw e;
  }
  try {
    const head = tableFromIPC((await whileReading(() => pf.read({ limit: rows, batchSize: Math.max(1, rows), columns }))).intoIPCStream());
    return { table: head.batches.length ? new Table(head.batches.map((b) => withParquetBatch(b, pf.annotations!))) : head, left };
  } catch (e) {
    const bad = (await culprit(file, 0, columns)) ?? columns;
    const what = wasmFailure(e);
    throw new InputError(
      `${file}: row group 0: column${bad.length === 1 ? '' : 's'} ${bad.join(', ')} do${bad.length === 1 ? 'es' : ''} not decode: ` +
        `${what}; the file may be corrupt or truncated`,
      {
        cause: e,
        location: { file, rowGroup: 0, column: bad.length === 1 ? bad[0] : undefined },
      },
    );
  } finally {
    if (pf.generation === parquetWasmGeneration()) pf.free();
  }
}

/** A split's batches all at once (`streamParquetSplit` collected). */
export async function readParquetSplit(
  split: ParquetSplit,
  batchRows: number,
  columns?: string[],
  dictionary: string[] = [],
): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of streamParquetSplit(split, batchRows, columns, dictionary)) out.push(b);
  return out;
}
